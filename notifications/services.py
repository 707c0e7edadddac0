"""Services of the transport: putting messages into the outbox."""

from django.utils import timezone

from core.models import Participant
from notifications.models import OutboxMessage


def message_enqueue(
    participant: Participant,
    *,
    kind: str,
    text: str,
    dedupe_key: str,
    photo: str = "",
    buttons: list | None = None,
) -> OutboxMessage:
    """Put a message into the outbox, in the caller's transaction; at most once per key.

    A participant who blocked the bot gets nothing: the row is kept as `blocked`
    so that statistics show who was not reached.
    """
    status = OutboxMessage.Status.PENDING
    if participant.has_blocked_bot or participant.telegram_id is None:
        status = OutboxMessage.Status.BLOCKED
    message, _created = OutboxMessage.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "participant": participant,
            "kind": kind,
            "text": text,
            "photo": photo,
            "buttons": buttons or [],
            "status": status,
            "next_attempt_at": timezone.now(),
        },
    )
    return message
