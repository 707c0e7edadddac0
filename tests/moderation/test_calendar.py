import datetime as dt

import pytest

from moderation.cycle.days import day_open
from moderation.models import Report
from moderation.review.calendar import (
    membership_calendar,
    membership_streaks,
    streaks,
)
from moderation.shifts.applications import application_approve
from tests.factories import ApplicationFactory, ShiftFactory

START = dt.date(2027, 3, 1)
A, D, S, W, R, N = (
    "approved",
    "declined",
    "skipped",
    "waiting",
    "reviewing",
    "not_participate",
)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], (0, 0)),
        ([A, A, A], (3, 3)),
        ([A, A, S, A], (1, 2)),
        ([A, A, D], (0, 2)),
        ([N, N, A, A], (2, 2)),
        # Open days neither count nor break: they may still be approved.
        ([A, A, R, W], (2, 2)),
        ([A, R, A], (2, 2)),
        # No report on a past day breaks the run.
        ([A, "", A], (1, 1)),
    ],
)
def test_streaks(statuses, expected):
    assert streaks(statuses) == expected


@pytest.mark.django_db
def test_membership_calendar_has_every_day_with_status(admin_user):
    shift = ShiftFactory(
        start_date=START, end_date=START + dt.timedelta(days=4), status="started"
    )
    application = ApplicationFactory(shift=shift)
    application_approve(application, by=admin_user, now=shift.moment_at(START, 9))
    membership = shift.memberships.get()
    day_open(shift, now=shift.moment_at(START + dt.timedelta(days=1), 8))
    Report.objects.filter(
        membership=membership, day__date=START + dt.timedelta(days=1)
    ).update(status=Report.Status.APPROVED)
    now = shift.moment_at(START + dt.timedelta(days=2), 7)

    calendar = membership_calendar(membership, now=now)

    assert [day.number for day in calendar] == [1, 2, 3, 4, 5]
    assert [day.status for day in calendar] == [N, A, "", "", ""]
    assert [day.is_future for day in calendar] == [False, False, True, True, True]
    assert calendar[1].status_display == "Approved"
    assert calendar[0].task == shift.days.get(date=START).task.title
    assert membership_streaks(membership, now=now) == (1, 1)
