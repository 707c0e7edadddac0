"""The sender's steps on the outbox: claim a row, record what Telegram answered.

A row is claimed only for the moment of its request; a worker that dies leaves
at most its in-flight rows in `sending`, which `outbox_sweep` resolves.
"""

import dataclasses
import datetime as dt
import logging
import random

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from notifications.models import OutboxMessage
from notifications.services.audience import participant_time_zones
from notifications.services.outbox import (
    IN_DOUBT_NOTE,
    outbox_kick,
    participant_mark_blocked,
)
from notifications.telegram import Outcome

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status
RETRY_BASE_SECONDS = 2.0
RETRY_CAP_SECONDS = 600.0
# How long rows wait after a "wrong token / wrong API address" answer.
BROKEN_PAUSE_SECONDS = 60


@transaction.atomic
def message_claim_next(*, now: dt.datetime | None = None) -> OutboxMessage | None:
    """Take the most urgent due message for sending, skipping rows other senders hold.

    A mailing message whose recipient is in the mailing's quiet hours goes back
    to wait for their end instead.
    """
    now = now or timezone.now()
    while True:
        message = (
            OutboxMessage.objects.due(now)
            .select_related("mailing")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("priority", "next_attempt_at", "id")
            .first()
        )
        if message is None:
            return None
        quiet_until = _quiet_until(message, now)
        if quiet_until is None:
            break
        message.next_attempt_at = quiet_until
        message.save(update_fields=["next_attempt_at"])
    message.status = Status.SENDING
    message.claimed_at = now
    message.attempts += 1
    message.save(update_fields=["status", "claimed_at", "attempts"])
    return message


def _quiet_until(message: OutboxMessage, now: dt.datetime) -> dt.datetime | None:
    mailing = message.mailing
    if mailing is None or not mailing.has_quiet_hours or message.participant_id is None:
        return None
    zones = participant_time_zones([message.participant_id], mailing=mailing)
    return mailing.quiet_until(now, zones[message.participant_id])


def outbox_due_in(*, now: dt.datetime | None = None) -> float | None:
    """Return seconds until the next pending message is due (<= 0: now), or None."""
    now = now or timezone.now()
    next_at = (
        OutboxMessage.objects.pending()
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .exclude(next_attempt_at=None)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return None if next_at is None else (next_at - now).total_seconds()


@dataclasses.dataclass(frozen=True)
class OutboxBacklog:
    """Messages due and not yet sent: how many, and how long the oldest has waited."""

    waiting: int
    oldest_wait: float | None


def outbox_backlog(*, now: dt.datetime | None = None) -> OutboxBacklog:
    """Return the backlog of due messages (for readiness; counts only)."""
    now = now or timezone.now()
    found = OutboxMessage.objects.due(now).aggregate(
        waiting=Count("pk"), oldest_due_at=Min("next_attempt_at")
    )
    oldest_due_at = found["oldest_due_at"]
    return OutboxBacklog(
        waiting=found["waiting"],
        oldest_wait=(
            None if oldest_due_at is None else (now - oldest_due_at).total_seconds()
        ),
    )


def _finish(message: OutboxMessage, **fields: object) -> bool:
    """Write the outcome of a send unless staff resolved the row meanwhile.

    A conditional update rather than `save`: the sender holds no lock while
    Telegram answers, and an `in_doubt` row may be resolved by the answer.
    """
    fields.setdefault("claimed_at", None)
    updated = OutboxMessage.objects.filter(
        pk=message.pk, status__in=[Status.SENDING, Status.IN_DOUBT]
    ).update(**fields)
    for name, value in fields.items():
        if not hasattr(value, "resolve_expression"):
            setattr(message, name, value)
    return bool(updated)


def message_mark_sent(
    message: OutboxMessage,
    *,
    telegram_message_id: int | None,
    error: str = "",
    now: dt.datetime | None = None,
) -> OutboxMessage:
    """Record that Telegram accepted the message."""
    _finish(
        message,
        status=Status.SENT,
        sent_at=now or timezone.now(),
        telegram_message_id=telegram_message_id,
        last_error=error,
    )
    return message


def message_retry_later(
    message: OutboxMessage, *, error: str, now: dt.datetime | None = None
) -> OutboxMessage:
    """Schedule another try after a transient error, with capped exponential backoff.

    After `OUTBOX_MAX_ATTEMPTS` tries the message is failed.
    """
    now = now or timezone.now()
    if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        return message_mark_failed(
            message, error=f"Gave up after {message.attempts} attempts: {error}"
        )
    delay = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** (message.attempts - 1))
    # Jitter spreads the retries of many messages that failed together.
    delay *= random.uniform(0.8, 1.2)
    _finish(
        message,
        status=Status.PENDING,
        next_attempt_at=now + dt.timedelta(seconds=delay),
        last_error=error,
    )
    return message


def message_release(
    message: OutboxMessage, *, until: dt.datetime, error: str = ""
) -> OutboxMessage:
    """Put back a claimed message that was not sent (rate limit); the try does not count."""
    _finish(
        message,
        status=Status.PENDING,
        next_attempt_at=until,
        attempts=F("attempts") - 1,
        last_error=error or message.last_error,
    )
    message.attempts -= 1
    return message


def message_mark_failed(message: OutboxMessage, *, error: str) -> OutboxMessage:
    """Record a permanent failure (Telegram refused the message itself)."""
    _finish(message, status=Status.FAILED, last_error=error)
    return message


def message_mark_blocked(message: OutboxMessage, *, error: str) -> OutboxMessage:
    """Record that the recipient blocked the bot, and stop sending them anything."""
    if message.participant_id is None:
        return message_mark_failed(message, error=error)
    with transaction.atomic():
        _finish(message, status=Status.BLOCKED, last_error=error)
        participant_mark_blocked(message.participant)
    return message


def outcome_apply(message: OutboxMessage, outcome: Outcome) -> OutboxMessage:
    """Record the outcome of a send on the outbox row."""
    now = timezone.now()
    if outcome.kind == Outcome.SENT:
        return message_mark_sent(
            message,
            telegram_message_id=outcome.telegram_message_id,
            error=outcome.error,
        )
    if outcome.kind == Outcome.RETRY:
        return message_retry_later(message, error=outcome.error, now=now)
    if outcome.kind == Outcome.RATE_LIMITED:
        until = now + dt.timedelta(seconds=outcome.retry_after)
        return message_release(message, until=until, error=outcome.error)
    if outcome.kind == Outcome.BLOCKED:
        return message_mark_blocked(message, error=outcome.error)
    if outcome.kind == Outcome.BROKEN:
        until = now + dt.timedelta(seconds=BROKEN_PAUSE_SECONDS)
        return message_release(message, until=until, error=outcome.error)
    return message_mark_failed(message, error=outcome.error)


def outbox_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Resolve rows stuck in `sending`, and expire overdue ones.

    A row is stuck when its sender has held it longer than `OUTBOX_SENDING_LEASE`
    seconds, far longer than a Telegram request may take: its worker died. If
    its request may have reached Telegram (it carries an in-flight mark, or
    marks are unknowable without Redis) it becomes `in_doubt` and is not sent
    again; otherwise it goes back to the queue. Safe to run any time and twice.
    """
    from notifications.ratelimit import inflight_marked

    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.OUTBOX_SENDING_LEASE)
    stuck = list(
        OutboxMessage.objects.filter(
            status=Status.SENDING, claimed_at__lt=now - lease
        ).values_list("pk", flat=True)
    )
    marked = inflight_marked(stuck) if stuck else set()
    doubtful = stuck if marked is None else [pk for pk in stuck if pk in marked]
    unsent = [pk for pk in stuck if pk not in doubtful]
    # Conditional on `sending`: a slow sender may record its outcome meanwhile.
    in_doubt = OutboxMessage.objects.filter(
        pk__in=doubtful, status=Status.SENDING
    ).update(status=Status.IN_DOUBT, last_error=IN_DOUBT_NOTE, claimed_at=None)
    requeued = OutboxMessage.objects.filter(
        pk__in=unsent, status=Status.SENDING
    ).update(
        status=Status.PENDING,
        attempts=F("attempts") - 1,
        next_attempt_at=now,
        claimed_at=None,
    )
    expired = (
        OutboxMessage.objects.pending()
        .filter(expires_at__lte=now)
        .update(status=Status.EXPIRED, next_attempt_at=None)
    )
    if in_doubt:
        logger.warning(
            "Outbox: %d message(s) in doubt after a worker stopped", in_doubt
        )
    if requeued:
        outbox_kick()
    return {"in_doubt": in_doubt, "requeued": requeued, "expired": expired}
