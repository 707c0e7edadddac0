"""Admin for staff, roles, participants and the task catalogue, the audit list, plus
the installed apps' models re-registered with Unfold's classes."""

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
