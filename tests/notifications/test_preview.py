"""The mailing preview: the text exactly as the first recipient gets it."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from notifications.models import Mailing, OutboxMessage
from notifications.services import (
    mailing_preview,
    mailing_save_draft,
    mailing_schedule,
    mailings_dispatch_due,
)
from tests.factories import MembershipFactory, ParticipantFactory, ShiftFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)
# Every variable a mailing may use, each in its own brackets.
EVERY_VARIABLE = " ".join(f"{name}=[{{{name}}}]" for name in Mailing.VARIABLES)


@pytest.fixture
def shift():
    return ShiftFactory(title="Spring")


@pytest.fixture
def anna(shift):
    """The first recipient: the lowest key among the audience."""
    return MembershipFactory(
        shift=shift,
        points=7,
        participant__first_name="Anna",
        participant__last_name="Petrova",
        participant__city="Kazan",
    ).participant


@pytest.fixture
def others(shift, anna):
    return [
        MembershipFactory(shift=shift, participant__city="Perm").participant
        for _ in range(2)
    ]


def draft(shift, text=EVERY_VARIABLE):
    mailing = mailing_save_draft(Mailing(title="News", text=text), by=None)
    mailing.shifts.set([shift])
    return mailing


def test_mailing_preview_fills_every_variable_from_the_first_recipient(
    shift, anna, others
):
    preview = mailing_preview(draft(shift))

    assert preview.recipient == anna
    assert preview.text == (
        "name=[Anna] last_name=[Petrova] city=[Kazan] shift=[Spring] points=[7]"
    )


def test_mailing_preview_is_the_text_the_first_recipient_gets(shift, anna, others):
    mailing = draft(shift)
    before = mailing_preview(mailing)

    mailing_schedule(mailing, by=None, now=NOW)
    mailings_dispatch_due(now=NOW)

    delivered = OutboxMessage.objects.get(mailing=mailing, participant=anna)
    assert before.text == delivered.text
    mailing.refresh_from_db()
    assert mailing_preview(mailing) == before


def test_mailing_preview_after_fan_out_shows_the_queued_message(shift, anna, others):
    mailing = draft(shift)
    mailing_schedule(mailing, by=None, now=NOW)
    mailings_dispatch_due(now=NOW)
    mailing.refresh_from_db()
    # Anna's city changes after her message was queued: she got the old one.
    anna.city = "Omsk"
    anna.save(update_fields=["city"])

    preview = mailing_preview(mailing)

    assert preview.recipient == anna
    assert "city=[Kazan]" in preview.text


def test_mailing_preview_of_an_empty_audience_shows_the_text_as_written(shift):
    ParticipantFactory()  # not a member of the shift

    preview = mailing_preview(draft(shift))

    assert preview.recipient is None
    assert preview.text == EVERY_VARIABLE


# --- the admin -------------------------------------------------------------------


@pytest.fixture
def staff(client, coordinator):
    client.force_login(coordinator)
    return client


def audience_form(shift, **overrides):
    data = {
        "text": EVERY_VARIABLE,
        "shifts": [shift.pk],
        "membership": "active",
        "participant_kind": "real",
        "cities": "",
        "age_min": "",
        "age_max": "",
        "registered_since": "",
    }
    return {**data, **overrides}


def live_preview(client, data, language="en"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(reverse("admin:notifications_mailing_preview"), data)
    assert response.status_code == 200
    return response.json()


def test_live_preview_fills_every_variable_from_the_first_recipient(
    staff, shift, anna, others
):
    answer = live_preview(staff, audience_form(shift))

    assert answer["html"] == (
        "name=[Anna] last_name=[Petrova] city=[Kazan] shift=[Spring] points=[7]"
    )
    assert answer["note"] == "For the first recipient, Anna Petrova:"
    assert answer["problems"] == []


def test_live_preview_follows_the_unsaved_audience(staff, shift, anna, others):
    answer = live_preview(staff, audience_form(shift, cities="Perm"))

    assert "city=[Perm]" in answer["html"]
    assert "Anna" not in answer["html"]


@pytest.mark.parametrize(
    ("language", "note"),
    [
        ("en", "The audience is empty: nobody would receive this mailing."),
        ("ru", "Аудитория пуста: эту рассылку никто не получит."),
    ],
)
def test_live_preview_of_an_empty_audience_says_so(staff, shift, language, note):
    answer = live_preview(staff, audience_form(shift, text="Hi {name}"), language)

    assert answer["note"].startswith(note)
    assert answer["html"] == "Hi {name}"


def test_live_preview_with_a_wrong_audience_asks_to_check_it(staff, shift, anna):
    answer = live_preview(staff, audience_form(shift, age_min="-1"))

    assert answer["note"] == "Check the audience fields."
    assert answer["html"] == EVERY_VARIABLE


@pytest.mark.parametrize(
    ("language", "note"),
    [
        ("en", "For the first recipient, Anna Petrova:"),
        ("ru", "Для первого получателя — Anna Petrova:"),
    ],
)
def test_saved_mailing_page_previews_for_the_first_recipient(
    staff, shift, anna, others, language, note
):
    mailing = draft(shift)
    mailing_schedule(mailing, by=None, now=NOW)
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = staff.get(
        reverse("admin:notifications_mailing_change", args=[mailing.pk])
    )

    html = response.content.decode()
    assert "city=[Kazan]" in html
    assert "points=[7]" in html
    assert "{city}" not in html.split('id="mailing-preview"')[1]
    assert note in html
