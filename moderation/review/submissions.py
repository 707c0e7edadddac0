"""Photos from participants becoming submissions of today's report.

A photo goes through two steps, so that nothing is downloaded for a refusal:
`report_photo_check` says before the download whether the photo is welcome (or
was already stored by an earlier delivery of the same update or album), and
`report_submit` stores it, checking every rule again under a row lock.

Their reads are in moderation/review/selectors.py; the rules are here.
"""

import datetime as dt
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core.images import NEAR_DUPLICATE_DISTANCE, PreparedImage, hash_distance
from core.models import Participant
from moderation.exceptions import (
    NoTaskToday,
    ParticipantNotRegistered,
    PhotoAlreadySent,
    PhotoRequired,
    ReportAttemptsExhausted,
)
from moderation.models import Report, Submission
from moderation.review.reports import (
    no_report_today,
    report_of_today,
    report_settled_check,
)
from moderation.review.selectors import (
    KnownPhoto,
    photo_hashes_of,
    photo_known,
    photo_same_hash_in_shift,
)

# Kinds of message content that count as a photo: a photo, or an image file.
PHOTO_KINDS = frozenset({"photo", "image"})

# Callers (the bot) read the report and its shift's limits from the result.
SUBMISSION_RELATED = ("report__day__shift", "report__membership__participant")


def _check_open_for_photo(report: Report) -> None:
    """Raise the reason a report takes nothing today (waiting/declined ones do)."""
    report_settled_check(report)
    if report.status == Report.Status.NOT_PARTICIPATE:
        raise NoTaskToday(participant=report.membership.participant)


def _check_attempt_left(report: Report) -> None:
    """Raise if the report's photos have used every attempt of the shift."""
    limit = report.day.shift.max_attempts
    if report.attempts >= limit:
        raise ReportAttemptsExhausted(limit=limit)


def _submission_loaded(pk: int) -> Submission:
    return Submission.objects.select_related(*SUBMISSION_RELATED).get(pk=pk)


def _photo_lookup(
    participant: Participant | None,
    now: dt.datetime,
    *,
    update_id: int | None,
    file_unique_id: str,
    media_group_id: str,
    lock: bool = False,
) -> tuple[Report | None, KnownPhoto]:
    """Return today's report (None if there is none) and what is stored about the
    photo message: two queries, whatever the message.

    With `lock` the report row is locked first: this serialises photos of one
    report (album items, webhook retries in parallel), so what is read stays true.
    """
    report = report_of_today(participant, now, lock=lock)
    known = photo_known(
        update_id=update_id,
        file_unique_id=file_unique_id,
        report=report,
        media_group_id=media_group_id,
    )
    return report, known


def _earlier_or_refusal(
    participant: Participant | None,
    report: Report | None,
    known: KnownPhoto,
    *,
    kind: str,
) -> Submission | None:
    """Return the submission made earlier from this update or album; else raise
    the refusal of the message, in the rules' order, or return None (welcome)."""
    if earlier := known.delivered or known.album:
        return _submission_loaded(earlier)
    if report is None:
        raise no_report_today(participant)
    _check_open_for_photo(report)
    # Attempts count photos only, so other content is told to be a photo first:
    # a sticker after the last attempt is not mistaken for one.
    if kind not in PHOTO_KINDS:
        raise PhotoRequired(kind=kind)
    _check_attempt_left(report)
    if known.file_seen:
        raise PhotoAlreadySent()
    return None


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
    return _earlier_or_refusal(participant, report, known, kind=kind)


def _near_duplicate(report: Report, phash: str) -> int | None:
    """Return the id of an earlier photo that looks like this one.

    Other members' photos of the shift are matched on an equal hash (indexed);
    the participant's own recent photos within NEAR_DUPLICATE_DISTANCE bits.
    """
    if same := photo_same_hash_in_shift(phash, shift_id=report.day.shift_id):
        return same
    own = photo_hashes_of(report.membership.participant_id)
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
    if earlier := _earlier_or_refusal(participant, report, known, kind="photo"):
        return earlier
    # Here there is a report: `_earlier_or_refusal` refuses a missing one.
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
