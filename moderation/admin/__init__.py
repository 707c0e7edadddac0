"""Admin for running shifts: shifts with their plan, applications, members, reports."""

from moderation.admin import applications, members, reports, shifts

__all__ = ["applications", "members", "reports", "shifts"]
