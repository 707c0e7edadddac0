"""Services of moderation: applications, the shift lifecycle, reviews, the daily
cycle and its clock."""

from moderation.services.applications import (
    application_approve,
    application_decline,
    application_submit,
    first_task_at,
    shift_open_for_registration,
)
from moderation.services.clock import TickResult, tick
from moderation.services.cycle import (
    day_open,
    members_exclude_due,
    membership_exclude,
    reminders_send,
)
from moderation.services.reviews import (
    report_approve,
    report_attempts_left,
    report_decline,
    report_next_to_review,
)
from moderation.services.shifts import shift_cancel, shift_finish, shift_start

__all__ = [
    "TickResult",
    "application_approve",
    "application_decline",
    "application_submit",
    "day_open",
    "first_task_at",
    "members_exclude_due",
    "membership_exclude",
    "reminders_send",
    "report_approve",
    "report_attempts_left",
    "report_decline",
    "report_next_to_review",
    "shift_cancel",
    "shift_finish",
    "shift_open_for_registration",
    "shift_start",
    "tick",
]
