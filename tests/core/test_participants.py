# ruff: noqa: RUF001 - Cyrillic names are meant
import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from core.exceptions import (
    BirthDateInvalid,
    BirthDateOutOfRange,
    CityInvalid,
    NameInvalid,
    ParticipantAlreadyRegistered,
    PhoneInvalid,
    PhoneNotOwn,
)
from core.models import Participant
from core.services import (
    participant_birth_date_clean,
    participant_city_clean,
    participant_language,
    participant_name_clean,
    participant_phone_clean,
    participant_register,
    participant_unblock,
)
from notifications.services import participant_mark_blocked
from tests.factories import ParticipantFactory


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Anna", "Anna"),
        ("  anna-maria  ", "Anna-Maria"),
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


@time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("17.05.2014", dt.date(2014, 5, 17)),
        ("7.5.2014", dt.date(2014, 5, 7)),
        ("17/05/2014", dt.date(2014, 5, 17)),
        ("2014-05-17", dt.date(2014, 5, 17)),
    ],
)
def test_participant_birth_date_clean_parses_dates(typed, day):
    assert participant_birth_date_clean(typed) == day


@pytest.mark.parametrize(
    "typed", ["", "yesterday", "31.02.2014", "17.13.2014", "1.1.14"]
)
def test_participant_birth_date_clean_refuses_non_dates(typed):
    with pytest.raises(BirthDateInvalid):
        participant_birth_date_clean(typed)


@time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize("typed", ["01.01.2030", "01.06.2025", "01.01.1900"])
def test_participant_birth_date_clean_refuses_implausible_ages(typed):
    with pytest.raises(BirthDateOutOfRange):
        participant_birth_date_clean(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("kazan", "Kazan"),
        ("Санкт-Петербург", "Санкт-Петербург"),
        ("St. Petersburg", "St. Petersburg"),
        ("Нижний  Новгород", "Нижний Новгород"),
    ],
)
def test_participant_city_clean_accepts_cities(typed, stored):
    assert participant_city_clean(typed) == stored


@pytest.mark.parametrize("typed", ["", "K", "12345", "Kazan!", "x" * 101])
def test_participant_city_clean_refuses_non_cities(typed):
    with pytest.raises(CityInvalid):
        participant_city_clean(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("79001234567", "+79001234567"), ("+7 (900) 123-45-67", "+79001234567")],
)
def test_participant_phone_clean_normalises_own_contact(typed, stored):
    assert participant_phone_clean(typed, contact_user_id=5, sender_id=5) == stored


@pytest.mark.parametrize("contact_user_id", [None, 6])
def test_participant_phone_clean_refuses_someone_elses_contact(contact_user_id):
    with pytest.raises(PhoneNotOwn):
        participant_phone_clean(
            "79001234567", contact_user_id=contact_user_id, sender_id=5
        )


@pytest.mark.parametrize("typed", ["123", "7900abc4567", "1" * 16, "٧٩٠٠١٢٣٤٥٦٧"])
def test_participant_phone_clean_refuses_bad_numbers(typed):
    with pytest.raises(PhoneInvalid):
        participant_phone_clean(typed, contact_user_id=5, sender_id=5)


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


def registration(**fields):
    return {
        "telegram_id": 777,
        "telegram_username": "anna",
        "first_name": "Anna",
        "last_name": "Petrova",
        "birth_date": dt.date(2014, 5, 17),
        "city": "Kazan",
        "phone": "+79001234567",
        "language": "en",
        **fields,
    }


@pytest.mark.django_db
def test_participant_register_creates_participant():
    participant = participant_register(**registration())

    participant.refresh_from_db()
    assert participant.telegram_id == 777
    assert participant.full_name == "Anna Petrova"
    assert participant.language == "en"
    assert participant.blocked_bot_at is None


@pytest.mark.django_db
def test_participant_register_twice_raises():
    participant_register(**registration())

    with pytest.raises(ParticipantAlreadyRegistered):
        participant_register(**registration(first_name="Other"))

    assert Participant.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("first_name", "4nna", NameInvalid),
        ("last_name", "", NameInvalid),
        ("birth_date", dt.date(1800, 1, 1), BirthDateOutOfRange),
        ("city", "?", CityInvalid),
        ("phone", "12345", PhoneInvalid),
    ],
)
def test_participant_register_validates_every_field(field, value, error):
    with pytest.raises(error):
        participant_register(**registration(**{field: value}))

    assert not Participant.objects.exists()


@pytest.mark.django_db
def test_participant_mark_blocked_and_unblock():
    participant = ParticipantFactory()
    moment = timezone.now() - dt.timedelta(hours=1)

    participant_mark_blocked(participant, now=moment)
    participant_mark_blocked(participant)  # a second report keeps the first moment

    participant.refresh_from_db()
    assert participant.blocked_bot_at == moment
    participant_unblock(participant)
    participant.refresh_from_db()
    assert participant.blocked_bot_at is None
