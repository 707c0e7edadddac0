"""Mailings: drafts, scheduling, pause / resume / cancel / duplicate, tests, statistics.

Fan-out when a mailing becomes due is in `services.dispatch`.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.audit import ADDED, ADDITION, CHANGED, audit_record, fields_changed
from core.celery import task_kick
from core.models import User
from notifications.exceptions import (
    MailingInvalid,
    MailingNoRecipients,
    MailingWrongStatus,
    StaffChatUnknown,
)
from notifications.formatting import buttons_parse, template_fill
from notifications.models import Mailing, OutboxMessage
from notifications.services.audience import (
    Audience,
    audience_participants,
)
from notifications.services.outbox import (
    message_enqueue_to_staff,
    outbox_kick,
)

Status = Mailing.Status
Outbox = OutboxMessage.Status


def mailing_problems(mailing: Mailing) -> list[str]:
    """Return why Telegram would refuse the mailing's text or buttons (empty: fine)."""
    return mailing.text_problems() + buttons_parse(mailing.buttons)[1]


def mailing_lock(mailing: Mailing, *expected: str) -> Mailing:
    """Lock the mailing's row, or raise `MailingWrongStatus` unless it is `expected`."""
    locked = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if locked.status not in expected:
        raise MailingWrongStatus(
            mailing=locked.title,
            status=locked.get_status_display(),
            expected=" / ".join(str(Status(status).label) for status in expected),
        )
    return locked


@transaction.atomic
def mailing_save_draft(
    mailing: Mailing, *, by: User | None, shift_ids: list[int] | None = None
) -> Mailing:
    """Create or change a draft; a mailing already scheduled or sent is not changed.

    Staff may open the form while a colleague schedules the same mailing: the
    lock and the status check keep a sending mailing's text from changing.
    """
    if mailing.pk is None:
        mailing.created_by = by
        mailing.status = Status.DRAFT
        mailing.save()
        audit_record(mailing, by=by, action=ADDED, flag=ADDITION)
    else:
        mailing_lock(mailing, *Mailing.EDITABLE_STATUSES)
        changed = fields_changed(mailing)
        mailing.save()
        if changed:
            audit_record(mailing, by=by, action=CHANGED, details={"fields": changed})
    if shift_ids is not None:
        mailing.shifts.set(shift_ids)
    return mailing


@transaction.atomic
def mailing_schedule(
    mailing: Mailing, *, by: User | None, now: dt.datetime | None = None
) -> Mailing:
    """Schedule a draft: it goes out at its time (or right away) to its audience."""
    now = now or timezone.now()
    mailing = mailing_lock(mailing, Status.DRAFT)
    problems = mailing_problems(mailing)
    if problems:
        raise MailingInvalid(mailing=mailing.title, problems=" ".join(problems))
    if not audience_participants(Audience.of(mailing)).exists():
        raise MailingNoRecipients(mailing=mailing.title)
    mailing.status = Status.SCHEDULED
    mailing.save(update_fields=["status", "updated_at"])
    audit_record(mailing, by=by, action=gettext_noop("Scheduled."))
    if mailing.scheduled_at is None or mailing.scheduled_at <= now:
        _dispatch_soon()
    return mailing


def _dispatch_soon() -> None:
    """Fan out right after commit instead of at the next beat (a minute at most)."""
    if settings.OUTBOX_KICK_ENABLED:
        transaction.on_commit(_dispatch_start, robust=True)


def _dispatch_start() -> None:
    from notifications.tasks import mailings_dispatch_due_task

    # A broker that is down must not fail the request; beat fans out due
    # mailings every 30 s anyway.
    task_kick(mailings_dispatch_due_task)


@transaction.atomic
def mailing_pause(mailing: Mailing, *, by: User | None) -> Mailing:
    """Hold a scheduled or sending mailing; messages in flight still finish."""
    mailing = mailing_lock(mailing, Status.SCHEDULED, Status.SENDING)
    mailing.status = Status.PAUSED
    mailing.save(update_fields=["status", "updated_at"])
    audit_record(mailing, by=by, action=gettext_noop("Paused."))
    # No due time: the sender does not see these rows until `mailing_resume`.
    mailing.deliveries.filter(status=Outbox.PENDING).update(next_attempt_at=None)
    return mailing


@transaction.atomic
def mailing_resume(
    mailing: Mailing, *, by: User | None, now: dt.datetime | None = None
) -> Mailing:
    """Continue a paused mailing where it stopped (quiet hours still apply)."""
    now = now or timezone.now()
    mailing = mailing_lock(mailing, Status.PAUSED)
    if mailing.fanned_out_at is None:
        mailing.status = Status.SCHEDULED
        if mailing.scheduled_at is None or mailing.scheduled_at <= now:
            _dispatch_soon()
    else:
        mailing.status = Status.SENDING
        mailing.deliveries.filter(status=Outbox.PENDING).update(next_attempt_at=now)
        outbox_kick()
    mailing.save(update_fields=["status", "updated_at"])
    audit_record(mailing, by=by, action=gettext_noop("Resumed."))
    return mailing


@transaction.atomic
def mailing_cancel(mailing: Mailing, *, by: User | None) -> Mailing:
    """Stop a mailing for good: messages not sent yet are cancelled."""
    mailing = mailing_lock(mailing, Status.DRAFT, *Mailing.ACTIVE_STATUSES)
    mailing.status = Status.CANCELLED
    mailing.finished_at = timezone.now()
    mailing.save(update_fields=["status", "finished_at", "updated_at"])
    mailing.deliveries.filter(status=Outbox.PENDING).update(
        status=Outbox.CANCELLED, next_attempt_at=None
    )
    audit_record(mailing, by=by, action=gettext_noop("Cancelled."))
    return mailing


@transaction.atomic
def mailing_duplicate(mailing: Mailing, *, by: User | None) -> Mailing:
    """Return a new draft with the same text, photo, buttons, audience and schedule."""
    copy = Mailing.objects.get(pk=mailing.pk)
    shift_ids = list(mailing.shifts.values_list("pk", flat=True))
    copy.pk = copy.id = None
    copy._state.adding = True
    copy.title = f"{mailing.title} (2)"
    copy.status = Status.DRAFT
    copy.created_by = by
    copy.recipients_count = 0
    copy.fanned_out_at = copy.finished_at = None
    copy.save()
    copy.shifts.set(shift_ids)
    audit_record(
        copy,
        by=by,
        action=gettext_noop("Copied from “%(original)s”."),
        details={"original": mailing.title},
        flag=ADDITION,
    )
    return copy


@transaction.atomic
def mailing_send_test(mailing: Mailing, *, by: User) -> OutboxMessage:
    """Send the mailing to the staff member's own Telegram chat, as a participant sees it."""
    if by.telegram_chat_id is None:
        raise StaffChatUnknown(user=by.get_username())
    problems = mailing_problems(mailing)
    if problems:
        raise MailingInvalid(mailing=mailing.title, problems=" ".join(problems))
    context = {
        "name": by.first_name or by.get_username(),
        "last_name": by.last_name,
        "city": "",
        "shift": "",
        "points": 0,
    }
    audit_record(mailing, by=by, action=gettext_noop("Sent as a test to themselves."))
    return message_enqueue_to_staff(
        by,
        kind=OutboxMessage.Kind.TEST,
        text=template_fill(mailing.text, context),
        dedupe_key=f"mailing:{mailing.pk}:test:{uuid.uuid4().hex}",
        photo=mailing.photo.name if mailing.photo else "",
        buttons=buttons_parse(mailing.buttons)[0],
    )


@dataclass(frozen=True)
class MailingStats:
    total: int
    by_status: dict[str, int]
    failed_reasons: list[tuple[str, int]]

    @property
    def done(self) -> int:
        waiting = self.by_status.get(Outbox.PENDING, 0)
        return self.total - waiting - self.by_status.get(Outbox.SENDING, 0)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def mailing_stats(mailing: Mailing) -> MailingStats:
    """Count the mailing's deliveries by status, and failures by Telegram's reason."""
    by_status = dict(
        mailing.deliveries.order_by()
        .values_list("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    reasons = []
    if by_status.get(Outbox.FAILED):
        reasons = list(
            mailing.deliveries.filter(status=Outbox.FAILED)
            .order_by()
            .values_list("last_error")
            .annotate(count=Count("pk"))
            .order_by("-count")
            .values_list("last_error", "count")[:10]
        )
    return MailingStats(sum(by_status.values()), by_status, reasons)
