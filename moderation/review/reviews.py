"""Reviews of photo reports: approve (+1 point) or decline with a reason."""

import datetime as dt

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.audit import audit_record
from core.models import Membership, Shift, User
from moderation.exceptions import ReasonRequired, ReportNotUnderReview
from moderation.models import Report, Submission
from moderation.shifts.lifecycle import shift_finish
from notifications.models import OutboxMessage
from notifications.services import message_enqueue
from notifications.texts import message_render


def _lock_reviewing(report: Report) -> Report:
    """Lock the report; refuse unless it is under review.

    The lock makes two moderators deciding the same report at once safe: the
    second one waits, then is refused.
    """
    locked = (
        Report.objects.select_for_update(of=("self",))
        .select_related("membership__participant", "day__shift", "day__task")
        .get(pk=report.pk)
    )
    if not locked.can_be_reviewed:
        raise ReportNotUnderReview(
            participant=locked.membership.participant,
            date=locked.day.date,
            status=locked.get_status_display(),
        )
    return locked


def _record_verdict(
    report: Report, *, verdict: str, by: User | None, now: dt.datetime, reason: str
) -> None:
    # A verdict's value is also the report's status ("approved" / "declined").
    report.status = verdict
    report.reviewed_by, report.reviewed_at = by, now
    report.decline_reason = reason
    report.save(
        update_fields=["status", "decline_reason", "reviewed_by", "reviewed_at"]
    )
    # The reason stays with the report only: erasure empties it there.
    if verdict == Submission.Verdict.DECLINED:
        audit_record(report, by=by, action=gettext_noop("Declined."))
    else:
        audit_record(report, by=by, action=gettext_noop("Approved."))
    # The verdict also stays with the photo it was about, so the history of
    # attempts shows what each photo got.
    submission = report.submissions.order_by("-attempt").first()
    if submission is not None:
        submission.verdict = verdict
        submission.decline_reason = reason
        submission.reviewed_by, submission.reviewed_at = by, now
        submission.save(
            update_fields=["verdict", "decline_reason", "reviewed_by", "reviewed_at"]
        )


def _finish_if_last(shift: Shift, *, by: User | None, now: dt.datetime) -> None:
    """Finish a `ready_for_complete` shift once no report of it awaits review."""
    if shift.status != Shift.Status.READY_FOR_COMPLETE:
        return
    # Locked first, so that of two reviews finishing at once the later one sees
    # the earlier one's verdict; `tick` finishes the shift should both miss it.
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    if shift.status != Shift.Status.READY_FOR_COMPLETE:
        return
    if Report.objects.reviewing().filter(day__shift=shift).exists():
        return
    shift_finish(shift, by=by, now=now)


@transaction.atomic
def report_approve(
    report: Report, *, by: User | None, now: dt.datetime | None = None
) -> Report:
    """Approve a report under review: +1 point, the participant is told.

    A report that is not under review (already decided, skipped, ...) is refused
    with `ReportNotUnderReview`, so a double click never gives two points.
    """
    now = now or timezone.now()
    report = _lock_reviewing(report)
    _record_verdict(
        report, verdict=Submission.Verdict.APPROVED, by=by, now=now, reason=""
    )
    membership = Membership.objects.select_for_update().get(pk=report.membership_id)
    membership.points += 1
    membership.save(update_fields=["points", "updated_at"])
    participant = report.membership.participant
    message_enqueue(
        participant,
        kind=OutboxMessage.Kind.REVIEW,
        dedupe_key=f"review:{report.pk}:{report.attempts}:approved",
        text=message_render(
            "report_approved",
            participant,
            day=report.day.number,
            points=membership.points,
            task=report.day.task.title,
            shift=report.day.shift.title,
        ),
    )
    _finish_if_last(report.day.shift, by=by, now=now)
    return report


@transaction.atomic
def report_decline(
    report: Report, *, by: User | None, reason: str, now: dt.datetime | None = None
) -> Report:
    """Decline a report under review with a reason; the participant is told it and
    the attempts left (they may send another photo the same day while any are).

    An empty reason raises `ReasonRequired`; a report not under review is refused
    with `ReportNotUnderReview`.
    """
    reason = reason.strip()
    if not reason:
        raise ReasonRequired()
    now = now or timezone.now()
    report = _lock_reviewing(report)
    _record_verdict(
        report, verdict=Submission.Verdict.DECLINED, by=by, now=now, reason=reason
    )
    shift = report.day.shift
    participant = report.membership.participant
    message_enqueue(
        participant,
        kind=OutboxMessage.Kind.REVIEW,
        dedupe_key=f"review:{report.pk}:{report.attempts}:declined",
        text=message_render(
            "report_declined",
            participant,
            day=report.day.number,
            reason=reason,
            attempts_left=report_attempts_left(report),
            task=report.day.task.title,
            shift=shift.title,
        ),
    )
    _finish_if_last(shift, by=by, now=now)
    return report


def report_attempts_left(report: Report) -> int:
    """Return how many more photos the member may send for this report."""
    return max(report.day.shift.max_attempts - report.attempts, 0)


def report_next_to_review(
    report: Report | None = None, *, within: QuerySet[Report] | None = None
) -> Report | None:
    """Return the report to review after `report`: the next one in the queue, else
    the oldest other one under review (so skipping around the queue wraps).

    `within` is a filtered and ordered list of reports (the admin's list as the
    moderator filtered it): then the next one under review in that list, in its
    order, again wrapping to its first.
    """
    if within is not None:
        return _next_within(within, report)
    queue = Report.objects.review_queue()
    if report is None:
        return queue.first()
    if report.submitted_at is not None:
        later = queue.filter(
            Q(submitted_at__gt=report.submitted_at)
            | Q(submitted_at=report.submitted_at, pk__gt=report.pk)
        ).first()
        if later is not None:
            return later
    return queue.exclude(pk=report.pk).first()


def _next_within(reports: QuerySet[Report], report: Report | None) -> Report | None:
    """The report under review after `report` in the order of `reports`.

    The list may be sorted by any of its columns, so the position is found by
    walking the list's primary keys rather than by a keyset condition for every
    possible ordering; the walk stops at the report after `report`.
    """
    candidates = Q(status=Report.Status.REVIEWING)
    if report is not None:
        candidates |= Q(pk=report.pk)
    first = None
    passed = report is None
    for pk in reports.filter(candidates).values_list("pk", flat=True).iterator():
        if report is not None and pk == report.pk:
            passed = True
            continue
        if passed:
            return Report.objects.get(pk=pk)
        if first is None:
            first = pk
    return None if first is None else Report.objects.get(pk=first)
