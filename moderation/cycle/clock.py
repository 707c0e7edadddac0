"""The clock of the daily cycle: every job due at a moment, for beat and `tick`."""

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from core.exceptions import DomainError
from core.heartbeats import BEAT, heartbeat_record
from core.models import Shift, ShiftDay
from moderation.cycle.days import day_open, reminders_send
from moderation.cycle.retention import (
    PHOTOS_PER_TICK,
    export_files_remove_due,
    shift_photos_remove,
    shifts_photos_due,
)
from moderation.models import Report
from moderation.shifts.lifecycle import shift_finish, shift_start

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class TickResult:
    """What one tick did."""

    now: dt.datetime
    started: list[Shift] = dataclasses.field(default_factory=list)
    days_opened: list[ShiftDay] = dataclasses.field(default_factory=list)
    reminded: int = 0
    finished: list[Shift] = dataclasses.field(default_factory=list)
    photos_removed: int = 0
    export_files_removed: int = 0
    failed: list[str] = dataclasses.field(default_factory=list)


def tick(*, now: dt.datetime | None = None) -> TickResult:
    """Run every job of the daily cycle that is due at `now`; safe to run again.

    In order: preparing shifts whose start (the task hour of the start date) has
    come are started; each started shift opens its due task days (see `day_open`
    for the catch-up after a gap) and sends the day's due reminders; a started
    shift whose last day is over finishes, or waits in `ready_for_complete` while
    reports await review; a `ready_for_complete` shift with nothing left to review
    finishes. Then retention: report photos of shifts finished more than
    PHOTO_RETENTION_DAYS ago, and export files older than EXPORT_RETENTION_DAYS,
    are deleted, a bounded number each tick (the rest in the next ones). Each job
    runs on its own: one that fails is logged and listed in `failed`, and the
    others still run.
    """
    now = now or timezone.now()
    result = TickResult(now=now)
    for shift in Shift.objects.preparing():
        if now >= shift.moment_at(shift.start_date, shift.task_hour):
            started = _run(result, "start", shift_start, shift, by=None, now=now)
            if started is not None:
                result.started.append(started)
    for shift in Shift.objects.filter(status=Shift.Status.STARTED).order_by("pk"):
        result.days_opened += _run(result, "open day", day_open, shift, now=now) or []
        result.reminded += _run(result, "remind", reminders_send, shift, now=now) or 0
    for shift in Shift.objects.running().order_by("pk"):
        if _finish_due(shift, now):
            finished = _run(result, "finish", shift_finish, shift, by=None, now=now)
            if finished is not None:
                result.finished.append(finished)
    _retention(result, now)
    # Read by readiness: the daily cycle's clock is running (beat sent this
    # tick and a worker ran it, or cron ran `manage.py tick`).
    heartbeat_record(BEAT)
    return result


def _retention(result: TickResult, now: dt.datetime) -> None:
    budget = PHOTOS_PER_TICK
    for shift in shifts_photos_due(now):
        removed = _run(
            result, "remove photos", shift_photos_remove, shift, now=now, limit=budget
        )
        result.photos_removed += removed or 0
        budget -= removed or 0
        if budget <= 0:
            break
    try:
        result.export_files_removed = export_files_remove_due(now=now)
    except Exception:
        logger.exception("tick: removing export files failed")
        result.failed.append("remove export files")


def _finish_due(shift: Shift, now: dt.datetime) -> bool:
    if shift.status == Shift.Status.STARTED:
        return shift.task_date(now) > shift.end_date
    # ready_for_complete: normally the last review finishes it; this catches a
    # review that raced with the shift's end.
    return not Report.objects.reviewing().filter(day__shift=shift).exists()


def _run(
    result: TickResult,
    job: str,
    service: Callable[..., Any],
    shift: Shift,
    **kwargs: Any,
) -> Any:
    try:
        return service(shift, **kwargs)
    except DomainError as error:
        # Staff acted on the shift meanwhile (started or finished it by hand).
        logger.info("tick: %s of shift %s refused: %s", job, shift.pk, error)
    except Exception:
        logger.exception("tick: %s of shift %s failed", job, shift.pk)
        result.failed.append(f"{job}: {shift}")
    return None
