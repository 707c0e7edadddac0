"""Services of moderation: applications, the shift lifecycle, reports."""

from moderation.services.applications import (
    application_approve,
    application_decline,
    application_submit,
    first_task_at,
    shift_open_for_registration,
)
from moderation.services.participants import (
    ParticipantOverview,
    participant_apply,
    participant_balance,
    participant_overview,
)
from moderation.services.reports import (
    membership_current,
    membership_skipped_count,
    report_photo_check,
    report_skip,
    report_skip_check,
    report_submit,
    report_today,
)
from moderation.services.shifts import shift_cancel, shift_finish, shift_start

__all__ = [
    "ParticipantOverview",
    "application_approve",
    "application_decline",
    "application_submit",
    "first_task_at",
    "membership_current",
    "membership_skipped_count",
    "participant_apply",
    "participant_balance",
    "participant_overview",
    "report_photo_check",
    "report_skip",
    "report_skip_check",
    "report_submit",
    "report_today",
    "shift_cancel",
    "shift_finish",
    "shift_open_for_registration",
    "shift_start",
]
