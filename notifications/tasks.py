"""Celery tasks of the transport; the rules live in the services they call."""

from celery import shared_task

from notifications.sender import outbox_drain
from notifications.services import mailings_dispatch_due, outbox_sweep


@shared_task(ignore_result=True)
def outbox_drain_task() -> None:
    """Send what the outbox holds (returns at once if another sender runs)."""
    outbox_drain()


@shared_task(ignore_result=True)
def outbox_sweep_task() -> None:
    """Report messages stuck in `sending` as in doubt; expire overdue ones."""
    outbox_sweep()


@shared_task(ignore_result=True)
def mailings_dispatch_due_task() -> None:
    """Fan out due mailings and close finished ones."""
    mailings_dispatch_due()
