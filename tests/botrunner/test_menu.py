# ruff: noqa: RUF001 - Russian texts are meant
"""The member menu over HTTP: skip the task (with confirmation), balance, help, status."""

import pytest

from botrunner import keyboards, texts
from core.models import Membership
from moderation.cycle import callbacks
from moderation.models import Report
from tests.botrunner.conftest import member, started_shift, today_report
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = 7001


@pytest.fixture
def report():
    return today_report(member(started_shift(skip_limit=5), CHAT))


def messages(api, count, chat=CHAT):
    return api.wait_sent(count, chat_id=chat, method="sendMessage")


def press(api, data, count, chat=CHAT):
    """Press an inline button; return the bot's messages once `count` were sent."""
    api.callback_update(chat, data)
    return messages(api, count, chat)


def test_skip_button_asks_to_confirm_then_skips(api, bot, report):
    api.message_update(CHAT, keyboards.label("button_skip", "en"))
    question = messages(api, 1)[-1]
    [[yes, no]] = question.params["reply_markup"]["inline_keyboard"]

    done = press(api, yes["callback_data"], 2)[-1]

    assert question.text == texts.render(
        "skip_confirm", "en", task=report.day.task.title, skipped=0, limit=5
    )
    assert yes["callback_data"] == f"skip:yes:{report.pk}"
    assert no["callback_data"] == "skip:no"
    assert done.text == texts.render("skip_done", "en", skipped=1, limit=5)
    report.refresh_from_db()
    assert report.status == Report.Status.SKIPPED
    # The confirmation loses its buttons, so it cannot be pressed twice.
    edits = [c for c in api.sent_to(CHAT) if c.method == "editMessageReplyMarkup"]
    assert [edit.params["message_id"] for edit in edits] == [
        question.result["message_id"]
    ]


def test_skip_callback_of_the_daily_task_message_asks_to_confirm(api, bot, report):
    question = press(api, callbacks.SKIP, 1)[-1]

    assert question.text == texts.render(
        "skip_confirm", "en", task=report.day.task.title, skipped=0, limit=5
    )
    report.refresh_from_db()
    assert report.status == Report.Status.WAITING
    answered = [c for c in api.sent_to(CHAT) if c.method == "answerCallbackQuery"]
    assert len(answered) == 1


def test_skip_cancelled_keeps_the_task(api, bot, report):
    press(api, callbacks.SKIP, 1)

    kept = press(api, keyboards.SKIP_NO, 2)[-1]

    assert kept.text == texts.render("skip_kept", "en")
    report.refresh_from_db()
    assert report.status == Report.Status.WAITING


def test_skip_confirmed_twice_is_answered_plainly(api, bot, report):
    data = f"{keyboards.SKIP_YES}:{report.pk}"
    press(api, data, 1)

    again = press(api, data, 2)[-1]

    assert again.text == texts.render("task_skipped", "en")
    assert Report.objects.get(pk=report.pk).status == Report.Status.SKIPPED


def test_skip_confirmation_of_an_earlier_day_skips_nothing(api, bot, report):
    expired = press(api, f"{keyboards.SKIP_YES}:{report.pk + 1000}", 1)[-1]

    assert expired.text == texts.render("skip_expired", "en")
    report.refresh_from_db()
    assert report.status == Report.Status.WAITING


@pytest.mark.parametrize(
    ("status", "text", "context"),
    [
        (Report.Status.REVIEWING, "under_review", {}),
        (Report.Status.APPROVED, "already_approved", {}),
        (Report.Status.DECLINED, "report_not_waiting", {"status": "Declined"}),
    ],
)
def test_skip_refused_unless_waiting(api, bot, report, status, text, context):
    Report.objects.filter(pk=report.pk).update(status=status)

    reply = press(api, callbacks.SKIP, 1)[-1]

    assert reply.text == texts.render(text, "en", **context)
    assert Report.objects.get(pk=report.pk).status == status


def test_skip_of_a_non_member_is_refused(api, bot):
    ParticipantFactory(telegram_id=CHAT)

    api.message_update(CHAT, keyboards.label("button_skip", "en"))

    assert messages(api, 1)[-1].text == texts.render("not_member", "en")


def test_balance_answers_points_in_the_members_language(api, bot):
    shift = started_shift()
    Membership.objects.filter(pk=member(shift, CHAT).pk).update(points=21)
    Membership.objects.filter(pk=member(shift, CHAT + 1, language="ru").pk).update(
        points=21
    )

    api.message_update(CHAT, keyboards.label("button_balance", "en"))
    api.callback_update(CHAT + 1, callbacks.BALANCE)

    assert messages(api, 1)[-1].text == "💰 You have 21 points."
    assert messages(api, 1, CHAT + 1)[-1].text == "💰 У тебя 21 балл."


def test_balance_button_works_in_either_language(api, bot, report):
    api.message_update(CHAT, keyboards.label("button_balance", "ru"))

    assert messages(api, 1)[-1].text == texts.render("balance", "en", count=0)


def test_help_and_unknown_commands(api, bot):
    api.message_update(CHAT, "/help", user={"language_code": "en"})
    api.message_update(CHAT, "/whatever", user={"language_code": "en"})

    replies = [call.text for call in messages(api, 2)]

    assert replies == [texts.render("help", "en")] * 2


def test_status_of_a_member_shows_today(api, bot, report):
    Report.objects.filter(pk=report.pk).update(status="declined", attempts=1)

    api.message_update(CHAT, "/status")

    text = messages(api, 1)[-1].text
    assert texts.render("points", "en", count=0) in text
    assert (
        texts.render(
            "status_report",
            "en",
            task=report.day.task.title,
            status="Declined",
            attempts=1,
            limit=3,
        )
        in text
    )


def test_status_of_unregistered_user(api, bot):
    api.message_update(CHAT, "/status", user={"language_code": "en"})

    assert messages(api, 1)[-1].text == texts.render("not_registered", "en")


def test_unknown_button_is_answered_in_the_users_language(api, bot):
    shift = started_shift()
    member(shift, CHAT)
    member(shift, CHAT + 1, language="ru")

    api.callback_update(CHAT, "old-keyboard:42")
    api.callback_update(CHAT + 1, "old-keyboard:42")

    [answer] = api.wait_sent(1, chat_id=CHAT, method="answerCallbackQuery")
    [answer_ru] = api.wait_sent(1, chat_id=CHAT + 1, method="answerCallbackQuery")
    assert answer.params["text"] == "This button is no longer active."
    assert answer_ru.params["text"] == "Эта кнопка больше не действует."
    assert [call.method for call in api.sent_to(CHAT)] == ["answerCallbackQuery"]


def test_unknown_button_of_an_unregistered_user_is_answered(api, bot):
    api.callback_update(CHAT, "old-keyboard", user={"language_code": "en"})

    [answer] = api.wait_sent(1, chat_id=CHAT, method="answerCallbackQuery")
    assert answer.params["text"] == texts.render("stale_button", "en")
