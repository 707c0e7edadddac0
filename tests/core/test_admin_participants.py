"""The participant form (the bot's cleaning rules), consent in the lists, the
privacy notice and the phone conflicts staff see."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Participant, PhoneConflict, PrivacyNotice
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def participant_form(**overrides) -> dict:
    return {
        "first_name": "anna-maria",
        "last_name": "Petrova",
        "birth_date": "2014-05-17",
        "city": "ростов-на-дону",
        "phone": "8 (900) 123-45-67",
        "telegram_username": "",
        "language": "ru",
        **overrides,
    }


def test_admin_participant_add_cleans_like_the_bot(coordinator_client):
    response = coordinator_client.post(
        reverse("admin:core_participant_add"), participant_form()
    )

    assert response.status_code == 302
    participant = Participant.objects.get()
    assert (participant.first_name, participant.city, participant.phone) == (
        "Anna-Maria",
        "Ростов-на-Дону",
        "+79001234567",
    )
    assert participant.telegram_id is None
    assert participant.consent_version is None


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("first_name", "R2-D2", "A name must be 1 to 64 letters"),
        ("city", "Kazan!", "A city must be 2 to 100 letters"),
        ("phone", "12345", "“12345” is not a phone number"),
        ("phone", "", "This field is required."),
        (
            "birth_date",
            (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
            "is in the future",
        ),
        ("birth_date", "1900-01-01", "must give an age from 3 to 100"),
    ],
)
def test_admin_participant_form_refuses_what_the_bot_refuses(
    coordinator_client, field, value, error
):
    response = coordinator_client.post(
        reverse("admin:core_participant_add"), participant_form(**{field: value})
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Participant.objects.exists()


def test_admin_participant_form_refuses_a_phone_another_participant_has(
    coordinator_client,
):
    holder = ParticipantFactory(phone="+79001234567")
    other = ParticipantFactory()

    added = coordinator_client.post(
        reverse("admin:core_participant_add"), participant_form()
    )
    kept = coordinator_client.post(
        reverse("admin:core_participant_change", args=[holder.pk]),
        participant_form(phone="+7 900 123 45 67"),
    )
    changed = coordinator_client.post(
        reverse("admin:core_participant_change", args=[other.pk]),
        participant_form(),
    )

    assert "already belongs to Ivanov" in added.content.decode()
    assert kept.status_code == 302  # its own phone is no conflict
    holder.refresh_from_db()
    assert f"already belongs to {holder}" in changed.content.decode()
    assert Participant.objects.count() == 2


def test_admin_participant_consent_is_shown_read_only(coordinator_client):
    agreed_at = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
    participant = ParticipantFactory(consent_version=1, consent_at=agreed_at)

    response = coordinator_client.get(
        reverse("admin:core_participant_change", args=[participant.pk])
    )

    html = response.content.decode()
    assert "Privacy notice version agreed to" in html
    assert 'name="consent_version"' not in html
    assert 'name="consent_at"' not in html
    # The form ignores a posted consent: only the bot records one.
    coordinator_client.post(
        reverse("admin:core_participant_change", args=[participant.pk]),
        participant_form(phone=participant.phone, consent_version="7"),
    )
    participant.refresh_from_db()
    assert participant.consent_version == 1


@pytest.mark.parametrize(
    ("choice", "expected"),
    [("current", ["Current"]), ("earlier", ["Earlier"]), ("none", ["Never"])],
)
def test_admin_participants_filter_by_consent(coordinator_client, choice, expected):
    PrivacyNotice.objects.update_or_create(pk=1, defaults={"version": 2})
    ParticipantFactory(last_name="Current", consent_version=2)
    ParticipantFactory(last_name="Earlier", consent_version=1)
    ParticipantFactory(last_name="Never", consent_version=None, consent_at=None)

    response = coordinator_client.get(
        reverse("admin:core_participant_changelist"), {"consent": choice}
    )

    shown = [p.last_name for p in response.context["cl"].result_list]
    assert shown == expected


def test_admin_participants_list_shows_the_consent_column(coordinator_client):
    ParticipantFactory(
        consent_version=3, consent_at=dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)
    )

    response = coordinator_client.get(reverse("admin:core_participant_changelist"))

    # The one date format of the admin in English (core/formats).
    assert "version 3, May 1, 2026" in response.content.decode()


def test_admin_privacy_notice_publishes_a_new_version(client, administrator):
    client.force_login(administrator)
    notice = PrivacyNotice.objects.get()  # made by the migration
    url = reverse("admin:core_privacynotice_change", args=[notice.pk])

    client.post(url, {"url": "example.org/privacy"})
    same = PrivacyNotice.objects.get()
    client.post(url, {"url": same.url, "new_version": "on"})

    notice.refresh_from_db()
    assert (same.version, same.url) == (1, "https://example.org/privacy")
    assert notice.version == 2
    assert notice.updated_by == administrator


def test_admin_privacy_notice_cannot_be_added_twice_or_deleted(client, administrator):
    client.force_login(administrator)
    notice = PrivacyNotice.objects.get()

    added = client.get(reverse("admin:core_privacynotice_add"))
    deleted = client.post(
        reverse("admin:core_privacynotice_delete", args=[notice.pk]), {"post": "yes"}
    )

    assert added.status_code == 403
    assert deleted.status_code == 403
    assert PrivacyNotice.objects.exists()


def test_admin_phone_conflicts_are_listed_for_coordinators(coordinator_client):
    holder = ParticipantFactory(phone="+79001234567")
    PhoneConflict.objects.create(
        participant=holder, telegram_id=4242, telegram_username="someone"
    )

    response = coordinator_client.get(reverse("admin:core_phoneconflict_changelist"))
    added = coordinator_client.get(reverse("admin:core_phoneconflict_add"))

    html = response.content.decode()
    assert "+79001234567" in html
    assert "4242" in html
    assert "someone" in html
    assert added.status_code == 403
