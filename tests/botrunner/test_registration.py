"""Registration and applications over HTTP: /start, the questions, back, cancel."""

import datetime as dt

import pytest

from botrunner import keyboards, texts
from core.models import Application, Participant
from tests.botrunner.conftest import member, started_shift
from tests.factories import (
    ApplicationFactory,
    MembershipFactory,
    ParticipantFactory,
    ShiftFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = 5001
EN = {"language_code": "en"}
ANSWERS = ["anna-maria", "Petrova", "17.05.2014", "Kazan"]


def texts_to(api, chat=CHAT):
    return [call.text for call in api.sent_to(chat) if call.method == "sendMessage"]


def messages(api, count, chat=CHAT):
    return api.wait_sent(count, chat_id=chat, method="sendMessage")


def say(api, text, count, chat=CHAT, user=None):
    """Send `text` and return the reply that makes `count` messages to the chat."""
    api.message_update(chat, text, user=user)
    return messages(api, count, chat)[-1]


def press(api, data, count, chat=CHAT, user=None):
    """Press an inline button of the last message; return the `count`th message."""
    api.callback_update(chat, data, user=user)
    return messages(api, count, chat)[-1]


def agree(api, count, chat=CHAT, user=None, version=1):
    """Press "I agree" under the privacy notice."""
    return press(api, f"{keyboards.CONSENT_YES}:{version}", count, chat, user)


def start(api, chat=CHAT, user=None):
    """Send /start and agree to the notice; return the messages sent so far (3)."""
    say(api, "/start", 2, chat, user)
    agree(api, 3, chat, user)
    return 3


def register(api, chat=CHAT, user=None):
    """Go through the whole dialog; return the number of messages sent before."""
    start(api, chat, user)
    for step, answer in enumerate(ANSWERS, start=4):
        say(api, answer, step, chat, user)
    api.contact_update(chat, "+7 900 123-45-67", user=user)
    return 7


def test_registration_creates_participant_and_applies(api, bot):
    shift = ShiftFactory()

    sent = register(api)

    replies = messages(api, sent + 2)
    participant = Participant.objects.get(telegram_id=CHAT)
    assert participant.first_name == "Anna-Maria"
    assert participant.last_name == "Petrova"
    assert participant.birth_date == dt.date(2014, 5, 17)
    assert participant.city == "Kazan"
    assert participant.phone == "+79001234567"
    assert participant.telegram_username == f"user{CHAT}"
    assert participant.language == "ru"
    assert participant.consent_version == 1
    assert participant.consent_at is not None
    assert Application.objects.get(participant=participant).shift == shift
    assert [call.text for call in replies[-2:]] == [
        texts.render("registered", "ru", name="Anna-Maria"),
        texts.render("application_sent", "ru", shift=shift.title),
    ]


def test_registration_asks_each_question_in_the_users_language(api, bot):
    register(api, user=EN)

    sent = messages(api, 9)
    assert texts_to(api)[:8] == [
        texts.render("welcome", "en"),
        texts.render(
            "consent_ask",
            "en",
            version=1,
            link=texts.render("consent_no_link", "en"),
        ),
        texts.render("ask_first_name", "en"),
        texts.render("ask_last_name", "en"),
        texts.render("ask_birth_date", "en"),
        texts.render("ask_city", "en"),
        texts.render("ask_phone", "en"),
        texts.render("registered", "en", name="Anna-Maria"),
    ]
    assert Participant.objects.get().language == "en"
    phone_question = sent[6]
    [[share], [back, _cancel]] = phone_question.params["reply_markup"]["keyboard"]
    assert share == {
        "text": keyboards.label("button_share_phone", "en"),
        "request_contact": True,
    }
    assert back["text"] == keyboards.label("button_back", "en")


def test_registration_refuses_invalid_answers_and_stays_on_the_step(api, bot):
    start(api, user=EN)

    replies = [
        say(api, "R2-D2", 4, user=EN).text,
        say(api, "Anna", 5, user=EN).text,
        say(api, "Petrova", 6, user=EN).text,
        say(api, "yesterday", 7, user=EN).text,
        say(api, "01.01.1850", 8, user=EN).text,
        say(api, "17.05.2014", 9, user=EN).text,
        say(api, "!!", 10, user=EN).text,
    ]

    assert replies == [
        texts.render("name_invalid", "en", max_length=64),
        texts.render("ask_last_name", "en"),
        texts.render("ask_birth_date", "en"),
        texts.render("birth_date_invalid", "en"),
        texts.render("birth_date_out_of_range", "en", min_age=3, max_age=100),
        texts.render("ask_city", "en"),
        texts.render("city_invalid", "en", max_length=100),
    ]
    assert not Participant.objects.exists()


def test_registration_non_text_answer_is_refused(api, bot):
    start(api, user=EN)

    api.sticker_update(CHAT, user=EN)

    assert messages(api, 4)[-1].text == texts.render("text_required", "en")


def test_registration_phone_must_be_own_contact_via_the_button(api, bot):
    start(api, user=EN)
    for step, answer in enumerate(ANSWERS, start=4):
        say(api, answer, step, user=EN)

    typed = say(api, "+79001234567", 8, user=EN).text
    api.contact_update(CHAT, "+79001234567", own=False, user=EN)
    foreign = messages(api, 9)[-1].text

    assert typed == texts.render("phone_use_button", "en")
    assert foreign == texts.render("phone_not_own", "en")
    assert not Participant.objects.exists()


def test_registration_back_returns_to_the_previous_question(api, bot):
    back = keyboards.label("button_back", "en")
    start(api, user=EN)
    say(api, "Anna", 4, user=EN)
    say(api, "Petrova", 5, user=EN)

    first_back = say(api, back, 6, user=EN).text
    say(api, "Sidorova", 7, user=EN)
    say(api, "17.05.2014", 8, user=EN)
    say(api, "Kazan", 9, user=EN)
    api.contact_update(CHAT, "+79001234567", user=EN)
    messages(api, 11)

    assert first_back == texts.render("ask_last_name", "en")
    assert Participant.objects.get().last_name == "Sidorova"


def test_registration_back_on_the_first_question_asks_it_again(api, bot):
    start(api, user=EN)

    again = say(api, keyboards.label("button_back", "en"), 4, user=EN).text

    assert again == texts.render("ask_first_name", "en")


def test_registration_cancel_forgets_the_answers(api, bot):
    start(api, user=EN)
    say(api, "Anna", 4, user=EN)

    cancelled = say(api, keyboards.label("button_cancel", "en"), 5, user=EN)
    after = say(api, "Petrova", 6, user=EN).text
    nothing = say(api, "/cancel", 7, user=EN).text

    assert cancelled.text == texts.render("registration_cancelled", "en")
    assert cancelled.params["reply_markup"] == {"remove_keyboard": True}
    # Out of the dialog, text is no answer any more.
    assert after == texts.render("not_registered", "en")
    assert nothing == texts.render("nothing_to_cancel", "en")
    assert not Participant.objects.exists()


def test_registration_survives_a_bot_restart(api, bot, settings):
    if not settings.REDIS_URL:
        pytest.skip("dialogs outlive the process only in Redis")
    start(api, user=EN)
    say(api, "Anna", 4, user=EN)

    bot.restart()
    say(api, "Petrova", 5, user=EN)

    assert texts_to(api)[-1] == texts.render("ask_birth_date", "en")


def test_commands_work_during_registration(api, bot):
    start(api, user=EN)

    help_reply = say(api, "/help", 4, user=EN).text
    still_asking = say(api, "Anna", 5, user=EN).text

    assert help_reply == texts.render("help", "en")
    assert still_asking == texts.render("ask_last_name", "en")


def test_registration_without_open_shift_registers_and_says_so(api, bot):
    sent = register(api, user=EN)

    last = messages(api, sent + 2)[-1].text

    assert last == texts.render("no_open_shift", "en")
    assert Participant.objects.filter(telegram_id=CHAT).exists()
    assert not Application.objects.exists()


def test_registration_closed_is_answered(api, bot):
    shift = started_shift()  # started three days ago: past the two-day window
    ParticipantFactory(telegram_id=CHAT)

    reply = say(api, "/apply", 1).text

    assert reply == texts.render("registration_closed", "en", shift=shift.title)
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("arrange", "text", "context"),
    [
        (
            lambda p, s: ApplicationFactory(participant=p, shift=s),
            "application_pending",
            {},
        ),
        (
            lambda p, s: MembershipFactory(participant=p, shift=s),
            "application_member",
            {},
        ),
        (
            lambda p, s: ApplicationFactory.create_batch(
                3, participant=p, shift=s, status="declined"
            ),
            "application_limit",
            {"limit": 3},
        ),
    ],
    ids=["pending", "member", "limit"],
)
def test_apply_refusals_are_answered(api, bot, arrange, text, context):
    shift = ShiftFactory()
    participant = ParticipantFactory(telegram_id=CHAT)
    arrange(participant, shift)

    reply = say(api, "/apply", 1).text

    assert reply == texts.render(text, "en", **context)


def test_declined_participant_reapplies_with_the_button(api, bot):
    shift = ShiftFactory()
    participant = ParticipantFactory(telegram_id=CHAT)
    ApplicationFactory(participant=participant, shift=shift, status="declined")

    status = say(api, "/start", 1)
    [[button]] = status.params["reply_markup"]["inline_keyboard"]
    api.callback_update(CHAT, button["callback_data"])
    reply = api.wait_sent(2, chat_id=CHAT, method="sendMessage")[-1].text

    assert button["text"] == keyboards.label("button_apply", "en", shift=shift.title)
    assert reply == texts.render("application_sent", "en", shift=shift.title)
    assert participant.applications.filter(status="pending").count() == 1


@pytest.mark.parametrize("command", ["/start", "/status"])
def test_no_apply_button_after_all_applications_are_used(api, bot, command):
    shift = ShiftFactory()
    participant = ParticipantFactory(telegram_id=CHAT)
    ApplicationFactory.create_batch(
        3, participant=participant, shift=shift, status="declined"
    )

    reply = say(api, command, 1)

    assert reply.params["reply_markup"] == {"remove_keyboard": True}
    assert texts.render("application_limit", "en", limit=3) in reply.text


def test_apply_button_while_applications_are_left(api, bot):
    shift = ShiftFactory()
    participant = ParticipantFactory(telegram_id=CHAT)
    ApplicationFactory.create_batch(
        2, participant=participant, shift=shift, status="declined"
    )

    reply = say(api, "/status", 1)

    [[button]] = reply.params["reply_markup"]["inline_keyboard"]
    assert button["callback_data"] == keyboards.APPLY
    assert texts.render("application_limit", "en", limit=3) not in reply.text


def test_start_of_a_registered_member_shows_status_and_menu(api, bot):
    membership = member(started_shift(), CHAT)

    reply = say(api, "/start", 1)

    participant = membership.participant
    assert reply.text.startswith(
        texts.render("welcome_back", "en", name=participant.first_name)
    )
    assert texts.render("status_no_report", "en") in reply.text
    assert reply.params["reply_markup"]["keyboard"][0][0]["text"] == keyboards.label(
        "button_skip", "en"
    )


def test_apply_of_unregistered_user_is_refused(api, bot):
    reply = say(api, "/apply", 1, user=EN).text

    assert reply == texts.render("not_registered", "en")


def test_registration_escapes_html_in_names(api, bot):
    ParticipantFactory(telegram_id=CHAT, first_name="A<b>", city="X&Y")

    reply = say(api, "/status", 1).text

    assert "A&lt;b&gt;" in reply
    assert "X&amp;Y" in reply
