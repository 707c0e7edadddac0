"""Registration (creating or linking a participant), consent and the blocked mark."""

import datetime as dt

import pytest
from django.utils import timezone

from core.exceptions import (
    BirthDateInFuture,
    BirthDateOutOfRange,
    CityInvalid,
    ConsentOutdated,
    NameInvalid,
    ParticipantAlreadyRegistered,
    PhoneInvalid,
    PhoneTaken,
)
from core.models import Participant, PhoneConflict, PrivacyNotice
from core.selectors import participant_by_telegram_id, privacy_notice_current
from core.services import (
    participant_consent_record,
    participant_register,
    participant_unblock,
    privacy_notice_update,
)
from notifications.services import participant_mark_blocked
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

AGREED_AT = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)


def registration(**fields):
    return {
        "telegram_id": 777,
        "telegram_username": "anna",
        "first_name": "anna",
        "last_name": "Petrova",
        "birth_date": dt.date(2014, 5, 17),
        "city": "ростов-на-дону",
        "phone": "+79001234567",
        "language": "en",
        "consent_version": 1,
        "consent_at": AGREED_AT,
        **fields,
    }


def pre_registered(**fields):
    """A participant imported or added by staff: a phone, no Telegram, no consent."""
    return ParticipantFactory(
        telegram_id=None,
        telegram_username="",
        consent_version=None,
        consent_at=None,
        language=Participant.Language.RU,
        **fields,
    )


def test_participant_register_creates_participant_with_consent():
    result = participant_register(**registration())

    participant = Participant.objects.get()
    assert result.participant == participant
    assert not result.linked
    assert participant.telegram_id == 777
    assert participant.full_name == "Anna Petrova"
    assert participant.city == "Ростов-на-Дону"
    assert participant.language == "en"
    assert (participant.consent_version, participant.consent_at) == (1, AGREED_AT)
    assert participant.blocked_bot_at is None


def test_participant_register_twice_raises():
    participant_register(**registration())

    with pytest.raises(ParticipantAlreadyRegistered):
        participant_register(**registration(first_name="Other", phone="+79001234568"))

    assert Participant.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("first_name", "4nna", NameInvalid),
        ("last_name", "", NameInvalid),
        ("birth_date", dt.date(1800, 1, 1), BirthDateOutOfRange),
        ("birth_date", timezone.localdate() + dt.timedelta(days=1), BirthDateInFuture),
        ("city", "?", CityInvalid),
        ("phone", "12345", PhoneInvalid),
    ],
)
def test_participant_register_validates_every_field(field, value, error):
    with pytest.raises(error):
        participant_register(**registration(**{field: value}))

    assert not Participant.objects.exists()


def test_participant_register_needs_agreement_to_the_notice_in_force():
    PrivacyNotice.objects.update_or_create(pk=1, defaults={"version": 2})

    with pytest.raises(ConsentOutdated) as caught:
        participant_register(**registration(consent_version=1))

    assert (caught.value.version, caught.value.current) == (1, 2)
    assert not Participant.objects.exists()


def test_participant_register_links_the_participant_pre_registered_by_phone():
    staff_added = pre_registered(
        first_name="Ivan",
        last_name="Sidorov",
        phone="+79001234567",
        birth_date=None,
        city="",
        is_test=True,
    )

    result = participant_register(
        **registration(first_name="Vanya", last_name="Sidorov-Petrov")
    )

    assert result.linked
    assert Participant.objects.count() == 1
    staff_added.refresh_from_db()
    # Telegram, language and consent come from the bot ...
    assert staff_added.telegram_id == 777
    assert staff_added.telegram_username == "anna"
    assert staff_added.language == "en"
    assert (staff_added.consent_version, staff_added.consent_at) == (1, AGREED_AT)
    # ... the staff's data stay, and the bot's answers fill what was empty.
    assert (staff_added.first_name, staff_added.last_name) == ("Ivan", "Sidorov")
    assert staff_added.birth_date == dt.date(2014, 5, 17)
    assert staff_added.city == "Ростов-на-Дону"
    assert staff_added.is_test


def test_participant_register_keeps_the_staffs_birth_date_and_city():
    staff_added = pre_registered(
        phone="+79001234567", birth_date=dt.date(2013, 1, 2), city="Kazan"
    )

    participant_register(**registration())

    staff_added.refresh_from_db()
    assert (staff_added.birth_date, staff_added.city) == (dt.date(2013, 1, 2), "Kazan")


def test_participant_register_refuses_a_phone_of_another_telegram_account():
    holder = ParticipantFactory(phone="+79001234567", telegram_id=555)

    with pytest.raises(PhoneTaken):
        participant_register(**registration())
    with pytest.raises(PhoneTaken):
        participant_register(**registration(telegram_username="anna_new"))

    assert Participant.objects.get() == holder
    conflict = PhoneConflict.objects.get()
    assert (conflict.participant, conflict.telegram_id) == (holder, 777)
    assert (conflict.telegram_username, conflict.attempts) == ("anna_new", 2)


def test_participant_consent_record_stores_the_version_and_moment():
    participant = ParticipantFactory(consent_version=None, consent_at=None)

    participant_consent_record(participant, version=1, now=AGREED_AT)

    participant.refresh_from_db()
    assert (participant.consent_version, participant.consent_at) == (1, AGREED_AT)


def test_participant_consent_record_twice_keeps_the_first_moment():
    participant = ParticipantFactory(consent_version=1, consent_at=AGREED_AT)

    participant_consent_record(participant, version=1)

    participant.refresh_from_db()
    assert participant.consent_at == AGREED_AT


def test_participant_consent_record_refuses_an_old_version():
    PrivacyNotice.objects.update_or_create(pk=1, defaults={"version": 3})
    participant = ParticipantFactory(consent_version=1, consent_at=AGREED_AT)

    with pytest.raises(ConsentOutdated):
        participant_consent_record(participant, version=2)

    participant.refresh_from_db()
    assert participant.consent_version == 1


def test_privacy_notice_update_publishes_the_next_version(admin_user):
    privacy_notice_update(
        privacy_notice_current(),
        url="https://example.org/privacy",
        new_version=False,
        by=admin_user,
    )
    first = PrivacyNotice.objects.values_list("version", "url").get()

    notice = privacy_notice_update(
        PrivacyNotice.objects.get(), url=first[1], new_version=True, by=admin_user
    )

    assert first == (1, "https://example.org/privacy")
    notice.refresh_from_db()
    assert (notice.version, notice.url) == (2, "https://example.org/privacy")
    assert notice.updated_by == admin_user


def test_new_notice_version_makes_participants_need_consent_again():
    participant = ParticipantFactory(consent_version=1)
    privacy_notice_update(privacy_notice_current(), url="", new_version=True, by=None)

    loaded = participant_by_telegram_id(participant.telegram_id)

    assert loaded.notice_version == 2
    assert not loaded.has_consent_to(loaded.notice_version)


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
