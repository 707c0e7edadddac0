"""Admin for running shifts: shifts with their plan, applications, members, reports."""

from moderation.admin import (
    applications,
    data,
    digests,
    exports,
    members,
    reports,
    shifts,
)

__all__ = [
    "applications",
    "data",
    "digests",
    "exports",
    "members",
    "reports",
    "shifts",
]
