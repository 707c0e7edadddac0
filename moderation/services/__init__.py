"""Services of moderation: applications, the shift lifecycle, reports."""

from moderation.services.applications import (
    application_approve,
    application_decline,
    application_submit,
    first_task_at,
    shift_open_for_registration,
)
from moderation.services.shifts import shift_cancel, shift_finish, shift_start

__all__ = [
    "application_approve",
    "application_decline",
    "application_submit",
    "first_task_at",
    "shift_cancel",
    "shift_finish",
    "shift_open_for_registration",
    "shift_start",
]
