"""Telegram in a storm of 429s, 5xx and timeouts: nothing lost, nothing doubled."""

from collections import Counter

import pytest
from django.conf import settings
from django.utils import timezone

from notifications.models import Mailing, OutboxMessage
from notifications.sender import outbox_drain
from notifications.services import (
    mailing_schedule,
    mailing_stats,
    mailings_dispatch_due,
)
from tests.factories import MembershipFactory, ShiftFactory
from tests.notifications.outbox_waits import outbox_settled, outbox_unsettled
from tests.workers import CeleryWorker

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.REDIS_URL, reason="needs Redis (a worker process shares it)"
    ),
]

Status = OutboxMessage.Status
RECIPIENTS = 120
LANES = 6
SEED = 20261130
DRAIN = "notifications.tasks.outbox_drain_task"
STORM_TIMEOUT = 60


def _mailing_to(count: int) -> tuple[Mailing, list[int]]:
    """A mailing fanned out to `count` members; return it and their chats."""
    shift = ShiftFactory()
    members = MembershipFactory.create_batch(count, shift=shift)
    mailing = Mailing.objects.create(title="News", text="Hello, {name}!")
    mailing.shifts.set([shift])
    mailing_schedule(mailing, by=None)
    mailings_dispatch_due()
    return mailing, [member.participant.telegram_id for member in members]


def test_drain_in_a_storm_delivers_each_message_once(telegram):
    mailing, chats = _mailing_to(RECIPIENTS)
    # About half of the chats meet one to three faults before a send succeeds.
    telegram.storm(seed=SEED, share=0.5, max_faults=3, retry_after=1, hang_seconds=2)
    worker = CeleryWorker(
        env={
            "TELEGRAM_API_BASE": telegram.base_url,
            "TELEGRAM_RATE_GLOBAL": "100",
            "TELEGRAM_REQUEST_TIMEOUT": "1",
            "OUTBOX_SENDER_CONCURRENCY": str(LANES),
            # One drain sees every retry through (the longest backoff here is
            # under 10 s); in production beat starts another every 10 s.
            "OUTBOX_DRAIN_IDLE_SECONDS": "15",
        }
    )

    with worker:
        worker.send(DRAIN)
        assert telegram.wait_for(outbox_settled, timeout=STORM_TIMEOUT), (
            outbox_unsettled()
        )

    errors = telegram.stats().errors
    rows = {row.chat_id: row for row in OutboxMessage.objects.filter(mailing=mailing)}
    sends = {call.chat_id: call for call in telegram.sent}
    assert Counter(call.chat_id for call in telegram.sent) == Counter(chats)
    assert {row.status for row in rows.values()} == {Status.SENT}
    assert all(
        row.telegram_message_id == sends[chat].result["message_id"]
        for chat, row in rows.items()
    )
    # Every transient error cost one attempt; a 429 cost none.
    tries = Counter(
        call.chat_id for call in telegram.calls if call.chat_id and call.status != 429
    )
    assert {chat: row.attempts for chat, row in rows.items()} == dict(tries)
    # The storm raged: every kind of fault, many pauses.
    assert {429, 500, 502, 503, 504} <= set(errors)
    assert telegram.storm_pauses >= 5
    # 429s were honoured: a send that came during a pause was already on its
    # way when the pause began (one per other lane at most), none started in it.
    in_pause = Counter(pause for _chat, pause, _after in telegram.sent_in_pause)
    assert max(in_pause.values(), default=0) <= LANES - 1
    _assert_mailing_done(mailing, sent=RECIPIENTS)


def test_drain_retries_a_timed_out_send_that_telegram_delivered(telegram, settings):
    """A send that timed out is retried, as designed: Telegram has no idempotency
    key, so if it delivered the first, the recipient sees the message twice;
    the outbox counts it once, as sent (in doubt is for a worker that died)."""
    settings.TELEGRAM_REQUEST_TIMEOUT = 0.5
    mailing, chats = _mailing_to(3)
    slow = chats[0]
    telegram.delay_next(1, 1.5, method="sendMessage", chat_id=slow)

    first = outbox_drain()
    assert telegram.wait_for(lambda: telegram.sent_to(slow), timeout=5)
    # The retry's backoff has been waited for.
    OutboxMessage.objects.filter(status=Status.PENDING).update(
        next_attempt_at=timezone.now()
    )
    second = outbox_drain()

    assert (first.sent, first.retried, second.sent) == (2, 1, 1)
    assert Counter(call.chat_id for call in telegram.sent) == {
        slow: 2,
        chats[1]: 1,
        chats[2]: 1,
    }
    row = OutboxMessage.objects.get(chat_id=slow)
    assert (row.status, row.attempts) == (Status.SENT, 2)
    assert row.telegram_message_id == telegram.sent_to(slow)[-1].result["message_id"]
    _assert_mailing_done(mailing, sent=3)


def _assert_mailing_done(mailing: Mailing, *, sent: int) -> None:
    mailings_dispatch_due()
    mailing.refresh_from_db()
    stats = mailing_stats(mailing)
    assert mailing.status == Mailing.Status.DONE
    assert mailing.recipients_count == stats.total == sent
    assert stats.by_status == {Status.SENT: sent}
    assert stats.failed_reasons == []
