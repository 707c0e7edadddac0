"""Creating a shift (with its plan) and changing it: `moderation.shifts.lifecycle`."""

import datetime as dt

import pytest

from core.models import Shift
from core.services import add_months
from moderation.exceptions import (
    ShiftAlreadyPreparing,
    ShiftDatesInvalid,
    ShiftNoTasks,
    ShiftOverlapsRunning,
    ShiftTooLong,
    ShiftWrongStatus,
)
from moderation.shifts.lifecycle import shift_create, shift_update
from tests.factories import ShiftFactory, TaskFactory

pytestmark = pytest.mark.django_db

START = dt.date(2027, 3, 1)


def new_shift(start=START, days=30, **fields) -> Shift:
    return Shift(
        title="Spring",
        start_date=start,
        end_date=start + dt.timedelta(days=days - 1),
        **fields,
    )


def test_shift_create_plans_every_day_from_active_tasks():
    tasks = TaskFactory.create_batch(4)
    TaskFactory(is_archived=True)

    shift = shift_create(new_shift(days=10), by=None)

    days = list(shift.days.order_by("date"))
    assert [day.date for day in days] == [
        START + dt.timedelta(days=offset) for offset in range(10)
    ]
    used = [day.task_id for day in days]
    assert set(used) == {task.pk for task in tasks}
    # Cycled: each run of four consecutive days uses each task once.
    assert len(set(used[:4])) == 4
    assert used[4:8] == used[:4]


def test_shift_create_is_preparing():
    TaskFactory()

    shift = shift_create(new_shift(), by=None)

    assert shift.status == Shift.Status.PREPARING


def test_shift_create_refuses_end_before_start():
    TaskFactory()

    with pytest.raises(ShiftDatesInvalid):
        shift_create(new_shift(days=0), by=None)


def test_shift_create_refuses_four_months_or_more():
    TaskFactory()
    shift = new_shift()
    shift.end_date = add_months(START, 4)

    with pytest.raises(ShiftTooLong):
        shift_create(shift, by=None)


def test_shift_create_accepts_just_under_four_months():
    TaskFactory()
    shift = new_shift()
    shift.end_date = add_months(START, 4) - dt.timedelta(days=1)

    assert shift_create(shift, by=None).pk


def test_shift_create_refuses_second_preparing_shift():
    ShiftFactory(start_date=START)

    with pytest.raises(ShiftAlreadyPreparing):
        shift_create(new_shift(start=START + dt.timedelta(days=60)), by=None)


def test_shift_create_refuses_start_before_running_shift_ends():
    running = ShiftFactory(start_date=START, status=Shift.Status.STARTED)

    with pytest.raises(ShiftOverlapsRunning):
        shift_create(new_shift(start=running.end_date), by=None)


def test_shift_create_accepts_start_after_running_shift_ends():
    running = ShiftFactory(start_date=START, status=Shift.Status.STARTED)

    shift = shift_create(
        new_shift(start=running.end_date + dt.timedelta(days=1)), by=None
    )

    assert shift.status == Shift.Status.PREPARING


def test_shift_create_without_tasks_saves_nothing():
    with pytest.raises(ShiftNoTasks):
        shift_create(new_shift(), by=None)

    assert not Shift.objects.exists()


def test_shift_update_replans_when_dates_change():
    shift = ShiftFactory(start_date=START)

    shift_update(shift, by=None, end_date=START + dt.timedelta(days=4))

    assert shift.days.count() == 5


def test_shift_update_refuses_new_dates_once_started():
    shift = ShiftFactory(start_date=START, status=Shift.Status.STARTED)

    with pytest.raises(ShiftWrongStatus):
        shift_update(shift, by=None, end_date=START + dt.timedelta(days=4))


def test_shift_update_changes_hours_of_started_shift():
    shift = ShiftFactory(start_date=START, status=Shift.Status.STARTED)

    shift_update(shift, by=None, reminder_hour=19)

    shift.refresh_from_db()
    assert shift.reminder_hour == 19
