"""The sender against the fake Bot API, with the real aiogram client, DB and Redis."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from notifications.models import Mailing, OutboxMessage
from notifications.sender import outbox_drain
from notifications.services import mailing_pause, message_enqueue
from tests.factories import ParticipantFactory
from tests.fakes.telegram_api import make_jpeg
from tests.notifications.limiter import drain_lock_held

pytestmark = pytest.mark.django_db(transaction=True)

Status = OutboxMessage.Status


def enqueue(participant=None, key="k", **kwargs):
    return message_enqueue(
        participant or ParticipantFactory(),
        kind=OutboxMessage.Kind.REVIEW,
        text=kwargs.pop("text", "✅ <b>Approved</b>"),
        dedupe_key=key,
        **kwargs,
    )


def fresh(message):
    message.refresh_from_db()
    return message


def test_drain_sends_text_with_buttons(telegram):
    buttons = [
        [{"text": "Skip", "callback_data": "skip"}],
        [{"text": "Rules", "url": "https://example.org"}],
    ]
    message = enqueue(buttons=buttons)

    report = outbox_drain()

    [call] = telegram.sent
    assert report.sent == 1
    assert call.chat_id == message.chat_id
    assert call.text == "✅ <b>Approved</b>"
    assert call.params["parse_mode"] == "HTML"
    assert call.params["reply_markup"]["inline_keyboard"] == buttons
    message = fresh(message)
    assert message.status == Status.SENT
    assert message.telegram_message_id == call.result["message_id"]
    assert message.sent_at is not None


def test_drain_uploads_a_photo_once_then_reuses_its_file_id(telegram):
    path = default_storage.save("mailings/test/photo.jpg", ContentFile(make_jpeg(3)))
    first = enqueue(key="a", photo=path, text="Caption")
    second = enqueue(key="b", photo=path, text="Caption")

    outbox_drain()

    calls = telegram.sent
    assert [call.method for call in calls] == ["sendPhoto", "sendPhoto"]
    assert calls[0].files["photo"].content == make_jpeg(3)
    assert calls[1].files == {}
    assert calls[1].params["photo"] == calls[0].result["photo"][-1]["file_id"]
    assert {fresh(first).status, fresh(second).status} == {Status.SENT}
    default_storage.delete(path)


def test_drain_sends_a_long_text_after_its_photo(telegram):
    path = default_storage.save("mailings/test/long.jpg", ContentFile(make_jpeg(4)))
    message = enqueue(photo=path, text="Long " * 300)

    outbox_drain()

    photo, text = telegram.sent_to(message.chat_id)
    assert (photo.method, text.method) == ("sendPhoto", "sendMessage")
    assert "caption" not in photo.params
    assert text.text == message.text.strip() or text.text == message.text
    assert fresh(message).status == Status.SENT
    default_storage.delete(path)


def test_drain_honours_retry_after_and_sends_later(telegram, settings):
    settings.OUTBOX_DRAIN_IDLE_SECONDS = 3
    message = enqueue()
    telegram.fail_next(1, 429, retry_after=1, method="sendMessage")

    report = outbox_drain()

    assert report.rate_limited == 1
    assert report.sent == 1
    assert telegram.too_many_requests == 1
    [ok] = telegram.sent
    rejected = next(call for call in telegram.calls if call.status == 429)
    # The pause is global: nothing went out before retry_after had passed.
    assert ok.at - rejected.at >= 0.9
    message = fresh(message)
    assert (message.status, message.attempts) == (Status.SENT, 1)


def test_drain_retries_server_errors_with_backoff(telegram):
    message = enqueue()
    telegram.fail_next(1, 502, method="sendMessage")

    report = outbox_drain()

    message = fresh(message)
    assert report.retried == 1
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert message.last_error == "Bad Gateway"
    assert message.next_attempt_at > timezone.now()

    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    outbox_drain()

    message = fresh(message)
    assert (message.status, message.attempts) == (Status.SENT, 2)
    assert len(telegram.sent) == 1


def test_drain_retries_a_request_that_times_out(telegram, settings):
    settings.TELEGRAM_REQUEST_TIMEOUT = 0.5
    message = enqueue()
    telegram.delay_next(1, 2.0, method="sendMessage")

    report = outbox_drain()

    assert report.retried == 1
    message = fresh(message)
    assert message.status == Status.PENDING
    assert "timeout" in message.last_error.lower()


def test_drain_marks_a_participant_who_blocked_the_bot(telegram):
    participant = ParticipantFactory()
    first = enqueue(participant, key="a")
    telegram.block_chat(participant.telegram_id)

    report = outbox_drain()

    participant.refresh_from_db()
    assert report.blocked == 1
    assert participant.has_blocked_bot
    assert fresh(first).status == Status.BLOCKED
    assert "blocked" in fresh(first).last_error
    assert enqueue(participant, key="b").status == Status.BLOCKED
    assert telegram.sent == []


def test_drain_fails_a_message_telegram_refuses(telegram):
    message = enqueue()
    telegram.fail_next(1, 400, "Bad Request: chat not found", method="sendMessage")

    report = outbox_drain()

    message = fresh(message)
    assert report.failed == 1
    assert message.status == Status.FAILED
    assert message.last_error == "Bad Request: chat not found"


def test_drain_stops_without_burning_attempts_when_the_token_is_wrong(
    telegram, settings
):
    settings.TELEGRAM_BOT_TOKEN = "999:WRONG"
    messages = [enqueue(key=f"k{n}") for n in range(3)]

    report = outbox_drain()

    assert report.stopped == "Unauthorized"
    statuses = {(m.status, m.attempts) for m in map(fresh, messages)}
    assert statuses == {(Status.PENDING, 0)}


def test_drain_keeps_one_chat_to_one_message_a_second(telegram, settings):
    settings.TELEGRAM_RATE_PER_CHAT = 1
    telegram.rate_limit(None, 1)
    participant = ParticipantFactory()
    messages = [enqueue(participant, key=f"k{n}") for n in range(3)]
    settings.OUTBOX_DRAIN_IDLE_SECONDS = 3

    outbox_drain()

    assert {fresh(message).status for message in messages} == {Status.SENT}
    assert telegram.too_many_requests == 0
    assert telegram.stats().max_per_chat_per_sec == 1


def test_drain_keeps_to_the_global_rate(telegram, settings):
    settings.TELEGRAM_RATE_GLOBAL = 20
    telegram.rate_limit(20, None)
    for number in range(45):
        enqueue(key=f"k{number}")

    report = outbox_drain()

    assert report.sent == 45
    assert telegram.too_many_requests == 0
    assert telegram.stats().max_global_per_sec <= 20


def test_drain_without_redis_uses_in_process_limits(telegram, settings):
    settings.REDIS_URL = ""
    telegram.rate_limit(200, 20)
    messages = [enqueue(key=f"k{number}") for number in range(5)]

    report = outbox_drain()

    assert report.sent == 5
    assert {fresh(message).status for message in messages} == {Status.SENT}


def test_drain_returns_at_once_while_another_drain_runs(telegram):
    message = enqueue()

    with drain_lock_held():
        report = outbox_drain()

    assert report.skipped
    assert fresh(message).status == Status.PENDING


def test_drain_skips_expired_and_paused_mailing_messages(telegram):
    participant = ParticipantFactory()
    expired = enqueue(
        participant, key="old", expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    mailing = Mailing.objects.create(title="M", text="x", status="sending")
    held = enqueue(participant, key="held", mailing=mailing)
    mailing_pause(mailing, by=None)

    report = outbox_drain()

    assert report.sent == 0
    assert telegram.sent == []
    assert fresh(expired).status == Status.PENDING
    assert fresh(held).next_attempt_at is None


def test_drain_without_a_token_sends_nothing(telegram, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    message = enqueue()

    report = outbox_drain()

    assert report.stopped == "no bot token"
    assert fresh(message).status == Status.PENDING


def test_drain_uploads_again_when_telegram_forgot_the_file_id(telegram):
    path = default_storage.save("mailings/test/stale.jpg", ContentFile(make_jpeg(5)))
    cache.set(f"telegram-file:123456:{path}", "forgotten-id")
    messages = [enqueue(key=f"k{n}", photo=path, text="Caption") for n in range(3)]

    outbox_drain()

    uploads = [call for call in telegram.sent if call.files]
    assert len(uploads) == 1
    assert {fresh(message).status for message in messages} == {Status.SENT}
    default_storage.delete(path)
