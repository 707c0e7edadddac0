import contextlib
import datetime as dt
import threading

import pytest
from celery.signals import task_prerun
from django.db import connection, transaction
from django.utils import timezone

from notifications.exceptions import OutboxMessageWrongStatus
from notifications.models import Mailing, OutboxMessage
from notifications.services import (
    message_claim_next,
    message_confirm_delivered,
    message_enqueue,
    message_mark_blocked,
    message_mark_sent,
    message_release,
    message_requeue,
    message_retry_later,
    outbox_due_in,
    outbox_sweep,
    participant_mark_blocked,
)
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

Status = OutboxMessage.Status
NOW = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)


def enqueue(participant=None, key="k", **kwargs):
    participant = participant or ParticipantFactory()
    kwargs.setdefault("not_before", NOW)
    return message_enqueue(
        participant, kind=OutboxMessage.Kind.SHIFT, text="Hi", dedupe_key=key, **kwargs
    )


def claimed(message, *, at=NOW):
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, claimed_at=at, attempts=1
    )
    message.refresh_from_db()
    return message


def test_message_enqueue_stores_the_chat_and_is_idempotent():
    participant = ParticipantFactory()

    first = enqueue(participant, key="once")
    again = enqueue(participant, key="once")

    assert first.pk == again.pk
    assert first.status == Status.PENDING
    assert first.chat_id == participant.telegram_id


def test_message_enqueue_without_telegram_is_kept_as_blocked():
    message = enqueue(ParticipantFactory(telegram_id=None))

    assert message.status == Status.BLOCKED


@pytest.fixture
def drains_started(settings):
    """Count the drain tasks started (run eagerly; without a token they send nothing)."""
    settings.OUTBOX_KICK_ENABLED = True
    settings.TELEGRAM_BOT_TOKEN = ""
    started = []

    def count(sender, **kwargs):
        if sender.name == "notifications.tasks.outbox_drain_task":
            started.append(sender.name)

    task_prerun.connect(count, weak=False)
    yield started
    task_prerun.disconnect(count)


def test_message_enqueue_starts_the_sender_once_per_transaction(
    drains_started, django_capture_on_commit_callbacks
):
    participant = ParticipantFactory()

    for _transaction in range(2):
        with (
            django_capture_on_commit_callbacks(execute=True),
            transaction.atomic(),
        ):
            for number in range(3):
                enqueue(participant, key=f"k{_transaction}-{number}")

    assert len(drains_started) == 2


def test_message_enqueue_after_a_rolled_back_transaction_starts_the_sender(
    drains_started, django_capture_on_commit_callbacks
):
    participant = ParticipantFactory()

    with django_capture_on_commit_callbacks(execute=True):
        with contextlib.suppress(RuntimeError), transaction.atomic():
            enqueue(participant, key="undone")
            raise RuntimeError("rolled back")
        with transaction.atomic():
            enqueue(participant, key="kept")

    assert len(drains_started) == 1


def test_message_claim_next_takes_the_most_urgent_due_row():
    later = enqueue(key="later", not_before=NOW - dt.timedelta(minutes=1))
    bulk = enqueue(key="bulk", not_before=NOW - dt.timedelta(hours=1), priority=10)
    urgent = enqueue(key="urgent", not_before=NOW - dt.timedelta(seconds=1))
    enqueue(key="future", not_before=NOW + dt.timedelta(minutes=1))
    enqueue(key="expired", not_before=NOW - dt.timedelta(hours=2), expires_at=NOW)

    order = [message_claim_next(now=NOW) for _ in range(4)]

    assert order == [later, urgent, bulk, None]
    later.refresh_from_db()
    assert (later.status, later.attempts, later.claimed_at) == (Status.SENDING, 1, NOW)


def test_message_claim_next_defers_a_mailing_row_in_quiet_hours(settings):
    settings.TIME_ZONE = "Europe/Moscow"
    mailing = Mailing.objects.create(title="M", text="x", quiet_from=22, quiet_to=9)
    participant = ParticipantFactory()
    at_night = dt.datetime(2027, 3, 1, 23, tzinfo=dt.UTC)  # 02:00 in Moscow
    message = enqueue(participant, mailing=mailing, not_before=at_night)

    assert message_claim_next(now=at_night) is None

    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.next_attempt_at == dt.datetime(2027, 3, 2, 6, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL"
)
def test_message_claim_next_skips_rows_another_sender_holds():
    held, free = enqueue(key="held"), enqueue(key="free")
    locked, release = threading.Event(), threading.Event()

    def other_sender():
        with transaction.atomic():
            OutboxMessage.objects.select_for_update().get(pk=held.pk)
            locked.set()
            release.wait(5)
        connection.close()

    thread = threading.Thread(target=other_sender)
    thread.start()
    assert locked.wait(5)
    try:
        taken = message_claim_next(now=NOW)
    finally:
        release.set()
        thread.join(5)

    assert taken == free


def retry(message, *, attempts):
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, attempts=attempts
    )
    message.refresh_from_db()
    message_retry_later(message, error="Bad Gateway", now=NOW)
    message.refresh_from_db()
    return message


def test_message_retry_later_backs_off_exponentially(settings):
    message = enqueue()

    first = retry(message, attempts=1).next_attempt_at - NOW
    third = retry(message, attempts=3).next_attempt_at - NOW
    capped = retry(message, attempts=settings.OUTBOX_MAX_ATTEMPTS - 1)

    assert dt.timedelta(seconds=1.6) <= first <= dt.timedelta(seconds=2.4)
    assert dt.timedelta(seconds=6.4) <= third <= dt.timedelta(seconds=9.6)
    assert capped.next_attempt_at - NOW <= dt.timedelta(minutes=12)
    assert (capped.status, capped.last_error) == (Status.PENDING, "Bad Gateway")


def test_message_retry_later_gives_up_after_max_attempts(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3

    message = retry(enqueue(), attempts=3)

    assert message.status == Status.FAILED
    assert message.last_error == "Gave up after 3 attempts: Bad Gateway"


def test_message_release_does_not_count_the_attempt():
    message = claimed(enqueue())

    message_release(message, until=NOW + dt.timedelta(seconds=3), error="429")

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 0)
    assert message.next_attempt_at == NOW + dt.timedelta(seconds=3)


def test_message_mark_blocked_stops_everything_to_the_participant():
    participant = ParticipantFactory()
    sending = claimed(enqueue(participant, key="a"))
    waiting = enqueue(participant, key="b")

    message_mark_blocked(sending, error="Forbidden: bot was blocked by the user")

    participant.refresh_from_db()
    assert participant.has_blocked_bot
    assert set(
        OutboxMessage.objects.filter(pk__in=[sending.pk, waiting.pk]).values_list(
            "status", flat=True
        )
    ) == {Status.BLOCKED}
    assert enqueue(participant, key="c").status == Status.BLOCKED


def test_participant_mark_blocked_keeps_the_first_moment():
    participant = ParticipantFactory()

    participant_mark_blocked(participant, now=NOW)
    participant_mark_blocked(participant, now=NOW + dt.timedelta(days=1))

    participant.refresh_from_db()
    assert participant.blocked_bot_at == NOW


def test_message_mark_sent_resolves_an_in_doubt_row_but_not_a_requeued_one():
    doubtful = claimed(enqueue(key="a"))
    OutboxMessage.objects.filter(pk=doubtful.pk).update(status=Status.IN_DOUBT)
    requeued = claimed(enqueue(key="b"))
    OutboxMessage.objects.filter(pk=requeued.pk).update(status=Status.PENDING)

    message_mark_sent(doubtful, telegram_message_id=7)
    message_mark_sent(requeued, telegram_message_id=8)

    doubtful.refresh_from_db()
    requeued.refresh_from_db()
    assert (doubtful.status, doubtful.telegram_message_id) == (Status.SENT, 7)
    assert (requeued.status, requeued.telegram_message_id) == (Status.PENDING, None)


def test_outbox_sweep_reports_only_rows_whose_request_may_have_left(settings):
    settings.OUTBOX_SENDING_LEASE = 60
    old = NOW - dt.timedelta(minutes=5)
    requested = claimed(enqueue(key="requested"), at=old)
    claimed(enqueue(key="waiting"), at=old)
    claimed(enqueue(key="fresh"), at=NOW)
    enqueue(key="overdue", expires_at=NOW - dt.timedelta(seconds=1))
    marks = {requested.pk} if settings.REDIS_URL else None
    _mark_in_flight(settings, marks)

    result = outbox_sweep(now=NOW)

    statuses = dict(OutboxMessage.objects.values_list("dedupe_key", "status"))
    if settings.REDIS_URL:
        assert result == {"in_doubt": 1, "requeued": 1, "expired": 1}
        assert statuses["waiting"] == Status.PENDING
    else:
        # Without Redis nobody can tell: every stuck row is in doubt.
        assert result == {"in_doubt": 2, "requeued": 0, "expired": 1}
        assert statuses["waiting"] == Status.IN_DOUBT
    assert statuses["requested"] == Status.IN_DOUBT
    assert statuses["fresh"] == Status.SENDING
    assert statuses["overdue"] == Status.EXPIRED


def _mark_in_flight(settings, message_ids) -> None:
    if not message_ids:
        return
    import redis

    from notifications.ratelimit import limiter_prefix

    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = limiter_prefix(settings.TELEGRAM_BOT_TOKEN)
    for message_id in message_ids:
        client.set(f"{prefix}:inflight:{message_id}", 1, px=60_000)
    client.close()


def test_message_requeue_and_confirm_resolve_in_doubt_rows(admin_user):
    first, second = claimed(enqueue(key="a")), claimed(enqueue(key="b"))
    OutboxMessage.objects.update(status=Status.IN_DOUBT)

    message_requeue(first, by=admin_user, now=NOW)
    message_confirm_delivered(second, by=admin_user, now=NOW)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.attempts, first.next_attempt_at) == (
        Status.PENDING,
        0,
        NOW,
    )
    assert (second.status, second.sent_at) == (Status.SENT, NOW)
    assert "Confirmed as delivered by root" in second.last_error


def test_message_requeue_refuses_a_sent_message(admin_user):
    message = enqueue()
    OutboxMessage.objects.update(status=Status.SENT)

    with pytest.raises(OutboxMessageWrongStatus):
        message_requeue(message, by=admin_user)


def test_outbox_due_in_ignores_expired_and_held_rows():
    enqueue(key="held", not_before=None)
    OutboxMessage.objects.update(next_attempt_at=None)
    enqueue(key="expired", expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert outbox_due_in() is None

    enqueue(key="soon", not_before=timezone.now() + dt.timedelta(seconds=30))

    assert 0 < outbox_due_in() <= 30
