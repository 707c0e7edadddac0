"""Mailings becoming due: fan-out to the outbox, and closing finished ones."""

import datetime as dt
import itertools

from django.db import transaction
from django.utils import timezone

from notifications.exceptions import MailingWrongStatus
from notifications.formatting import buttons_parse
from notifications.models import Mailing, OutboxMessage
from notifications.services.audience import (
    Audience,
    audience_participants,
    mailing_text,
    recipients_info,
)
from notifications.services.mailings import mailing_lock
from notifications.services.outbox import messages_enqueue

FAN_OUT_BATCH = 2000
Status = Mailing.Status
Outbox = OutboxMessage.Status


def mailings_dispatch_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Fan out the mailings that are due, and close those with nothing left to send.

    Run by beat; safe to run twice (each recipient's row has a unique key).
    """
    now = now or timezone.now()
    due = Mailing.objects.filter(status=Status.SCHEDULED).exclude(scheduled_at__gt=now)
    fanned_out = 0
    for mailing_id in due.values_list("pk", flat=True):
        fanned_out += mailing_fan_out(Mailing(pk=mailing_id), now=now)
    finished = 0
    for mailing in Mailing.objects.filter(status=Status.SENDING):
        finished += mailing_finish_if_done(mailing, now=now)
    return {"recipients": fanned_out, "finished": finished}


@transaction.atomic
def mailing_fan_out(mailing: Mailing, *, now: dt.datetime | None = None) -> int:
    """Fix the recipients of a due mailing: one outbox row each; start sending.

    Recipients in their quiet hours get a row that waits for the hours to end.
    Returns the number of recipients (0 if another process did it already).
    """
    now = now or timezone.now()
    try:
        mailing = mailing_lock(mailing, Status.SCHEDULED)
    except MailingWrongStatus:
        return 0
    start = max(now, mailing.scheduled_at or now)
    buttons = buttons_parse(mailing.buttons)[0]
    audience = Audience.of(mailing)
    participants = audience_participants(audience, today=now.date())
    total = 0
    for batch in _batches(participants.order_by("pk").iterator(FAN_OUT_BATCH)):
        info = recipients_info([p.pk for p in batch], shift_ids=audience.shift_ids)
        rows = [
            OutboxMessage(
                participant=participant,
                mailing=mailing,
                kind=OutboxMessage.Kind.MAILING,
                text=mailing_text(mailing, participant, info[participant.pk]),
                photo=mailing.photo.name if mailing.photo else "",
                buttons=buttons,
                dedupe_key=f"mailing:{mailing.pk}:{participant.pk}",
                priority=OutboxMessage.PRIORITY_BULK,
                next_attempt_at=mailing.quiet_until(
                    start, info[participant.pk].time_zone
                )
                or start,
                expires_at=mailing.send_until,
            )
            for participant in batch
        ]
        # The outbox's one rule for the address and for who blocked the bot.
        messages_enqueue(rows)
        total += len(rows)
    mailing.status = Status.SENDING
    mailing.recipients_count = total
    mailing.fanned_out_at = now
    mailing.save(
        update_fields=["status", "recipients_count", "fanned_out_at", "updated_at"]
    )
    return total


def _batches(iterable, size: int = FAN_OUT_BATCH):
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


@transaction.atomic
def mailing_finish_if_done(mailing: Mailing, *, now: dt.datetime | None = None) -> bool:
    """Mark a sending mailing done once none of its messages waits or is in flight."""
    try:
        mailing = mailing_lock(mailing, Status.SENDING)
    except MailingWrongStatus:
        return False
    if mailing.deliveries.filter(status__in=[Outbox.PENDING, Outbox.SENDING]).exists():
        return False
    mailing.status = Status.DONE
    mailing.finished_at = now or timezone.now()
    mailing.save(update_fields=["status", "finished_at", "updated_at"])
    return True
