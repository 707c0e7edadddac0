import datetime as dt

import pytest

from core.services import add_months


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2027, 1, 31), 1, dt.date(2027, 2, 28)),
        (dt.date(2027, 10, 15), 4, dt.date(2028, 2, 15)),
        (dt.date(2027, 11, 30), 3, dt.date(2028, 2, 29)),
    ],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert add_months(day, months) == expected
