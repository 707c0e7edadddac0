"""Services of the shared domain: creating shifts and planning their days.

Services that notify participants (applications, the shift lifecycle) live in
`moderation.services`, because `core` may not import the outbox.
"""

import calendar
import datetime as dt
import itertools
import random

from django.db import IntegrityError, transaction

from core.exceptions import (
    ShiftAlreadyPreparing,
    ShiftDatesInvalid,
    ShiftNoTasks,
    ShiftOverlapsRunning,
    ShiftTooLong,
    ShiftWrongStatus,
)
from core.models import Shift, ShiftDay, Task, User

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


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last_day))


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
    shift.save(update_fields=[*fields, "updated_at"])
    if dates_changed:
        shift_plan_generate(shift)
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


def user_telegram_chat_set(user: User, *, chat_id: int | None, by: User | None) -> User:
    """Set where a staff member's test messages go (their Telegram user ID)."""
    user.telegram_chat_id = chat_id
    user.save(update_fields=["telegram_chat_id"])
    return user
