"""The shift lifecycle: create (with its day->task plan), update, start, cancel,
finish."""

import datetime as dt
import itertools
import random

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.audit import ADDED, ADDITION, CHANGED, audit_record, fields_changed
from core.models import Shift, ShiftDay, Task, User
from core.services import add_months
from moderation.exceptions import (
    ShiftAlreadyPreparing,
    ShiftDatesInvalid,
    ShiftNoTasks,
    ShiftNotOver,
    ShiftOverlapsRunning,
    ShiftTooLong,
    ShiftWrongStatus,
)
from moderation.models import Report
from moderation.shifts.applications import applications_decline_pending
from notifications.formatting import template_fill
from notifications.models import OutboxMessage
from notifications.services import message_enqueue
from notifications.texts import message_render

SHIFT_MAX_MONTHS = 4
SHIFT_EDITABLE_FIELDS = frozenset(
    {
        "title",
        "start_date",
        "end_date",
        "time_zone",
        "task_hour",
        "reminder_hour",
        "max_attempts",
        "skip_limit",
        "final_message",
    }
)


def shift_validate(shift: Shift) -> None:
    """Check the dates of a new or preparing shift against the shift rules."""
    if shift._state.adding and not Task.objects.filter(is_archived=False).exists():
        raise ShiftNoTasks()
    if shift.start_date >= shift.end_date:
        raise ShiftDatesInvalid()
    if shift.end_date >= add_months(shift.start_date, SHIFT_MAX_MONTHS):
        raise ShiftTooLong(months=SHIFT_MAX_MONTHS)
    others = Shift.objects.exclude(pk=shift.pk)
    preparing = others.preparing().first()
    if shift.status == Shift.Status.PREPARING and preparing is not None:
        raise ShiftAlreadyPreparing(other=preparing.title)
    running = others.running().order_by("-end_date").first()
    if running is not None and shift.start_date <= running.end_date:
        raise ShiftOverlapsRunning(other=running.title, end_date=running.end_date)


@transaction.atomic
def shift_create(shift: Shift, *, by: User | None) -> Shift:
    """Save a new (unsaved) shift as preparing and give it a day->task plan."""
    shift.status = Shift.Status.PREPARING
    shift_validate(shift)
    shift.full_clean(exclude=["status"], validate_constraints=False)
    try:
        with transaction.atomic():
            shift.save()
    except IntegrityError as error:
        # Two coordinators creating a shift at once: the partial unique index wins.
        other = Shift.objects.preparing().first()
        raise ShiftAlreadyPreparing(other=other.title if other else "?") from error
    shift_plan_generate(shift)
    audit_record(shift, by=by, action=ADDED, flag=ADDITION)
    return shift


@transaction.atomic
def shift_update(shift: Shift, *, by: User | None, **fields) -> Shift:
    """Change a shift's settings; new dates of a preparing shift re-plan its days."""
    unknown = set(fields) - SHIFT_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Unknown shift fields: {sorted(unknown)}")
    dates_changed = any(
        getattr(shift, name) != fields[name]
        for name in ("start_date", "end_date")
        if name in fields
    )
    if dates_changed and shift.status != Shift.Status.PREPARING:
        raise ShiftWrongStatus(
            shift=shift.title,
            status=shift.get_status_display(),
            expected=Shift.Status.PREPARING.label,
        )
    for name, value in fields.items():
        setattr(shift, name, value)
    if dates_changed:
        shift_validate(shift)
    shift.full_clean(exclude=["status"], validate_constraints=False)
    changed = fields_changed(shift)
    shift.save(update_fields=[*fields, "updated_at"])
    if dates_changed:
        shift_plan_generate(shift)
    if changed:
        audit_record(shift, by=by, action=CHANGED, details={"fields": changed})
    return shift


def shift_plan_generate(shift: Shift, *, seed: int | None = None) -> list[ShiftDay]:
    """Replace the shift's plan: non-archived tasks shuffled, then cycled over its days."""
    tasks = list(Task.objects.filter(is_archived=False).order_by("pk"))
    if not tasks:
        raise ShiftNoTasks()
    random.Random(seed if seed is not None else shift.pk).shuffle(tasks)
    ShiftDay.objects.filter(shift=shift).delete()
    days = [
        ShiftDay(
            shift=shift, date=shift.start_date + dt.timedelta(days=offset), task=task
        )
        for offset, task in zip(
            range(shift.duration_days), itertools.cycle(tasks), strict=False
        )
    ]
    return ShiftDay.objects.bulk_create(days)


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
