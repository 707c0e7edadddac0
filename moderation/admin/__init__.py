"""Admin for running shifts: shifts with their plan, applications, members, reports."""

from moderation.admin import (
    applications,
    data,
    exports,
    members,
    reports,
    shifts,
)

__all__ = ["applications", "data", "exports", "members", "reports", "shifts"]
