import datetime as dt
import zoneinfo

import pytest

from core.models import Participant, Shift

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
YEKT = zoneinfo.ZoneInfo("Asia/Yekaterinburg")


def shift(**fields) -> Shift:
    defaults = {
        "start_date": dt.date(2027, 3, 1),
        "end_date": dt.date(2027, 3, 30),
        "time_zone": "Europe/Moscow",
        "task_hour": 8,
        "status": Shift.Status.STARTED,
    }
    return Shift(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.datetime(2027, 3, 5, 7, 59, tzinfo=MSK), dt.date(2027, 3, 4)),
        (dt.datetime(2027, 3, 5, 8, 0, tzinfo=MSK), dt.date(2027, 3, 5)),
        (dt.datetime(2027, 3, 5, 23, 59, tzinfo=MSK), dt.date(2027, 3, 5)),
    ],
)
def test_shift_task_date_runs_from_task_hour_to_task_hour(moment, expected):
    assert shift().task_date(moment) == expected


def test_shift_task_date_uses_shift_time_zone():
    # 07:30 in Moscow is 09:30 in Yekaterinburg: past the task hour there.
    moment = dt.datetime(2027, 3, 5, 7, 30, tzinfo=MSK)

    assert shift(time_zone="Europe/Moscow").task_date(moment) == dt.date(2027, 3, 4)
    assert shift(time_zone="Asia/Yekaterinburg").task_date(moment) == dt.date(
        2027, 3, 5
    )


@pytest.mark.parametrize(
    ("status", "local_day", "is_open"),
    [
        (Shift.Status.PREPARING, dt.date(2027, 2, 1), True),
        (Shift.Status.STARTED, dt.date(2027, 3, 1), True),
        (Shift.Status.STARTED, dt.date(2027, 3, 2), True),
        (Shift.Status.STARTED, dt.date(2027, 3, 3), False),
        (Shift.Status.FINISHED, dt.date(2027, 3, 1), False),
        (Shift.Status.CANCELLED, dt.date(2027, 2, 1), False),
    ],
)
def test_shift_registration_open_while_preparing_and_two_days_after_start(
    status, local_day, is_open
):
    moment = dt.datetime.combine(local_day, dt.time(12), tzinfo=MSK)

    assert shift(status=status).is_registration_open(moment) is is_open


def test_participant_age_counts_birthdays():
    participant = Participant(birth_date=dt.date(2014, 5, 17))

    assert participant.age_on(dt.date(2026, 5, 16)) == 11
    assert participant.age_on(dt.date(2026, 5, 17)) == 12
