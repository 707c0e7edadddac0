"""Reads for staff: a member's calendar of reports and their streak."""

import dataclasses
import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from core.models import Membership
from moderation.models import Report

# Statuses of a day whose outcome is not known yet: they neither add to nor break
# a streak.
OPEN_STATUSES = frozenset({Report.Status.WAITING, Report.Status.REVIEWING})


@dataclasses.dataclass(frozen=True)
class CalendarDay:
    """One day of a member's calendar; `status` is "" when there is no report."""

    date: dt.date
    number: int
    task: str
    status: str
    status_display: str
    report_id: int | None
    is_future: bool


def membership_calendar(
    membership: Membership, *, now: dt.datetime | None = None
) -> list[CalendarDay]:
    """Return every day of the member's shift with their report's status."""
    shift = membership.shift
    today = shift.task_date(now or timezone.now())
    reports = {
        report.day_id: report
        for report in membership.reports.only("pk", "day_id", "status")
    }
    calendar = []
    for day in shift.days.select_related("task").order_by("date"):
        report = reports.get(day.pk)
        calendar.append(
            CalendarDay(
                date=day.date,
                number=(day.date - shift.start_date).days + 1,
                task=day.task.title,
                status=report.status if report else "",
                status_display=report.get_status_display() if report else "",
                report_id=report.pk if report else None,
                is_future=day.date > today,
            )
        )
    return calendar


def streaks(statuses: Sequence[str]) -> tuple[int, int]:
    """Return the (current, best) runs of approved days in `statuses`, oldest first.

    Days still open (waiting, under review) are passed over: they may yet be
    approved, so they neither add to a run nor break it.
    """
    best = run = 0
    for status in statuses:
        if status == Report.Status.APPROVED:
            run += 1
            best = max(best, run)
        elif status not in OPEN_STATUSES:
            run = 0
    return run, best


def membership_streaks(
    membership: Membership, *, now: dt.datetime | None = None
) -> tuple[int, int]:
    """Return the member's (current, best) streak of approved days so far."""
    days = membership_calendar(membership, now=now)
    return streaks([day.status for day in days if not day.is_future])
