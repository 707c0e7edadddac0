"""The bot stays up and consistent: blocks, errors, redeliveries, restarts, garbage."""

import logging
import random
import string
import time

import pytest
from django.db import connection

from botrunner import keyboards, texts
from core.models import Application, Membership, Participant
from moderation.cycle import callbacks
from moderation.models import Report, Submission
from notifications.models import OutboxMessage
from tests.botrunner.conftest import member, started_shift, today_report
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = 8001


def chat_member_update(api, chat, status):
    user = {"id": chat, "is_bot": False, "first_name": "Kid", "language_code": "en"}
    bot_user = {"id": 123456, "is_bot": True, "first_name": "Smena Test Bot"}
    old = "member" if status == "kicked" else "kicked"

    def member_of(state):
        return {"status": state, "user": bot_user} | (
            {"until_date": 0} if state == "kicked" else {}
        )

    return api.push_update(
        {
            "my_chat_member": {
                "chat": {"id": chat, "type": "private", "first_name": "Kid"},
                "from": user,
                "date": int(time.time()),
                "old_chat_member": member_of(old),
                "new_chat_member": member_of(status),
            }
        }
    )


def test_blocking_marks_and_writing_again_unmarks(api, bot):
    participant = ParticipantFactory(telegram_id=CHAT)

    chat_member_update(api, CHAT, "kicked")
    assert api.wait_for(
        lambda: Participant.objects.get(pk=participant.pk).blocked_bot_at is not None
    )
    api.message_update(CHAT, "/help")
    api.wait_sent(1, chat_id=CHAT)

    participant.refresh_from_db()
    assert participant.blocked_bot_at is None


def test_unblocking_the_bot_unmarks(api, bot):
    participant = ParticipantFactory(telegram_id=CHAT)
    chat_member_update(api, CHAT, "kicked")
    assert api.wait_for(
        lambda: Participant.objects.get(pk=participant.pk).blocked_bot_at is not None
    )

    chat_member_update(api, CHAT, "member")

    assert api.wait_for(
        lambda: Participant.objects.get(pk=participant.pk).blocked_bot_at is None
    )


def test_forbidden_reply_marks_the_participant(api, bot):
    participant = ParticipantFactory(telegram_id=CHAT)
    api.block_chat(CHAT)

    api.message_update(CHAT, "/help")

    assert api.wait_for(
        lambda: Participant.objects.get(pk=participant.pk).blocked_bot_at is not None
    )
    assert api.sent_to(CHAT) == []


def test_handler_error_apologises_and_the_bot_goes_on(api, bot, monkeypatch, caplog):
    def broken(participant):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("botrunner.handlers.menu.participant_balance", broken)
    ParticipantFactory(telegram_id=CHAT)

    api.callback_update(CHAT, callbacks.BALANCE)
    apology = api.wait_sent(1, chat_id=CHAT, method="sendMessage")[-1]
    api.message_update(CHAT, "/help")
    after = api.wait_sent(2, chat_id=CHAT, method="sendMessage")[-1]

    assert apology.text == texts.render("error", "en")
    assert after.text == texts.render("help", "en")
    assert "database on fire" in caplog.text


# Every photo insert fails as a cancelled query does (SQLSTATE 57014, which Django
# raises as OperationalError) while the database itself answers; the sequence
# counts the tries, as it is not rolled back with them.
FAILING_INSERTS = """
CREATE SEQUENCE test_insert_tries;
CREATE FUNCTION test_insert_fail() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('test_insert_tries');
    RAISE EXCEPTION 'insert refused by the test' USING ERRCODE = '57014';
END $$;
CREATE TRIGGER test_insert_fail BEFORE INSERT ON moderation_submission
    FOR EACH ROW EXECUTE FUNCTION test_insert_fail();
"""
FAILING_INSERTS_DROPPED = """
DROP TRIGGER IF EXISTS test_insert_fail ON moderation_submission;
DROP FUNCTION IF EXISTS test_insert_fail();
DROP SEQUENCE IF EXISTS test_insert_tries;
"""


@pytest.mark.postgres
def test_update_failing_with_a_database_error_is_given_up_after_three_tries(api, bot):
    today_report(member(started_shift(), CHAT))
    with connection.cursor() as cursor:
        cursor.execute(FAILING_INSERTS)
    try:
        api.photo_update(CHAT)

        [apology] = api.wait_sent(1, timeout=30, chat_id=CHAT, method="sendMessage")
        assert api.wait_for(api.all_confirmed, timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SELECT last_value FROM test_insert_tries")
            [tries] = cursor.fetchone()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(FAILING_INSERTS_DROPPED)

    assert apology.text == texts.render("error", "en")
    assert tries == 3
    assert Submission.objects.count() == 0


def test_server_errors_on_replies_are_retried(api, bot):
    api.fail_next(2, 502, method="sendMessage", chat_id=CHAT)

    api.message_update(CHAT, "/help", user={"language_code": "en"})

    assert api.wait_sent(1, chat_id=CHAT)[-1].text == texts.render("help", "en")


def test_polling_recovers_from_get_updates_failures(api, bot):
    api.fail_next(1, 500, method="getUpdates")
    api.message_update(CHAT, "/help", user={"language_code": "en"})

    assert api.wait_sent(1, chat_id=CHAT, timeout=10)
    assert api.stats().errors.get(500) == 1


def test_redelivered_update_creates_no_second_submission(api, bot):
    report = today_report(member(started_shift(), CHAT))
    update = api.photo_update(CHAT, push=False)

    # Telegram delivers the same update_id twice (its confirmation got lost);
    # both wait in one batch, or the first one's confirmation would drop the other.
    bot.stop()
    api.push_update(update)
    api.push_update(update)
    bot.start()
    replies = api.wait_sent(2, chat_id=CHAT)

    assert replies[0].text == replies[1].text
    report.refresh_from_db()
    assert report.attempts == 1
    assert Submission.objects.get().telegram_update_id == update["update_id"]


def test_unreadable_update_is_skipped_and_confirmed(api, bot):
    # No date, no chat type: aiogram cannot read it.
    api.push_update({"message": {"message_id": 1, "chat": {"id": CHAT + 1}}})
    api.message_update(CHAT, "/help", user={"language_code": "en"})

    assert api.wait_sent(1, chat_id=CHAT)
    assert api.wait_for(api.all_confirmed)


def test_group_chats_get_no_answers(api, bot):
    api.message_update(-100500, "/start")
    api.message_update(CHAT, "/help")

    api.wait_sent(1, chat_id=CHAT)
    assert api.wait_for(api.all_confirmed)
    assert api.sent_to(-100500) == []


def test_restart_mid_burst_loses_no_photo_and_doubles_none(api, bot):
    burst = 24
    shift = started_shift()
    chats = list(range(CHAT, CHAT + burst))
    reports = [today_report(member(shift, chat)) for chat in chats]
    bot.stop()
    # Half of the downloads hang, so the bot dies with the burst half stored.
    api.delay_next(burst // 2, 2.0, method="getFile")
    pushed = [api.photo_update(chat)["update_id"] for chat in chats]
    bot.start()
    assert api.wait_for(lambda: Submission.objects.count() >= burst // 2)

    bot.crash()
    stored_before_restart = Submission.objects.count()
    unconfirmed = len(api.pending_updates())
    bot.start()

    assert stored_before_restart < burst
    # Nothing was confirmed: Telegram delivers the whole burst again.
    assert unconfirmed == burst
    assert api.wait_for(lambda: Submission.objects.count() == burst, timeout=15)
    assert api.wait_for(api.all_confirmed)
    submissions = Submission.objects.all()
    assert sorted(s.telegram_update_id for s in submissions) == sorted(pushed)
    assert {s.report_id for s in submissions} == {r.pk for r in reports}
    assert set(Report.objects.values_list("status", "attempts")) == {("reviewing", 1)}
    for chat in chats:
        assert api.sent_to(chat), f"chat {chat} got no answer"


def test_graceful_stop_finishes_and_confirms_the_batch(api, bot):
    shift = started_shift()
    chats = list(range(CHAT, CHAT + 6))
    for chat in chats:
        today_report(member(shift, chat))
    bot.stop()
    api.delay_next(6, 0.5, method="getFile")
    for chat in chats:
        api.photo_update(chat)
    bot.start()
    assert api.wait_for(lambda: any(c.method == "getFile" for c in api.calls))

    bot.stop()

    assert Submission.objects.count() == 6
    assert api.all_confirmed()


def random_text(rng: random.Random) -> str:
    alphabet = string.printable + "<>&\"'/«»ёЁйЙ😀\u200b\u202e\x00"
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
    return rng.choice(
        [
            text,
            "/" + text,
            "/start " + text,
            keyboards.label("button_skip", "ru"),
            keyboards.label("button_back", "en"),
            keyboards.label("button_cancel", "en"),
            "x" * 5000,
        ]
    )


def random_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(7 if depth < 2 else 4)
    match kind:
        case 0:
            return rng.randint(-(2**63), 2**63)
        case 1:
            return random_text(rng)
        case 2:
            return None
        case 3:
            return rng.random() < 0.5
        case 4:
            return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
        case _:
            return {
                rng.choice(["file_id", "type", "status", "id", "x"]): random_value(
                    rng, depth + 1
                )
                for _ in range(rng.randint(0, 3))
            }


def random_update(rng: random.Random, users: list[int]) -> dict:
    """A random update of a type the bot listens to; many are malformed on purpose."""
    user_id = rng.choice(users)
    user = {"id": user_id, "is_bot": False, "first_name": random_text(rng)[:20] or "U"}
    if rng.random() < 0.3:
        user["language_code"] = rng.choice(["ru", "en", "de", "", "xx-YY"])
    chat = {
        "id": rng.choice([user_id, -user_id]),
        "type": rng.choice(["private", "group", "supergroup"]),
    }
    message = {
        "message_id": rng.randint(1, 10**6),
        "date": int(time.time()),
        "chat": chat,
        "from": user,
    }
    field = rng.choice(
        ["text", "photo", "document", "sticker", "voice", "contact", "junk", "caption"]
    )
    match field:
        case "text":
            message["text"] = random_text(rng)
            if rng.random() < 0.3:
                message["entities"] = [
                    {
                        "type": "bot_command",
                        "offset": rng.randint(-5, 50),
                        "length": rng.randint(0, 50),
                    }
                ]
        case "photo":
            message["photo"] = [
                {
                    "file_id": random_text(rng)[:30],
                    "file_unique_id": "u",
                    "width": 1,
                    "height": 1,
                }
            ]
            message["media_group_id"] = rng.choice([None, "g"])
        case "document":
            message["document"] = {
                "file_id": "missing",
                "file_unique_id": "m",
                "mime_type": rng.choice(
                    ["image/jpeg", "application/pdf", random_text(rng)[:20]]
                ),
            }
        case "contact":
            # Never the sender's own contact: no dialog can complete by chance.
            message["contact"] = {
                "phone_number": random_text(rng)[:20],
                "first_name": "X",
                "user_id": user_id + 1,
            }
        case _:
            message[field] = random_value(rng)
    kind = rng.choice(["message", "callback_query", "my_chat_member", "message"])
    if kind == "callback_query":
        data = rng.choice(
            [
                "skip",
                "balance",
                "apply",
                "skip:no",
                f"skip:yes:{rng.randint(10**6, 10**9)}",
                "skip:yes:",
                random_text(rng)[:64],
            ]
        )
        query = {
            "id": str(rng.randint(1, 10**9)),
            "from": user,
            "chat_instance": "1",
            "data": data,
        }
        if rng.random() < 0.7:
            query["message"] = message
        return {"callback_query": query}
    if kind == "my_chat_member":
        status = rng.choice(["member", "kicked", "left", "administrator", "wat"])
        return {
            "my_chat_member": {
                "chat": chat,
                "from": user,
                "date": int(time.time()),
                "old_chat_member": {"status": "member", "user": user},
                "new_chat_member": {"status": status, "user": user},
            }
        }
    if rng.random() < 0.1:
        # Unreadable: required fields missing or of the wrong type.
        keys = sorted(set(message) - {"chat", "message_id"})
        junk = {key: random_value(rng) for key in rng.sample(keys, 2)}
        # A chat of its own: the fake would echo this broken chat in replies.
        chat = {"id": 10**9 + rng.randrange(10**6)}
        return {"message": {**message, **junk, "chat": chat}}
    return {"message": message}


def database_state() -> dict[str, object]:
    return {
        "participants": list(Participant.objects.values_list("pk", "blocked_bot_at")),
        "applications": Application.objects.count(),
        "memberships": list(Membership.objects.values_list("pk", "status", "points")),
        "reports": list(Report.objects.values_list("pk", "status", "attempts")),
        "submissions": Submission.objects.count(),
        "outbox": OutboxMessage.objects.count(),
    }


def test_random_updates_neither_crash_the_bot_nor_write(api, bot, caplog):
    member_chat = CHAT
    today_report(member(started_shift(), member_chat))
    users = [member_chat, *range(900_000, 900_020)]
    before = database_state()
    rng = random.Random(20261123)

    for _ in range(200):
        api.push_update(random_update(rng, users))
    assert api.wait_for(api.all_confirmed, timeout=60)
    api.message_update(CHAT + 1, "/start", user={"language_code": "en"})

    assert api.wait_sent(2, chat_id=CHAT + 1)[-1].text == texts.render(
        "consent_ask", "en", version=1, link=texts.render("consent_no_link", "en")
    )
    assert database_state() == before
    # Deterministic (seeded): many updates reached handlers and were answered.
    assert len(api.sent) >= 20
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == []
