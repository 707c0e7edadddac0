"""Admin for staff and roles, the privacy notice, phone conflicts and the audit
list, plus the installed apps' models re-registered with Unfold's classes. The
participant and task admins defined here are registered by `moderation.admin.data`."""

from core.admin import audit, installed_apps, programme, staff
from core.admin.programme import ParticipantAdmin, TaskAdmin

__all__ = [
    "ParticipantAdmin",
    "TaskAdmin",
    "audit",
    "installed_apps",
    "programme",
    "staff",
]
