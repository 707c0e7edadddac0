import datetime as dt
import zoneinfo

import pytest
from django.utils import translation

from moderation.exceptions import ShiftNotOver, ShiftTooLong


@pytest.mark.parametrize(
    ("language", "shown"), [("en", "March 1, 2027"), ("ru", "01.03.2027")]
)
def test_domain_error_shows_a_date_in_the_language_format(language, shown):
    error = ShiftNotOver(shift="Spring", end_date=dt.date(2027, 3, 1))

    with translation.override(language):
        assert shown in str(error)


@pytest.mark.parametrize(
    ("language", "shown"), [("en", "March 1, 2027, 21:18"), ("ru", "01.03.2027 21:18")]
)
def test_domain_error_shows_a_moment_in_local_time(settings, language, shown):
    settings.TIME_ZONE = "Europe/Moscow"
    moment = dt.datetime(2027, 3, 1, 18, 18, tzinfo=zoneinfo.ZoneInfo("UTC"))
    error = ShiftNotOver(shift="Spring", end_date=moment)

    with translation.override(language):
        assert shown in str(error)


def test_domain_error_keeps_numbers_as_they_are():
    assert "4 months" in str(ShiftTooLong(months=4))
