"""Waiting for the outbox to settle, in tests that drain it with a real worker."""

from django.utils import timezone

from notifications.models import OutboxMessage

UNSETTLED = [OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING]


def outbox_settled() -> bool:
    """Tell whether no message waits or is being sent."""
    return not OutboxMessage.objects.filter(status__in=UNSETTLED).exists()


def outbox_unsettled() -> list:
    """Describe what still waits, for the failure message."""
    waiting = OutboxMessage.objects.filter(status__in=UNSETTLED)
    return [
        *waiting.values_list("status", "attempts", "next_attempt_at", "last_error"),
        ("now", timezone.now()),
    ]
