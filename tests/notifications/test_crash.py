"""A real worker killed mid-mailing: nobody is missed or doubled beyond the in-doubt rows."""

from collections import Counter

import pytest
from django.conf import settings

from notifications.models import Mailing, OutboxMessage
from notifications.services import (
    mailing_schedule,
    mailing_stats,
    mailings_dispatch_due,
    outbox_sweep,
)
from tests.factories import MembershipFactory, ShiftFactory
from tests.notifications.outbox_waits import outbox_settled, outbox_unsettled
from tests.workers import CeleryWorker

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"]
        or not settings.REDIS_URL,
        reason="needs PostgreSQL and Redis (a worker process shares them)",
    ),
]

RECIPIENTS = 120
# Requests the fake holds while the worker is killed: they reach Telegram anyway.
HELD = 3
LANES = 6
DRAIN = "notifications.tasks.outbox_drain_task"
Status = OutboxMessage.Status


def test_worker_killed_mid_mailing_misses_and_doubles_nobody(telegram, settings):
    shift = ShiftFactory()
    members = MembershipFactory.create_batch(RECIPIENTS, shift=shift)
    mailing = Mailing.objects.create(title="News", text="Hello, {name}!")
    mailing.shifts.set([shift])
    mailing_schedule(mailing, by=None)
    mailings_dispatch_due()
    rows = list(OutboxMessage.objects.filter(mailing=mailing).order_by("id"))
    held_chats = [row.chat_id for row in rows[40 : 40 + HELD]]
    for chat_id in held_chats:
        telegram.delay_next(1, 4.0, method="sendMessage", chat_id=chat_id)
    worker = CeleryWorker(
        env={
            "TELEGRAM_API_BASE": telegram.base_url,
            "TELEGRAM_RATE_GLOBAL": "60",
            "OUTBOX_SENDER_CONCURRENCY": str(LANES),
            "OUTBOX_DRAIN_LOCK_SECONDS": "1",
        }
    )

    with worker:
        worker.send(DRAIN)
        assert telegram.wait_for(lambda: len(telegram.sent) >= 60, timeout=30)
        worker.kill()
        stuck = OutboxMessage.objects.filter(status=Status.SENDING).count()
        # The held requests complete at "Telegram" although their sender is gone.
        assert telegram.wait_for(
            lambda: all(telegram.sent_to(chat) for chat in held_chats), timeout=10
        )
        # The worker is dead: no need to wait the production lease of minutes.
        settings.OUTBOX_SENDING_LEASE = 0
        swept = outbox_sweep()
        worker.start()
        assert telegram.wait_for(_lock_expired, timeout=10)
        worker.send(DRAIN)
        assert telegram.wait_for(outbox_settled, timeout=60), outbox_unsettled()

    sends = Counter(
        call.chat_id for call in telegram.sent if call.method == "sendMessage"
    )
    rows = {row.chat_id: row for row in OutboxMessage.objects.filter(mailing=mailing)}
    in_doubt = {chat for chat, row in rows.items() if row.status == Status.IN_DOUBT}
    assert {member.participant.telegram_id for member in members} == set(rows)
    assert {row.status for row in rows.values()} <= {Status.SENT, Status.IN_DOUBT}
    assert stuck >= HELD
    assert swept["in_doubt"] == len(in_doubt)
    assert swept["in_doubt"] + swept["requeued"] == stuck
    # The held requests were in flight: reported, and not sent a second time.
    assert set(held_chats) <= in_doubt
    assert len(in_doubt) <= LANES
    assert max(sends.values()) == 1
    assert {chat for chat in rows if sends[chat] == 0} <= in_doubt
    assert all(
        sends[chat] == 1 and row.telegram_message_id is not None
        for chat, row in rows.items()
        if row.status == Status.SENT
    )
    mailings_dispatch_due()
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DONE
    assert mailing_stats(mailing).by_status[Status.IN_DOUBT] == len(in_doubt)


def _lock_expired() -> bool:
    # The killed drain's lock lapses after OUTBOX_DRAIN_LOCK_SECONDS.
    import redis

    from notifications.ratelimit import limiter_prefix

    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        return not client.exists(f"{limiter_prefix(settings.TELEGRAM_BOT_TOKEN)}:lock")
    finally:
        client.close()
