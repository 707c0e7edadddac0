"""The outbox: queueing messages, blocked participants, staff decisions.

A row goes `pending -> sending -> sent`, or back to `pending` for a retry, or to
`failed` / `blocked` / `expired` / `cancelled`, or `in_doubt` when its worker
died mid-request (see `services.sending`); staff decide about those.
"""

import datetime as dt
import functools
import threading

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.audit import audit_record
from core.celery import task_kick
from core.models import Participant, User
from notifications.exceptions import (
    OutboxMessageRecipientErased,
    OutboxMessageWrongStatus,
)
from notifications.models import Mailing, OutboxMessage

Status = OutboxMessage.Status
IN_DOUBT_NOTE = "The worker stopped while sending; Telegram may have delivered it."


def message_enqueue(
    participant: Participant,
    *,
    kind: str,
    text: str,
    dedupe_key: str,
    photo: str = "",
    buttons: list | None = None,
    not_before: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    mailing: Mailing | None = None,
    priority: int = OutboxMessage.PRIORITY_HIGH,
) -> OutboxMessage:
    """Put a message into the outbox, in the caller's transaction; at most once per key.

    A participant who blocked the bot gets nothing: the row is kept as `blocked`
    so that statistics show who was not reached. After commit the sender is
    started, so the message goes out within moments.
    """
    status = _status_for(participant)
    message, created = OutboxMessage.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "participant": participant,
            "chat_id": participant.telegram_id,
            "kind": kind,
            "text": text,
            "photo": photo,
            "buttons": buttons or [],
            "status": status,
            "next_attempt_at": not_before or timezone.now(),
            "expires_at": expires_at,
            "mailing": mailing,
            "priority": priority,
        },
    )
    if created and status == Status.PENDING:
        outbox_kick()
    return message


def messages_enqueue(messages: list[OutboxMessage]) -> None:
    """Put unsaved messages to participants into the outbox in one insert, in the
    caller's transaction; a key already queued is skipped.

    Each message gives its participant, kind, text and deduplication key (and
    optionally photo, buttons, times, priority). As with `message_enqueue`, a
    participant who blocked the bot gets a `blocked` row, and the sender is
    started after commit.
    """
    now = timezone.now()
    for message in messages:
        message.chat_id = message.participant.telegram_id
        message.status = _status_for(message.participant)
        message.next_attempt_at = message.next_attempt_at or now
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    if any(message.status == Status.PENDING for message in messages):
        outbox_kick()


def _status_for(participant: Participant) -> str:
    if participant.has_blocked_bot or participant.telegram_id is None:
        return Status.BLOCKED
    return Status.PENDING


def message_enqueue_to_staff(
    user: User, *, kind: str, text: str, dedupe_key: str, **content: object
) -> OutboxMessage:
    """Queue a message to a staff member's own Telegram chat (test mailings)."""
    message, created = OutboxMessage.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "chat_id": user.telegram_chat_id,
            "kind": kind,
            "text": text,
            "next_attempt_at": timezone.now(),
            **content,
        },
    )
    if created:
        outbox_kick()
    return message


def outbox_kick() -> None:
    """Start the sender after the current transaction commits (once per transaction).

    Each call registers a callback, but only the first of a commit's callbacks
    queues the drain: opening a day enqueues a message per member in one
    transaction, and a task per message would flood the sender's queue with
    drains that find the lock taken. Each callback carries the thread's count of
    queued drains at registration; the first to run moves the count on, so the
    rest of that commit's callbacks see they are stale. A rollback drops the
    callbacks without moving it, so the next transaction kicks as usual. (Only
    public Django API: nothing reads the connection's list of callbacks.)
    """
    if not settings.OUTBOX_KICK_ENABLED:
        return
    # A broker that is down must not turn a committed change into an error; the
    # periodic drain (beat, every 10 s) sends the message then.
    transaction.on_commit(
        functools.partial(_drain_start, generation=_kicks.queued), robust=True
    )


class _Kicks(threading.local):
    """Drains queued by this thread: per thread, as Django's connections are."""

    queued = 0


_kicks = _Kicks()


def _drain_start(*, generation: int) -> None:
    from notifications.tasks import outbox_drain_task

    if _kicks.queued != generation:
        return  # an earlier callback of this commit queued the drain
    _kicks.queued += 1
    task_kick(outbox_drain_task)


@transaction.atomic
def participant_mark_blocked(
    participant: Participant, *, now: dt.datetime | None = None
) -> Participant:
    """Record that the participant blocked the bot; their queued messages are dropped.

    Nothing more is sent to them until they write to the bot again.
    """
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.blocked_bot_at is None:
        participant.blocked_bot_at = now or timezone.now()
        participant.save(update_fields=["blocked_bot_at", "updated_at"])
    OutboxMessage.objects.filter(participant=participant, status=Status.PENDING).update(
        status=Status.BLOCKED, last_error="The participant blocked the bot."
    )
    return participant


def participant_messages_erase(participant: Participant) -> int:
    """Forget what the outbox holds about an erased participant; return how many
    queued messages were cancelled.

    Queued messages are cancelled; every message to them loses its text (which
    may name them) and chat id. Rows and statuses stay, so mailing statistics
    still count them.
    """
    messages = OutboxMessage.objects.filter(participant=participant)
    cancelled = messages.filter(status=Status.PENDING).update(
        status=Status.CANCELLED, last_error="The participant was erased."
    )
    messages.update(text="", chat_id=None)
    return cancelled


# -- staff decisions ---------------------------------------------------------------

REQUEUE_FROM = (Status.IN_DOUBT, Status.FAILED, Status.EXPIRED)


@transaction.atomic
def message_requeue(
    message: OutboxMessage, *, by: User | None, now: dt.datetime | None = None
) -> OutboxMessage:
    """Send a message again: staff checked an in-doubt one did not arrive, or retry a failure."""
    message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    _require(message, *REQUEUE_FROM)
    if message.participant_id is not None and message.chat_id is None:
        # `participant_messages_erase` took the address away.
        raise OutboxMessageRecipientErased()
    message.status = Status.PENDING
    message.attempts = 0
    message.next_attempt_at = now or timezone.now()
    message.expires_at = None
    message.save(update_fields=["status", "attempts", "next_attempt_at", "expires_at"])
    audit_record(message, by=by, action=gettext_noop("Queued to be sent again."))
    outbox_kick()
    return message


@transaction.atomic
def message_confirm_delivered(
    message: OutboxMessage, *, by: User | None, now: dt.datetime | None = None
) -> OutboxMessage:
    """Resolve an in-doubt message as delivered (staff checked with the recipient)."""
    message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    _require(message, Status.IN_DOUBT)
    message.status = Status.SENT
    message.sent_at = now or timezone.now()
    message.last_error = f"{IN_DOUBT_NOTE} Confirmed as delivered by {by}."
    message.save(update_fields=["status", "sent_at", "last_error"])
    audit_record(message, by=by, action=gettext_noop("Confirmed as delivered."))
    return message


def _require(message: OutboxMessage, *statuses: str) -> None:
    if message.status not in statuses:
        raise OutboxMessageWrongStatus(
            recipient=str(message.participant or message.chat_id),
            status=message.get_status_display(),
            expected=" / ".join(str(Status(status).label) for status in statuses),
        )
