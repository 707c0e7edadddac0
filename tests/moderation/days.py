"""The timeline of a test shift: its days, moments in them, and what was sent.

Shared by the daily-cycle tests (cycle, reminders, tick, commands, tasks).
"""

import datetime as dt

from core.models import Membership, Shift
from moderation.models import Report
from moderation.shifts.applications import application_approve
from notifications.models import OutboxMessage
from tests.factories import ApplicationFactory, ShiftFactory

START = dt.date(2027, 3, 1)


def make_shift(**fields) -> Shift:
    """A five-day shift from START, tasks at 08:00 and reminders at 20:00; preparing
    unless `status` is given."""
    fields = {
        "start_date": START,
        "end_date": START + dt.timedelta(days=4),
        "task_hour": 8,
        "reminder_hour": 20,
        **fields,
    }
    return ShiftFactory(**fields)


def started_shift(**fields) -> Shift:
    return make_shift(status=Shift.Status.STARTED, **fields)


def date_of(shift: Shift, day: int) -> dt.date:
    """The date of day `day` (1-based) of the shift."""
    return shift.start_date + dt.timedelta(days=day - 1)


def at(shift: Shift, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """The moment `hour:minute` local time on day `day` (1-based) of the shift."""
    moment = shift.moment_at(date_of(shift, day), hour)
    return moment + dt.timedelta(minutes=minute)


def members_of(shift: Shift, count: int, admin) -> list[Membership]:
    """Approve `count` applications before the shift starts."""
    before = shift.moment_at(shift.start_date - dt.timedelta(days=2), 12)
    for _member in range(count):
        application_approve(ApplicationFactory(shift=shift), by=admin, now=before)
    return list(shift.memberships.order_by("pk"))


def report_of(membership: Membership, day: int) -> Report:
    return Report.objects.get(
        membership=membership, day__date=date_of(membership.shift, day)
    )


def statuses(membership: Membership) -> list[str]:
    """The member's report statuses, oldest day first."""
    return list(
        membership.reports.order_by("day__date").values_list("status", flat=True)
    )


def sent(kind: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=kind).order_by("id"))


def refreshed(shift: Shift) -> Shift:
    shift.refresh_from_db()
    return shift
