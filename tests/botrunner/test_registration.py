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
    return [call.text for call in api.sent_to(chat)]


def say(api, text, count, chat=CHAT, user=None):
    """Send `text` and return the reply that makes `count` messages to the chat."""
    api.message_update(chat, text, user=user)
    return api.wait_sent(count, chat_id=chat)[-1]


def register(api, chat=CHAT, user=None):
    """Go through the whole dialog; return the number of questions sent before."""
    say(api, "/start", 2, chat, user)
    for step, answer in enumerate(ANSWERS, start=3):
        say(api, answer, step, chat, user)
    api.contact_update(chat, "+7 900 123-45-67", user=user)
    return 6


def test_registration_creates_participant_and_applies(api, bot):
    shift = ShiftFactory()

    sent = register(api)

    replies = api.wait_sent(sent + 2, chat_id=CHAT)
    participant = Participant.objects.get(telegram_id=CHAT)
    assert participant.first_name == "Anna-Maria"
    assert participant.last_name == "Petrova"
    assert participant.birth_date == dt.date(2014, 5, 17)
    assert participant.city == "Kazan"
    assert participant.phone == "+79001234567"
    assert participant.telegram_username == f"user{CHAT}"
    assert participant.language == "ru"
    assert Application.objects.get(participant=participant).shift == shift
    assert [call.text for call in replies[-2:]] == [
        texts.render("registered", "ru", name="Anna-Maria"),
        texts.render("application_sent", "ru", shift=shift.title),
    ]


def test_registration_asks_each_question_in_the_users_language(api, bot):
    register(api, user=EN)

    api.wait_sent(8, chat_id=CHAT)
    assert texts_to(api)[:7] == [
        texts.render("welcome", "en"),
        texts.render("ask_first_name", "en"),
        texts.render("ask_last_name", "en"),
        texts.render("ask_birth_date", "en"),
        texts.render("ask_city", "en"),
        texts.render("ask_phone", "en"),
        texts.render("registered", "en", name="Anna-Maria"),
    ]
    assert Participant.objects.get().language == "en"
    phone_question = api.sent_to(CHAT)[5]
    [[share], [back, _cancel]] = phone_question.params["reply_markup"]["keyboard"]
    assert share == {
        "text": keyboards.label("button_share_phone", "en"),
        "request_contact": True,
    }
    assert back["text"] == keyboards.label("button_back", "en")


def test_registration_refuses_invalid_answers_and_stays_on_the_step(api, bot):
    say(api, "/start", 2, user=EN)

    replies = [
        say(api, "R2-D2", 3, user=EN).text,
        say(api, "Anna", 4, user=EN).text,
        say(api, "Petrova", 5, user=EN).text,
        say(api, "yesterday", 6, user=EN).text,
        say(api, "01.01.1850", 7, user=EN).text,
        say(api, "17.05.2014", 8, user=EN).text,
        say(api, "!!", 9, user=EN).text,
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
    say(api, "/start", 2, user=EN)

    api.sticker_update(CHAT, user=EN)

    assert api.wait_sent(3, chat_id=CHAT)[-1].text == texts.render(
        "text_required", "en"
    )


def test_registration_phone_must_be_own_contact_via_the_button(api, bot):
    say(api, "/start", 2, user=EN)
    for step, answer in enumerate(ANSWERS, start=3):
        say(api, answer, step, user=EN)

    typed = say(api, "+79001234567", 7, user=EN).text
    api.contact_update(CHAT, "+79001234567", own=False, user=EN)
    foreign = api.wait_sent(8, chat_id=CHAT)[-1].text

    assert typed == texts.render("phone_use_button", "en")
    assert foreign == texts.render("phone_not_own", "en")
    assert not Participant.objects.exists()


def test_registration_back_returns_to_the_previous_question(api, bot):
    back = keyboards.label("button_back", "en")
    say(api, "/start", 2, user=EN)
    say(api, "Anna", 3, user=EN)
    say(api, "Petrova", 4, user=EN)

    first_back = say(api, back, 5, user=EN).text
    say(api, "Sidorova", 6, user=EN)
    say(api, "17.05.2014", 7, user=EN)
    say(api, "Kazan", 8, user=EN)
    api.contact_update(CHAT, "+79001234567", user=EN)
    api.wait_sent(10, chat_id=CHAT)

    assert first_back == texts.render("ask_last_name", "en")
    assert Participant.objects.get().last_name == "Sidorova"


def test_registration_back_on_the_first_question_asks_it_again(api, bot):
    say(api, "/start", 2, user=EN)

    again = say(api, keyboards.label("button_back", "en"), 3, user=EN).text

    assert again == texts.render("ask_first_name", "en")


def test_registration_cancel_forgets_the_answers(api, bot):
    say(api, "/start", 2, user=EN)
    say(api, "Anna", 3, user=EN)

    cancelled = say(api, keyboards.label("button_cancel", "en"), 4, user=EN)
    after = say(api, "Petrova", 5, user=EN).text
    nothing = say(api, "/cancel", 6, user=EN).text

    assert cancelled.text == texts.render("registration_cancelled", "en")
    assert cancelled.params["reply_markup"] == {"remove_keyboard": True}
    # Out of the dialog, text is no answer any more.
    assert after == texts.render("not_registered", "en")
    assert nothing == texts.render("nothing_to_cancel", "en")
    assert not Participant.objects.exists()


def test_registration_survives_a_bot_restart(api, bot, settings):
    if not settings.REDIS_URL:
        pytest.skip("dialogs outlive the process only in Redis")
    say(api, "/start", 2, user=EN)
    say(api, "Anna", 3, user=EN)

    bot.restart()
    say(api, "Petrova", 4, user=EN)

    assert texts_to(api)[-1] == texts.render("ask_birth_date", "en")


def test_commands_work_during_registration(api, bot):
    say(api, "/start", 2, user=EN)

    help_reply = say(api, "/help", 3, user=EN).text
    still_asking = say(api, "Anna", 4, user=EN).text

    assert help_reply == texts.render("help", "en")
    assert still_asking == texts.render("ask_last_name", "en")


def test_registration_without_open_shift_registers_and_says_so(api, bot):
    sent = register(api, user=EN)

    last = api.wait_sent(sent + 2, chat_id=CHAT)[-1].text

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
