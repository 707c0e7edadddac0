"""The shift lifecycle: start, cancel, finish."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.audit import audit_record
from core.exceptions import ShiftNotOver, ShiftWrongStatus
from core.models import Shift, User
from moderation.models import Report
from moderation.services.applications import applications_decline_pending
from notifications.formatting import template_fill
from notifications.models import OutboxMessage
from notifications.services import message_enqueue
from notifications.texts import message_render


def lock_shift(shift: Shift, *expected: Shift.Status) -> Shift:
    """Lock the shift's row; refuse with `ShiftWrongStatus` unless it is `expected`."""
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    if locked.status not in expected:
        raise ShiftWrongStatus(
            shift=locked.title,
            status=locked.get_status_display(),
            expected=" / ".join(str(status.label) for status in expected),
        )
    return locked


@transaction.atomic
def shift_start(
    shift: Shift, *, by: User | None, now: dt.datetime | None = None
) -> Shift:
    """Start a preparing shift; its days open at the task hour from the start date."""
    shift = lock_shift(shift, Shift.Status.PREPARING)
    shift.status = Shift.Status.STARTED
    shift.started_at = now or timezone.now()
    shift.save(update_fields=["status", "started_at", "updated_at"])
    audit_record(shift, by=by, action=gettext_noop("Started."))
    return shift


@transaction.atomic
def shift_cancel(shift: Shift, *, by: User | None, reason: str) -> Shift:
    """Cancel a preparing shift: pending applications are declined and applicants told."""
    shift = lock_shift(shift, Shift.Status.PREPARING)
    shift.status = Shift.Status.CANCELLED
    shift.cancelled_at = timezone.now()
    shift.save(update_fields=["status", "cancelled_at", "updated_at"])
    audit_record(
        shift,
        by=by,
        action=gettext_noop("Cancelled: %(reason)s"),
        details={"reason": reason},
    )
    applications_decline_pending(shift, by=by, reason=reason)
    return shift


@transaction.atomic
def shift_finish(
    shift: Shift, *, by: User | None, now: dt.datetime | None = None
) -> Shift:
    """Finish a shift after its end date.

    While reports still await review it becomes `ready_for_complete`; finishing that
    (when the last report is reviewed, or by staff) sends every active member the
    final message with their points.
    """
    now = now or timezone.now()
    shift = lock_shift(shift, Shift.Status.STARTED, Shift.Status.READY_FOR_COMPLETE)
    if shift.status == Shift.Status.STARTED:
        if shift.task_date(now) <= shift.end_date:
            raise ShiftNotOver(shift=shift.title, end_date=shift.end_date)
        # The last day is over: reports still without a photo will never get one.
        reports_skip_unsent(shift)
        if Report.objects.reviewing().filter(day__shift=shift).exists():
            shift.status = Shift.Status.READY_FOR_COMPLETE
            shift.save(update_fields=["status", "updated_at"])
            action = gettext_noop(
                "Finishing: it ends when the last report is reviewed."
            )
            audit_record(shift, by=by, action=action)
            return shift
    shift.status = Shift.Status.FINISHED
    shift.finished_at = now
    shift.save(update_fields=["status", "finished_at", "updated_at"])
    audit_record(shift, by=by, action=gettext_noop("Finished."))
    _send_final_messages(shift)
    return shift


def reports_skip_unsent(shift: Shift, *, before: dt.date | None = None) -> int:
    """Mark the shift's reports still waiting for a photo as skipped; return how many.

    With `before`, only those of earlier days: the task day ends at the next one's
    task hour, and a report unsent by then is skipped.
    """
    reports = Report.objects.waiting().filter(day__shift=shift)
    if before is not None:
        reports = reports.filter(day__date__lt=before)
    return reports.update(status=Report.Status.SKIPPED)


def _send_final_messages(shift: Shift) -> None:
    for membership in shift.memberships.active().select_related("participant"):
        participant = membership.participant
        context = {"name": participant.first_name, "points": membership.points}
        if shift.final_message:
            text = template_fill(shift.final_message, context)
        else:
            text = message_render(
                "shift_finished",
                participant,
                shift=shift.title,
                points=membership.points,
            )
        message_enqueue(
            participant,
            kind=OutboxMessage.Kind.SHIFT,
            dedupe_key=f"shift:{shift.pk}:final:{membership.pk}",
            text=text,
        )
