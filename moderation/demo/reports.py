"""The running shift's photo reports, each dated within its task day."""

import datetime as dt
import random

from django.core.files.base import ContentFile

from core.models import Membership, ShiftDay, User
from moderation.demo.history import moment_between, stamp
from moderation.demo.pictures import demo_image
from moderation.models import Report, Submission

DECLINE_REASONS = ["Фото размыто", "На фото не видно задания", "Фото не сегодняшнее"]
# Children send their photos before this hour of the day.
BEDTIME_HOUR = 22
Status = Report.Status


def day_report_create(
    membership: Membership,
    day: ShiftDay,
    rng: random.Random,
    *,
    admin: User | None,
    now: dt.datetime,
) -> Report:
    """Make one day's report in a plausible state, with a photo per attempt sent.

    Photos are sent within the task day (from its task hour to the next one), in
    waking hours and not after `now`; each verdict comes after its photo and
    before the next one.
    """
    shift = day.shift
    opened = shift.moment_at(day.date, shift.task_hour)
    closes = shift.moment_at(day.date + dt.timedelta(days=1), shift.task_hour)
    bedtime = shift.moment_at(day.date, BEDTIME_HOUR)
    last = min(closes, now, bedtime if bedtime > opened else closes)
    status = _status_pick(rng, is_today=now < closes)
    attempts = {Status.DECLINED: rng.randrange(1, 3)}.get(status, 1)
    if status in (Status.WAITING, Status.SKIPPED):
        attempts = 0
    sent = sorted(moment_between(rng, opened, last) for _ in range(attempts))
    report = Report.objects.create(
        membership=membership,
        day=day,
        status=status,
        attempts=attempts,
        submitted_at=sent[-1] if sent else None,
    )
    stamp(report, created_at=opened)
    for attempt, moment in enumerate(sent, start=1):
        is_last = attempt == attempts
        if not is_last:
            reviewed_at = moment_between(rng, moment, sent[attempt])
            verdict = Status.DECLINED
        elif status in (Status.APPROVED, Status.DECLINED):
            reviewed_at = moment_between(
                rng, moment, min(moment + dt.timedelta(hours=3), now)
            )
            verdict = status
        else:
            reviewed_at, verdict = None, ""
        _submission_create(
            report,
            rng,
            attempt=attempt,
            sent_at=moment,
            verdict=verdict,
            reviewed_by=admin if verdict else None,
            reviewed_at=reviewed_at,
        )
    if status in (Status.APPROVED, Status.DECLINED):
        latest = report.submissions.get(attempt=attempts)
        report.reviewed_by, report.reviewed_at = admin, latest.reviewed_at
        report.decline_reason = latest.decline_reason
        report.save(update_fields=["reviewed_by", "reviewed_at", "decline_reason"])
    if status == Status.APPROVED:
        membership.points += 1
        membership.save(update_fields=["points"])
    return report


def _status_pick(rng: random.Random, *, is_today: bool) -> str:
    roll = rng.random()
    if is_today:
        return Status.REVIEWING if roll < 0.5 else Status.WAITING
    for status, below in (
        (Status.APPROVED, 0.65),
        (Status.DECLINED, 0.75),
        (Status.SKIPPED, 0.85),
    ):
        if roll < below:
            return status
    return Status.REVIEWING


def _submission_create(
    report: Report,
    rng: random.Random,
    *,
    attempt: int,
    sent_at: dt.datetime,
    verdict: str,
    reviewed_by: User | None,
    reviewed_at: dt.datetime | None,
) -> Submission:
    participant, task = report.membership.participant, report.day.task
    submission = Submission(
        report=report,
        attempt=attempt,
        telegram_file_unique_id=f"demo-{report.pk}-{attempt}",
        verdict=verdict,
        decline_reason=rng.choice(DECLINE_REASONS)
        if verdict == Status.DECLINED
        else "",
        reviewed_by=reviewed_by,
        reviewed_at=reviewed_at,
    )
    label = f"{participant.first_name} · {task.title}"
    submission.photo.save(
        f"demo-{report.pk}-{attempt}.jpg", ContentFile(demo_image(label, rng))
    )
    stamp(submission, created_at=sent_at)
    return submission
