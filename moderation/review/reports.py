"""Today's report of a member, and skipping its task.

Photos are submitted in moderation/review/submissions.py.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from core.exceptions import DomainError
from core.models import Membership, Participant, Task
from moderation.exceptions import (
    NoTaskToday,
    ParticipantNotMember,
    ParticipantNotRegistered,
    ReportAlreadyApproved,
    ReportAlreadySkipped,
    ReportNotWaiting,
    ReportUnderReview,
)
from moderation.models import Report
from moderation.review.selectors import reports_around


def membership_current(participant: Participant | None) -> Membership:
    """Return the participant's active membership of a current shift, or raise why not."""
    if participant is None:
        raise ParticipantNotRegistered()
    membership = (
        Membership.objects.current_of(participant).select_related("shift").first()
    )
    if membership is None:
        raise ParticipantNotMember(participant=participant)
    membership.participant = participant
    return membership


def _report_of_today(
    reports: Iterable[Report], participant: Participant, now: dt.datetime
) -> Report | None:
    for report in reports:
        shift = report.day.shift
        if shift.is_running and report.day.date == shift.task_date(now):
            # The membership is the participant's: no need to read them again.
            report.membership.participant = participant
            return report
    return None


def no_report_today(participant: Participant | None) -> DomainError:
    """Return why the participant has no report today (one more query)."""
    try:
        membership = membership_current(participant)
    except DomainError as error:
        return error
    return NoTaskToday(participant=membership.participant)


def report_of_today(
    participant: Participant | None, now: dt.datetime, *, lock: bool = False
) -> Report | None:
    """Return the member's report for the task day of `now`, or None.

    Its day, shift and membership come along; with `lock` its row is locked.
    """
    if participant is None:
        return None
    reports = reports_around(participant, timezone.localdate(now), lock=lock)
    return _report_of_today(reports, participant, now)


def report_today(
    participant: Participant | None, *, now: dt.datetime | None = None
) -> Report:
    """Return the member's report for the current task day, or raise why there is none."""
    report = report_of_today(participant, now or timezone.now())
    if report is None:
        raise no_report_today(participant)
    # Callers show the day's task: read here, not lazily from async code.
    report.day.task = Task.objects.get(pk=report.day.task_id)
    return report


def report_settled_check(report: Report) -> None:
    """Raise why a report under review, approved or skipped takes nothing more
    (neither a photo nor a skip)."""
    match report.status:
        case Report.Status.REVIEWING:
            raise ReportUnderReview()
        case Report.Status.APPROVED:
            raise ReportAlreadyApproved()
        case Report.Status.SKIPPED:
            raise ReportAlreadySkipped()


def report_skip_check(report: Report) -> None:
    """Raise why the report cannot be skipped; only a waiting report can."""
    if report.status == Report.Status.WAITING:
        return
    report_settled_check(report)
    # The lazy label is translated where the error is worded (admin or bot).
    raise ReportNotWaiting(status=Report.Status(report.status).label)


@transaction.atomic
def report_skip(report: Report) -> Report:
    """Skip the task of a waiting report (the participant confirmed it in the bot).

    Skipping twice raises `ReportAlreadySkipped`, so a double tap is answered
    plainly. Exclusion after too many skips is the daily cycle's job.
    """
    report = (
        Report.objects.select_for_update(of=("self",))
        .select_related("day__shift", "membership")
        .get(pk=report.pk)
    )
    report_skip_check(report)
    report.status = Report.Status.SKIPPED
    report.save(update_fields=["status"])
    return report


def membership_skipped_count(membership: Membership) -> int:
    """Return how many tasks the member has skipped in the shift."""
    return membership.reports.filter(status=Report.Status.SKIPPED).count()
