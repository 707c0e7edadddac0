"""Photo reports from participants: submit a photo, skip the task.

A photo goes through two steps, so that nothing is downloaded for a refusal:
`report_photo_check` says before the download whether the photo is welcome (or
was already stored by an earlier delivery of the same update or album), and
`report_submit` stores it, checking every rule again under a row lock.
"""

import datetime as dt
import operator
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone

from core.exceptions import (
    DomainError,
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
# A shift's task day is within this of the server's date, whatever its time
# zone and task hour.
TODAY_SPREAD = dt.timedelta(days=2)


def _current_memberships(participant: Participant) -> QuerySet[Membership]:
    """The participant's active memberships of current shifts, the latest first."""
    return (
        Membership.objects.active()
        .filter(participant=participant, shift__status__in=CURRENT_SHIFT_STATUSES)
        .order_by("-shift__start_date")
    )


def membership_current(participant: Participant | None) -> Membership:
    """Return the participant's active membership of a current shift, or raise why not."""
    if participant is None:
        raise ParticipantNotRegistered()
    membership = (
        _current_memberships(participant).select_related("shift", "participant").first()
    )
    if membership is None:
        raise ParticipantNotMember(participant=participant)
    return membership


def _reports_around(
    participant: Participant, now: dt.datetime, *related: str
) -> QuerySet[Report]:
    """Reports that may be today's: the current membership's, within days of now.

    The membership is the one `membership_current` picks; which day is "today"
    depends on each shift's time zone and task hour, so `_report_of_today`
    picks among these few rows in Python. The shift and the membership come
    along, and the `related` objects asked for.
    """
    current = _current_memberships(participant).values("pk")[:1]
    around = timezone.localdate(now)
    return (
        Report.objects.filter(
            membership=Subquery(current),
            day__date__range=(around - TODAY_SPREAD, around + TODAY_SPREAD),
        )
        .exclude(status=Report.Status.NOT_PARTICIPATE)
        .select_related("day__shift", "membership", *related)
        .order_by()
    )


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


def _no_report_today(participant: Participant | None) -> DomainError:
    """Return why the participant has no report today (one more query)."""
    try:
        membership = membership_current(participant)
    except DomainError as error:
        return error
    return NoTaskToday(participant=membership.participant)


def _report_today(
    participant: Participant | None, now: dt.datetime, *related: str
) -> Report:
    if participant is None:
        raise ParticipantNotRegistered()
    reports = _reports_around(participant, now, *related)
    report = _report_of_today(reports, participant, now)
    if report is None:
        raise _no_report_today(participant)
    return report


def report_today(
    participant: Participant | None, *, now: dt.datetime | None = None
) -> Report:
    """Return the member's report for the current task day, or raise `NoTaskToday`."""
    return _report_today(participant, now or timezone.now(), "day__task")


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


def _submission_loaded(pk: int) -> Submission:
    return Submission.objects.select_related(*SUBMISSION_RELATED).get(pk=pk)


@dataclass(frozen=True, slots=True)
class _Known:
    """What is already stored about a photo message (one query finds it all)."""

    delivered: int | None = None  # the submission made from this very update
    album: int | None = None  # the submission of its album, for this report
    file_seen: bool = False  # this Telegram file was submitted before


def _known(
    *,
    update_id: int | None,
    file_unique_id: str,
    report: Report | None = None,
    media_group_id: str = "",
) -> _Known:
    album_key = (report.pk, media_group_id) if report and media_group_id else None
    matches = []
    if update_id is not None:
        matches.append(Q(telegram_update_id=update_id))
    if file_unique_id:
        matches.append(Q(telegram_file_unique_id=file_unique_id))
    if album_key:
        matches.append(Q(report=report, media_group_id=media_group_id))
    if not matches:
        return _Known()
    rows = (
        Submission.objects.filter(reduce(operator.or_, matches))
        .order_by("pk")
        .values_list(
            "pk",
            "telegram_update_id",
            "telegram_file_unique_id",
            "report_id",
            "media_group_id",
        )
    )
    delivered = album = None
    file_seen = False
    for pk, update, unique_id, report_id, group in rows:
        if update_id is not None and update == update_id:
            delivered = pk
        if album is None and (report_id, group) == album_key:
            album = pk
        if file_unique_id and unique_id == file_unique_id:
            file_seen = True
    return _Known(delivered, album, file_seen)


def _photo_lookup(
    participant: Participant | None,
    now: dt.datetime,
    *,
    update_id: int | None,
    file_unique_id: str,
    media_group_id: str,
    lock: bool = False,
) -> tuple[Report | None, _Known]:
    """Return today's report (None if there is none) and what is stored about the
    photo message: two queries, whatever the message.

    With `lock` the report row is locked first: this serialises photos of one
    report (album items, webhook retries in parallel), so what is read stays true.
    """
    report = None
    if participant is not None:
        reports = _reports_around(participant, now)
        if lock:
            reports = reports.select_for_update(of=("self",))
        report = _report_of_today(reports, participant, now)
    known = _known(
        update_id=update_id,
        file_unique_id=file_unique_id,
        report=report,
        media_group_id=media_group_id,
    )
    return report, known


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
    report, known = _photo_lookup(
        participant,
        now or timezone.now(),
        update_id=update_id,
        file_unique_id=file_unique_id,
        media_group_id=media_group_id,
    )
    if earlier := known.delivered or known.album:
        return _submission_loaded(earlier)
    if report is None:
        raise _no_report_today(participant)
    _check_open_for_photo(report)
    if kind not in PHOTO_KINDS:
        raise PhotoRequired(kind=kind)
    if known.file_seen:
        raise PhotoAlreadySent()
    return None


def _near_duplicate(report: Report, phash: str) -> int | None:
    """Return the id of an earlier photo that looks like this one.

    Other members' photos of the shift are matched on an equal hash (indexed);
    the participant's own recent photos within NEAR_DUPLICATE_DISTANCE bits.
    """
    same = (
        Submission.objects.filter(photo_hash=phash, report__day__shift=report.day.shift)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if same is not None:
        return same
    own = (
        Submission.objects.filter(
            report__membership__participant_id=report.membership.participant_id
        )
        .exclude(photo_hash="")
        .order_by("-id")
        .values_list("id", "photo_hash")[:NEAR_DUPLICATE_WINDOW]
    )
    return next(
        (
            pk
            for pk, earlier in own
            if hash_distance(earlier, phash) <= NEAR_DUPLICATE_DISTANCE
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
    if participant is None:
        raise ParticipantNotRegistered()
    now = now or timezone.now()
    report, known = _photo_lookup(
        participant,
        now,
        update_id=update_id,
        file_unique_id=file_unique_id,
        media_group_id=media_group_id,
        lock=True,
    )
    if earlier := known.delivered or known.album:
        return _submission_loaded(earlier)
    if report is None:
        raise _no_report_today(participant)
    _check_open_for_photo(report)
    if known.file_seen:
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
        near_duplicate_of_id=_near_duplicate(report, image.phash),
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
