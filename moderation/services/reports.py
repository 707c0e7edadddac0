"""Photo reports from participants: submit a photo, skip the task.

A photo goes through two steps, so that nothing is downloaded for a refusal:
`report_photo_check` says before the download whether the photo is welcome (or
was already stored by an earlier delivery of the same update or album), and
`report_submit` stores it, checking every rule again under a row lock.
"""

import datetime as dt
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core.exceptions import (
    NoTaskToday,
    ParticipantNotMember,
    ParticipantNotRegistered,
    PhotoAlreadySent,
    PhotoRequired,
    ReportAlreadyApproved,
    ReportAlreadySkipped,
    ReportAttemptsExhausted,
    ReportNotWaiting,
    ReportUnderReview,
)
from core.models import Membership, Participant, Shift, User
from moderation.images import NEAR_DUPLICATE_DISTANCE, PreparedImage, hash_distance
from moderation.models import Report, Submission

CURRENT_SHIFT_STATUSES = (
    Shift.Status.PREPARING,
    Shift.Status.STARTED,
    Shift.Status.READY_FOR_COMPLETE,
)
# Kinds of message content that count as a photo: a photo, or an image file.
PHOTO_KINDS = frozenset({"photo", "image"})
# Own earlier photos compared by perceptual hash; older ones are rarely re-sent.
NEAR_DUPLICATE_WINDOW = 400


def membership_current(participant: Participant | None) -> Membership:
    """Return the participant's active membership of a current shift, or raise why not."""
    if participant is None:
        raise ParticipantNotRegistered()
    membership = (
        Membership.objects.active()
        .filter(participant=participant, shift__status__in=CURRENT_SHIFT_STATUSES)
        .select_related("shift", "participant")
        .order_by("-shift__start_date")
        .first()
    )
    if membership is None:
        raise ParticipantNotMember(participant=participant)
    return membership


def report_today(
    participant: Participant | None, *, now: dt.datetime | None = None
) -> Report:
    """Return the member's report for the current task day, or raise `NoTaskToday`."""
    membership = membership_current(participant)
    shift = membership.shift
    report = (
        Report.objects.filter(
            membership=membership, day__date=shift.task_date(now), day__shift=shift
        )
        .exclude(status=Report.Status.NOT_PARTICIPATE)
        .select_related("day__shift", "day__task", "membership__participant")
        .first()
    )
    if report is None or not shift.is_running:
        raise NoTaskToday(participant=membership.participant)
    return report


def _check_open_for_photo(report: Report) -> None:
    """Raise the reason a report takes no photo now (waiting/declined ones do)."""
    match report.status:
        case Report.Status.REVIEWING:
            raise ReportUnderReview()
        case Report.Status.APPROVED:
            raise ReportAlreadyApproved()
        case Report.Status.SKIPPED:
            raise ReportAlreadySkipped()
        case Report.Status.NOT_PARTICIPATE:
            raise NoTaskToday(participant=report.membership.participant)
    limit = report.day.shift.max_attempts
    if report.attempts >= limit:
        raise ReportAttemptsExhausted(limit=limit)


# Callers (the bot) read the report and its shift's limits from the result.
SUBMISSION_RELATED = ("report__day__shift", "report__membership__participant")


def _delivered_before(update_id: int | None) -> Submission | None:
    if update_id is None:
        return None
    return (
        Submission.objects.filter(telegram_update_id=update_id)
        .select_related(*SUBMISSION_RELATED)
        .first()
    )


def _album_submission(report: Report, media_group_id: str) -> Submission | None:
    if not media_group_id:
        return None
    return (
        Submission.objects.filter(report=report, media_group_id=media_group_id)
        .select_related(*SUBMISSION_RELATED)
        .first()
    )


def report_photo_check(
    participant: Participant | None,
    *,
    kind: str,
    file_unique_id: str = "",
    update_id: int | None = None,
    media_group_id: str = "",
    now: dt.datetime | None = None,
) -> Submission | None:
    """Decide, before downloading, whether a message may become today's submission.

    Return the submission already made from this update (a redelivery) or from
    this album (its other photos), or None when the photo is welcome; raise the
    refusal otherwise. `kind` is "photo" or "image" for photos, anything else
    (e.g. "text", "sticker") for other content.
    """
    if earlier := _delivered_before(update_id):
        return earlier
    report = report_today(participant, now=now)
    if earlier := _album_submission(report, media_group_id):
        return earlier
    _check_open_for_photo(report)
    if kind not in PHOTO_KINDS:
        raise PhotoRequired(kind=kind)
    if (
        file_unique_id
        and Submission.objects.filter(telegram_file_unique_id=file_unique_id).exists()
    ):
        raise PhotoAlreadySent()
    return None


def _near_duplicate(report: Report, phash: str) -> Submission | None:
    """Find an earlier photo that looks like this one.

    Other members' photos of the shift are matched on an equal hash (indexed);
    the participant's own recent photos within NEAR_DUPLICATE_DISTANCE bits.
    """
    same = (
        Submission.objects.filter(photo_hash=phash, report__day__shift=report.day.shift)
        .order_by("id")
        .first()
    )
    if same is not None:
        return same
    own = (
        Submission.objects.filter(
            report__membership__participant_id=report.membership.participant_id
        )
        .exclude(photo_hash="")
        .only("id", "photo_hash")
        .order_by("-id")[:NEAR_DUPLICATE_WINDOW]
    )
    return next(
        (
            submission
            for submission in own
            if hash_distance(submission.photo_hash, phash) <= NEAR_DUPLICATE_DISTANCE
        ),
        None,
    )


@transaction.atomic
def report_submit(
    participant: Participant | None,
    *,
    image: PreparedImage,
    file_id: str = "",
    file_unique_id: str = "",
    update_id: int | None = None,
    message_id: int | None = None,
    media_group_id: str = "",
    now: dt.datetime | None = None,
) -> Submission:
    """Store a photo as a new submission of today's report and put it under review.

    Idempotent: a redelivered update, or another photo of an album already
    stored, returns the existing submission. The same Telegram photo again is
    refused (`PhotoAlreadySent`); a photo that merely looks like an earlier one
    (perceptual hash) is accepted but flagged in `near_duplicate_of` for the
    moderator, because look-alikes (the same sink cleaned on two days) are often
    honest and only a person can tell.
    """
    now = now or timezone.now()
    if earlier := _delivered_before(update_id):
        return earlier
    report = report_today(participant, now=now)
    # Serialises photos of one report (album items, webhook retries in parallel).
    report = (
        Report.objects.select_for_update(of=("self",))
        .select_related("day__shift", "membership__participant")
        .get(pk=report.pk)
    )
    if (earlier := _delivered_before(update_id)) or (
        earlier := _album_submission(report, media_group_id)
    ):
        return earlier
    _check_open_for_photo(report)
    if (
        file_unique_id
        and Submission.objects.filter(telegram_file_unique_id=file_unique_id).exists()
    ):
        raise PhotoAlreadySent()
    report.attempts += 1
    report.status = Report.Status.REVIEWING
    report.submitted_at = now
    submission = Submission(
        report=report,
        attempt=report.attempts,
        telegram_file_id=file_id[:255],
        telegram_file_unique_id=file_unique_id[:64],
        photo_hash=image.phash,
        near_duplicate_of=_near_duplicate(report, image.phash),
        telegram_update_id=update_id,
        telegram_message_id=message_id,
        media_group_id=media_group_id[:64],
    )
    submission.photo.save(
        f"{report.pk}-{report.attempts}-{uuid.uuid4().hex}.jpg",
        ContentFile(image.content),
        save=False,
    )
    try:
        submission.save()
        report.save(update_fields=["status", "attempts", "submitted_at"])
    except BaseException:
        submission.photo.delete(save=False)
        raise
    return submission


def report_skip_check(report: Report) -> None:
    """Raise why the report cannot be skipped; only a waiting report can."""
    match report.status:
        case Report.Status.WAITING:
            return
        case Report.Status.REVIEWING:
            raise ReportUnderReview()
        case Report.Status.APPROVED:
            raise ReportAlreadyApproved()
        case Report.Status.SKIPPED:
            raise ReportAlreadySkipped()
    # The lazy label is translated where the error is worded (admin or bot).
    raise ReportNotWaiting(status=Report.Status(report.status).label)


@transaction.atomic
def report_skip(report: Report, *, by: User | None = None) -> Report:
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
