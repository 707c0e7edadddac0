"""Consent to the privacy notice and linking pre-registered participants, over
HTTP against the fake Bot API with the real dispatcher."""

import pytest

from botrunner import keyboards, texts
from core.models import Application, Participant, PhoneConflict
from core.selectors import privacy_notice_current
from core.services import privacy_notice_update
from moderation.cycle import callbacks
from moderation.models import Report, Submission
from tests.botrunner.conftest import member, started_shift, today_report
from tests.botrunner.test_registration import (
    ANSWERS,
    EN,
    agree,
    messages,
    press,
    register,
    say,
    start,
)
from tests.factories import ParticipantFactory, ShiftFactory
from tests.moderation.test_imports import CSV, HEADER, confirm, upload

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = 5001
NO_LINK = {"link": texts.render("consent_no_link", "en")}


def question(version=1, lead=None, **link):
    """The privacy notice as the bot sends it in English."""
    text = texts.render("consent_ask", "en", version=version, **(link or NO_LINK))
    return f"{texts.render(lead, 'en')}\n\n{text}" if lead else text


def publish_new_version(url=""):
    privacy_notice_update(privacy_notice_current(), url=url, new_version=True, by=None)


def answer_every_question(api, sent=3):
    for step, answer in enumerate(ANSWERS, start=sent + 1):
        say(api, answer, step, user=EN)
    return sent + len(ANSWERS)


def test_imported_participant_registers_once_linked_with_consent(
    api, bot, client, coordinator
):
    client.force_login(coordinator)
    content = (HEADER + "Petrova,Anna,31.12.2014,,8 (900) 123-45-67\n").encode()
    confirm(client, "participant", upload(client, "participant", content, CSV))
    imported = Participant.objects.get()
    shift = ShiftFactory()

    sent = register(api, user=EN)

    replies = messages(api, sent + 2)
    participant = Participant.objects.get()
    assert participant.pk == imported.pk
    assert (participant.telegram_id, participant.phone) == (CHAT, "+79001234567")
    assert participant.telegram_username == f"user{CHAT}"
    # The list's names and birth date stay; the bot filled the empty city.
    assert (participant.first_name, participant.last_name) == ("Anna", "Petrova")
    assert participant.birth_date.isoformat() == "2014-12-31"
    assert participant.city == "Kazan"
    assert participant.language == "en"
    assert participant.consent_version == 1
    assert participant.consent_at is not None
    assert [reply.text for reply in replies[-2:]] == [
        texts.render("registered_linked", "en", name="Anna"),
        texts.render("application_sent", "en", shift=shift.title),
    ]
    assert Application.objects.get().participant == participant


def test_start_asks_consent_first_with_its_link_and_buttons(api, bot):
    publish_new_version(url="https://example.org/privacy")

    notice = say(api, "/start", 2, user=EN)

    assert notice.text == question(version=2, link="https://example.org/privacy")
    [[yes, no]] = notice.params["reply_markup"]["inline_keyboard"]
    assert yes == {
        "text": keyboards.label("button_consent_yes", "en"),
        "callback_data": "consent:yes:2",
    }
    assert no == {
        "text": keyboards.label("button_consent_no", "en"),
        "callback_data": "consent:no",
    }
    assert not Participant.objects.exists()


def test_declining_consent_stores_nothing_and_says_so(api, bot):
    say(api, "/start", 2, user=EN)

    declined = press(api, keyboards.CONSENT_NO, 3, user=EN)
    after = say(api, "Anna", 4, user=EN)

    assert declined.text == texts.render("consent_declined", "en")
    assert declined.params["reply_markup"] == {"remove_keyboard": True}
    assert after.text == texts.render("not_registered", "en")
    assert not Participant.objects.exists()
    edits = [c for c in api.sent_to(CHAT) if c.method == "editMessageReplyMarkup"]
    assert len(edits) == 1  # the notice loses its buttons


def test_consent_answered_without_the_buttons_repeats_the_question(api, bot):
    say(api, "/start", 2, user=EN)

    typed = say(api, "yes", 3, user=EN)
    api.sticker_update(CHAT, user=EN)
    sticker = messages(api, 4)[-1]
    back = say(api, keyboards.label("button_back", "en"), 5, user=EN)
    agreed = agree(api, 6, user=EN)

    repeated = question(lead="consent_use_buttons")
    assert [typed.text, sticker.text, back.text] == [repeated] * 3
    assert typed.params["reply_markup"]["inline_keyboard"][-1][0]["callback_data"] == (
        "consent:yes:1"
    )
    assert agreed.text == texts.render("ask_first_name", "en")
    assert not Participant.objects.exists()


def test_agreeing_to_an_outdated_notice_asks_again(api, bot):
    say(api, "/start", 2, user=EN)
    publish_new_version()

    again = agree(api, 3, user=EN, version=1)
    agreed = agree(api, 4, user=EN, version=2)

    assert again.text == question(version=2, lead="consent_changed")
    assert agreed.text == texts.render("ask_first_name", "en")


def test_notice_changed_during_the_dialog_asks_again_and_keeps_the_answers(api, bot):
    sent = answer_every_question(api, start(api, user=EN))
    publish_new_version()

    api.contact_update(CHAT, "+79001234567", user=EN)
    again = messages(api, sent + 1)[-1]
    phone_again = agree(api, sent + 2, user=EN, version=2)
    api.contact_update(CHAT, "+79001234567", user=EN)
    registered = messages(api, sent + 3)[-1]

    assert again.text == question(version=2, lead="consent_changed")
    assert phone_again.text == texts.render("ask_phone", "en")
    assert registered.text == texts.render("registered", "en", name="Anna-Maria")
    participant = Participant.objects.get()
    assert (participant.last_name, participant.consent_version) == ("Petrova", 2)


def test_phone_of_another_telegram_account_is_refused_and_recorded(api, bot):
    holder = ParticipantFactory(telegram_id=555, phone="+79001234567")

    sent = register(api, user=EN)

    refused = messages(api, sent + 1)[-1]
    after = say(api, "/status", sent + 2, user=EN)
    assert refused.text == texts.render("phone_taken", "en")
    assert refused.params["reply_markup"] == {"remove_keyboard": True}
    assert after.text == texts.render("not_registered", "en")
    assert list(Participant.objects.all()) == [holder]
    conflict = PhoneConflict.objects.get()
    assert (conflict.participant, conflict.telegram_id) == (holder, CHAT)
    assert conflict.telegram_username == f"user{CHAT}"


def test_new_notice_version_asks_a_member_again_before_anything_else(api, bot):
    membership = member(started_shift(), CHAT)
    report = today_report(membership)
    publish_new_version()

    at_start = say(api, "/start", 1)
    api.photo_update(CHAT)
    after_photo = messages(api, 2)[-1]
    help_reply = say(api, "/help", 3)
    press(api, callbacks.BALANCE, 4)

    renew = question(version=2, lead="consent_renew")
    assert [at_start.text, after_photo.text] == [renew, renew]
    assert help_reply.text == texts.render("help", "en")
    assert messages(api, 4)[-1].text == renew
    report.refresh_from_db()
    assert report.status == Report.Status.WAITING
    assert not Submission.objects.exists()


def test_member_agreeing_to_the_new_version_uses_the_bot_again(api, bot):
    membership = member(started_shift(), CHAT)
    publish_new_version()
    say(api, "/start", 1)

    thanks = agree(api, 2, version=2)
    status = messages(api, 3)[-1]
    balance = say(api, keyboards.label("button_balance", "en"), 4)

    participant = membership.participant
    participant.refresh_from_db()
    assert participant.consent_version == 2
    assert thanks.text == texts.render("consent_recorded", "en", version=2)
    assert texts.render("status_no_report", "en") in status.text
    assert balance.text == texts.render("balance", "en", count=0)


def test_member_declining_the_new_version_keeps_the_bot_closed(api, bot):
    membership = member(started_shift(), CHAT)
    publish_new_version()
    say(api, "/status", 1)

    declined = press(api, keyboards.CONSENT_NO, 2)
    still_asked = say(api, "/status", 3)

    assert declined.text == texts.render("consent_declined_registered", "en")
    assert still_asked.text == question(version=2, lead="consent_renew")
    participant = membership.participant
    participant.refresh_from_db()
    assert participant.consent_version == 1


def test_participant_registered_before_consent_existed_is_asked(api, bot):
    ParticipantFactory(telegram_id=CHAT, consent_version=None, consent_at=None)

    reply = say(api, "/status", 1)

    assert reply.text == question(lead="consent_renew")


def test_leftover_decline_button_after_agreeing_changes_nothing(api, bot):
    participant = ParticipantFactory(telegram_id=CHAT)

    reply = press(api, keyboards.CONSENT_NO, 1)

    assert reply.text == texts.render("consent_already", "en", version=1)
    participant.refresh_from_db()
    assert participant.consent_version == 1
