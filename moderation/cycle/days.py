"""The daily task cycle of a started shift: open the task day, exclude, remind.

A task day runs from the task hour to the next day's task hour, in the shift's
time zone. Each step records on the plan day (`ShiftDay.opened_at`,
`reminded_at`) that it is done, and every message has a deduplication key, so
running a step again, or late, does its work once.

Catch-up: when the clock stopped for a while, the days whose task hour passed
are opened in order. A day that is already over when it is opened is not sent
late (nobody could do it in time any more): its reports are `not_participate`,
so the outage counts against nobody. The current day's task is sent, late if
need be.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from core.models import Membership, Participant, Shift, ShiftDay
from moderation.cycle import callbacks
from moderation.models import Report
from moderation.shifts.lifecycle import lock_shift, reports_skip_unsent
from notifications.models import OutboxMessage
from notifications.services import message_enqueue, messages_enqueue
from notifications.texts import message_render


def task_keyboard(participant: Participant) -> list[list[dict[str, str]]]:
    """Return the inline keyboard sent with the day's task."""
    return [
        [
            {
                "text": message_render("button_skip_task", participant),
                "callback_data": callbacks.SKIP,
            },
            {
                "text": message_render("button_balance", participant),
                "callback_data": callbacks.BALANCE,
            },
        ]
    ]


@transaction.atomic
def day_open(shift: Shift, *, now: dt.datetime | None = None) -> list[ShiftDay]:
    """Open the task days of a started shift whose task hour has come; return them.

    For each day not yet opened, oldest first: reports of earlier days still
    waiting for a photo become `skipped`; members with at least `skip_limit`
    skipped reports are excluded and told (test participants never); then each
    active member without a report for the day gets one: `waiting` with the
    day's task for the current day, `not_participate` for a day already over.
    Running it again does nothing.
    """
    now = now or timezone.now()
    shift = lock_shift(shift, Shift.Status.STARTED)
    current = shift.task_date(now)
    due = list(
        shift.days.filter(opened_at__isnull=True, date__lte=current)
        .select_related("task", "shift")
        .order_by("date")
    )
    for day in due:
        reports_skip_unsent(shift, before=day.date)
        members_exclude_due(shift, now=now)
        if day.date == current:
            _reports_create(day, Report.Status.WAITING)
            _tasks_send(day)
        else:
            _reports_create(day, Report.Status.NOT_PARTICIPATE)
        day.opened_at = now
        day.save(update_fields=["opened_at"])
    return due


def _reports_create(day: ShiftDay, status: str) -> None:
    """Give the day a report of `status` for each active member who has none.

    Late joiners already have `not_participate` reports for the days before their
    first task, so they keep those.
    """
    members = day.shift.memberships.active().exclude(reports__day=day)
    Report.objects.bulk_create(
        [
            Report(membership_id=pk, day=day, status=status)
            for pk in members.values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )


def _tasks_send(day: ShiftDay) -> None:
    task = day.task
    messages_enqueue(
        [
            OutboxMessage(
                participant=report.membership.participant,
                kind=OutboxMessage.Kind.TASK,
                dedupe_key=f"day:{day.shift_id}:{day.date}:{report.membership_id}",
                text=message_render(
                    "day_task",
                    report.membership.participant,
                    day=day.number,
                    task=task.title,
                    description=task.description,
                    date=day.date.strftime("%d.%m.%Y"),
                    shift=day.shift.title,
                ),
                photo=task.image.name if task.image else "",
                buttons=task_keyboard(report.membership.participant),
            )
            for report in Report.objects.waiting_from_active_members(day)
        ]
    )


def members_exclude_due(shift: Shift, *, now: dt.datetime) -> list[Membership]:
    """Exclude the active members who skipped `skip_limit` reports or more.

    Test participants are never excluded.
    """
    due = (
        shift.memberships.active()
        .filter(participant__is_test=False)
        .annotate(
            skipped=Count("reports", filter=Q(reports__status=Report.Status.SKIPPED))
        )
        .filter(skipped__gte=shift.skip_limit)
        .select_related("participant", "shift")
    )
    return [
        membership_exclude(membership, skipped=membership.skipped, now=now)
        for membership in due
    ]


@transaction.atomic
def membership_exclude(
    membership: Membership,
    *,
    skipped: int,
    now: dt.datetime | None = None,
) -> Membership:
    """Exclude a member for skipping tasks and tell them; an excluded one stays so.

    Test participants are never excluded: they are returned unchanged.
    """
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("participant", "shift")
        .get(pk=membership.pk)
    )
    participant = membership.participant
    if not membership.is_active or participant.is_test:
        return membership
    membership.status = Membership.Status.EXCLUDED
    membership.excluded_at = now or timezone.now()
    membership.save(update_fields=["status", "excluded_at", "updated_at"])
    message_enqueue(
        participant,
        kind=OutboxMessage.Kind.SHIFT,
        dedupe_key=f"excluded:{membership.pk}",
        text=message_render(
            "member_excluded",
            participant,
            skipped=skipped,
            shift=membership.shift.title,
            points=membership.points,
        ),
    )
    return membership


@transaction.atomic
def reminders_send(shift: Shift, *, now: dt.datetime | None = None) -> int:
    """At the reminder hour, remind members whose report of the day still waits.

    Return how many were reminded. Once per day: a day opened only after its
    reminder hour (a late catch-up) gets no reminder on top of its task.
    """
    now = now or timezone.now()
    day = (
        ShiftDay.objects.select_for_update(of=("self",))
        .select_related("shift", "task")
        .filter(
            shift=shift,
            date=shift.task_date(now),
            opened_at__isnull=False,
            reminded_at__isnull=True,
        )
        .first()
    )
    if day is None or day.shift.status != Shift.Status.STARTED:
        return 0
    remind_at = shift.reminder_at(day.date)
    if now < remind_at:
        return 0
    reminded = 0
    if day.opened_at < remind_at:
        messages = [
            OutboxMessage(
                participant=report.membership.participant,
                kind=OutboxMessage.Kind.REMINDER,
                dedupe_key=f"reminder:{shift.pk}:{day.date}:{report.membership_id}",
                text=message_render(
                    "reminder",
                    report.membership.participant,
                    task=day.task.title,
                    day=day.number,
                    shift=day.shift.title,
                ),
            )
            for report in Report.objects.waiting_from_active_members(day)
        ]
        messages_enqueue(messages)
        reminded = len(messages)
    day.reminded_at = now
    day.save(update_fields=["reminded_at"])
    return reminded
