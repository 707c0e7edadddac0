# ruff: noqa: RUF001 - Cyrillic names are meant
"""The one set of rules for participant data (bot, import, admin form)."""

import datetime as dt

import pytest
import time_machine

from core.cleaners import (
    participant_birth_date_check,
    participant_birth_date_clean,
    participant_city_clean,
    participant_contact_phone,
    participant_language,
    participant_language_clean,
    participant_name_clean,
    participant_phone_check_free,
    participant_phone_clean,
)
from core.exceptions import (
    BirthDateInFuture,
    BirthDateInvalid,
    BirthDateOutOfRange,
    CityInvalid,
    LanguageInvalid,
    NameInvalid,
    PhoneInvalid,
    PhoneNotOwn,
    PhoneTaken,
)
from tests.factories import ParticipantFactory

TODAY = dt.date(2026, 6, 1)
NOON = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Anna", "Anna"),
        ("  anna-maria  ", "Anna-Maria"),
        ("Anna-maria", "Anna-Maria"),
        ("о'коннор", "О'Коннор"),
        ("Мария  Луиза", "Мария Луиза"),
        ("McDonald", "McDonald"),
        ("Д\u2019Артаньян", "Д\u2019Артаньян"),
    ],
)
def test_participant_name_clean_accepts_names(typed, stored):
    assert participant_name_clean(typed) == stored


@pytest.mark.parametrize(
    "typed", ["", "   ", "Anna1", "R2-D2", "<b>x</b>", "Anna--Maria", "x" * 65, "-Anna"]
)
def test_participant_name_clean_refuses_non_names(typed):
    with pytest.raises(NameInvalid):
        participant_name_clean(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ростов-на-дону", "Ростов-на-Дону"),
        ("Ростов-на-дону", "Ростов-на-Дону"),
        ("комсомольск-на-амуре", "Комсомольск-на-Амуре"),
        ("санкт-петербург", "Санкт-Петербург"),
        ("нижний  новгород", "Нижний Новгород"),
        ("петропавловск-камчатский", "Петропавловск-Камчатский"),
        ("на дону", "На Дону"),
        ("kazan", "Kazan"),
        ("rostov-on-don", "Rostov-on-Don"),
        ("frankfurt am main", "Frankfurt am Main"),
        ("st. petersburg", "St. Petersburg"),
        ("St. Petersburg", "St. Petersburg"),
        ("McAllen", "McAllen"),
    ],
)
def test_participant_city_clean_capitalises_words_but_not_particles(typed, stored):
    assert participant_city_clean(typed) == stored


@pytest.mark.parametrize("typed", ["", "K", "12345", "Kazan!", "x" * 101])
def test_participant_city_clean_refuses_non_cities(typed):
    with pytest.raises(CityInvalid):
        participant_city_clean(typed)


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("17.05.2014", dt.date(2014, 5, 17)),
        ("7.5.2014", dt.date(2014, 5, 7)),
        ("17/05/2014", dt.date(2014, 5, 17)),
        ("2014-05-17", dt.date(2014, 5, 17)),
        (dt.date(2014, 5, 17), dt.date(2014, 5, 17)),
        # A spreadsheet date cell has no time zone.
        (dt.datetime(2014, 5, 17), dt.date(2014, 5, 17)),  # noqa: DTZ001
    ],
)
def test_participant_birth_date_clean_parses_dates(typed, day):
    assert participant_birth_date_clean(typed) == day


@pytest.mark.parametrize(
    "typed", ["", "yesterday", "31.02.2014", "17.13.2014", "1.1.14", "31.12.14"]
)
def test_participant_birth_date_clean_refuses_non_dates(typed):
    with pytest.raises(BirthDateInvalid):
        participant_birth_date_clean(typed)


def test_birth_date_invalid_names_the_value():
    with pytest.raises(BirthDateInvalid) as caught:
        participant_birth_date_clean("32.13.2014")

    assert str(caught.value) == "“32.13.2014” is not a date; write it like 31.12.2014."


@pytest.mark.parametrize(
    "birth_date", [TODAY + dt.timedelta(days=1), dt.date(2030, 1, 1)]
)
def test_participant_birth_date_check_refuses_the_future(birth_date):
    with pytest.raises(BirthDateInFuture) as caught:
        participant_birth_date_check(birth_date, today=TODAY)

    assert str(caught.value) == (
        f"The date of birth {birth_date:%d.%m.%Y} is in the future."
    )


@pytest.mark.parametrize(
    ("birth_date", "accepted"),
    [
        (TODAY, False),  # age 0: not in the future, but too young
        (dt.date(2023, 6, 2), False),  # 3 tomorrow
        (dt.date(2023, 6, 1), True),  # 3 today
        (dt.date(1926, 6, 1), True),  # 100 today
        (dt.date(1925, 6, 1), False),  # 101 today
    ],
)
def test_participant_birth_date_check_ages_from_3_to_100(birth_date, accepted):
    if accepted:
        assert participant_birth_date_check(birth_date, today=TODAY) == birth_date
        return
    with pytest.raises(BirthDateOutOfRange):
        participant_birth_date_check(birth_date, today=TODAY)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+7 (900) 123-45-67", "+79001234567"),
        ("8 (900) 123-45-67", "+79001234567"),
        ("8.900.123.45.67", "+79001234567"),
        ("79001234567", "+79001234567"),
        ("9001234567", "+79001234567"),
        (79001234567, "+79001234567"),
        ("+44 20 7946 0958", "+442079460958"),
        # With "+" the number is taken as written: no Russian guess.
        ("+8 900 123 45 67", "+89001234567"),
    ],
)
def test_participant_phone_clean_normalises(typed, stored):
    assert participant_phone_clean(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["", "123", "12345", "7900abc4567", "1" * 16, "٧٩٠٠١٢٣٤٥٦٧", "+0123456789", "+7"],
)
def test_participant_phone_clean_refuses_bad_numbers(typed):
    with pytest.raises(PhoneInvalid) as caught:
        participant_phone_clean(typed)

    assert f"“{typed}” is not a phone number" in str(caught.value)


@pytest.mark.parametrize(
    ("shared", "stored"),
    [
        ("79001234567", "+79001234567"),
        ("+79001234567", "+79001234567"),
        # Telegram's numbers carry the country code: 8... is not made Russian.
        ("82212345678", "+82212345678"),
    ],
)
def test_participant_contact_phone_takes_the_number_as_international(shared, stored):
    assert participant_contact_phone(shared, contact_user_id=5, sender_id=5) == stored


@pytest.mark.parametrize("contact_user_id", [None, 6])
def test_participant_contact_phone_refuses_someone_elses_contact(contact_user_id):
    with pytest.raises(PhoneNotOwn):
        participant_contact_phone(
            "79001234567", contact_user_id=contact_user_id, sender_id=5
        )


@pytest.mark.django_db
def test_participant_phone_check_free_refuses_another_participants_phone():
    holder = ParticipantFactory(phone="+79001234567", last_name="Petrova")

    with pytest.raises(PhoneTaken) as caught:
        participant_phone_check_free("+79001234567")

    assert participant_phone_check_free("+79001234567", participant=holder)
    assert participant_phone_check_free("+79001234568") == "+79001234568"
    assert str(caught.value) == (f"The phone +79001234567 already belongs to {holder}.")


@pytest.mark.parametrize(
    ("typed", "stored"), [("en", "en"), (" RU ", "ru"), ("", "ru"), (None, "ru")]
)
def test_participant_language_clean_defaults_to_russian(settings, typed, stored):
    settings.LANGUAGE_CODE = "en"

    assert participant_language_clean(typed) == stored


def test_participant_language_clean_refuses_unknown_languages():
    with pytest.raises(LanguageInvalid) as caught:
        participant_language_clean("de")

    assert str(caught.value) == "Unknown language “de”; use one of: ru, en."


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("ru", "ru"),
        ("en", "en"),
        ("en-GB", "en"),
        ("RU", "ru"),
        ("de", "ru"),
        (None, "ru"),
    ],
)
def test_participant_language_from_telegram(settings, code, language):
    settings.LANGUAGE_CODE = "ru"

    assert participant_language(code) == language
