"""Services of moderation: applications, the shift lifecycle, the daily cycle,
reports and their review."""

from moderation.services.applications import (
    application_approve,
    application_decline,
    application_submit,
    first_task_at,
    shift_open_for_registration,
)
from moderation.services.clock import (
    TickResult,
    tick,
)
from moderation.services.cycle import (
    day_open,
    members_exclude_due,
    membership_exclude,
    reminders_send,
)
from moderation.services.erasure import (
    erasure_hook_register,
    participant_erase,
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
    report_skip,
    report_skip_check,
    report_today,
)
from moderation.services.retention import (
    export_files_remove_due,
    photos_remove,
    shift_photos_remove,
    shifts_photos_due,
)
from moderation.services.reviews import (
    report_approve,
    report_attempts_left,
    report_decline,
    report_next_to_review,
)
from moderation.services.shifts import (
    shift_cancel,
    shift_create,
    shift_finish,
    shift_plan_generate,
    shift_start,
    shift_update,
)
from moderation.services.submissions import (
    report_photo_check,
    report_submit,
)

__all__ = [
    "ParticipantOverview",
    "TickResult",
    "application_approve",
    "application_decline",
    "application_submit",
    "day_open",
    "erasure_hook_register",
    "export_files_remove_due",
    "first_task_at",
    "members_exclude_due",
    "membership_current",
    "membership_exclude",
    "membership_skipped_count",
    "participant_apply",
    "participant_balance",
    "participant_erase",
    "participant_overview",
    "photos_remove",
    "reminders_send",
    "report_approve",
    "report_attempts_left",
    "report_decline",
    "report_next_to_review",
    "report_photo_check",
    "report_skip",
    "report_skip_check",
    "report_submit",
    "report_today",
    "shift_cancel",
    "shift_create",
    "shift_finish",
    "shift_open_for_registration",
    "shift_photos_remove",
    "shift_plan_generate",
    "shift_start",
    "shift_update",
    "shifts_photos_due",
    "tick",
]
