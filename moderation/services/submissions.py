"""Photos from participants becoming submissions of today's report.

A photo goes through two steps, so that nothing is downloaded for a refusal:
`report_photo_check` says before the download whether the photo is welcome (or
was already stored by an earlier delivery of the same update or album), and
`report_submit` stores it, checking every rule again under a row lock.

Both run for every photo of a burst, so their reads are SQL written by hand
(see core/sql.py); the rules are here in Python.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core.exceptions import (
    NoTaskToday,
    ParticipantNotRegistered,
    PhotoAlreadySent,
    PhotoRequired,
    ReportAttemptsExhausted,
)
from core.models import Participant
from core.sql import rows
from moderation.images import NEAR_DUPLICATE_DISTANCE, PreparedImage, hash_distance
from moderation.models import Report, Submission
from moderation.services.reports import (
    no_report_today,
    report_of_today,
    report_settled_check,
)

# Kinds of message content that count as a photo: a photo, or an image file.
PHOTO_KINDS = frozenset({"photo", "image"})
# Own earlier photos compared by perceptual hash; older ones are rarely re-sent.
NEAR_DUPLICATE_WINDOW = 400

# Callers (the bot) read the report and its shift's limits from the result.
SUBMISSION_RELATED = ("report__day__shift", "report__membership__participant")

# Submissions made from this update, of this Telegram file, or of this album
# ({album}: for today's report only).
_KNOWN_SQL = """
    SELECT id, telegram_update_id, telegram_file_unique_id, report_id, media_group_id
    FROM moderation_submission
    WHERE telegram_update_id = %s OR telegram_file_unique_id = %s {album}
    ORDER BY id
"""
# Photos that may look like a new one (one round trip): first another member's
# photo of the shift with the same perceptual hash (indexed), then the
# participant's own latest photos, with their hashes.
_LOOK_ALIKES_SQL = """
    (
        SELECT submission.id, submission.photo_hash, true AS same_hash
        FROM moderation_submission submission
        JOIN moderation_report report ON report.id = submission.report_id
        JOIN core_shiftday day ON day.id = report.day_id
        WHERE submission.photo_hash = %s AND day.shift_id = %s
        ORDER BY submission.id
        LIMIT 1
    )
    UNION ALL
    (
        SELECT submission.id, submission.photo_hash, false AS same_hash
        FROM moderation_submission submission
        JOIN moderation_report report ON report.id = submission.report_id
        JOIN core_membership membership ON membership.id = report.membership_id
        WHERE membership.participant_id = %s AND submission.photo_hash <> ''
        ORDER BY submission.id DESC
        LIMIT %s
    )
    ORDER BY same_hash DESC, id DESC
"""


def _check_open_for_photo(report: Report) -> None:
    """Raise the reason a report takes no photo now (waiting/declined ones do)."""
    report_settled_check(report)
    if report.status == Report.Status.NOT_PARTICIPATE:
        raise NoTaskToday(participant=report.membership.participant)
    limit = report.day.shift.max_attempts
    if report.attempts >= limit:
        raise ReportAttemptsExhausted(limit=limit)


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
    if update_id is None and not file_unique_id and album_key is None:
        return _Known()
    # NULL and "" match nothing: an update without id, a file without unique id.
    params: list = [update_id, file_unique_id or None]
    album = ""
    if album_key is not None:
        album = "OR (report_id = %s AND media_group_id = %s)"
        params += album_key
    delivered = album_pk = None
    file_seen = False
    for pk, update, unique_id, report_id, group in rows(
        _KNOWN_SQL.format(album=album), params
    ):
        if update_id is not None and update == update_id:
            delivered = pk
        if album_pk is None and (report_id, group) == album_key:
            album_pk = pk
        if file_unique_id and unique_id == file_unique_id:
            file_seen = True
    return _Known(delivered, album_pk, file_seen)


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
    report = report_of_today(participant, now, lock=lock)
    known = _known(
        update_id=update_id,
        file_unique_id=file_unique_id,
        report=report,
        media_group_id=media_group_id,
    )
    return report, known


def _earlier_or_refusal(
    participant: Participant | None,
    report: Report | None,
    known: _Known,
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
    if kind not in PHOTO_KINDS:
        raise PhotoRequired(kind=kind)
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
    candidates = rows(
        _LOOK_ALIKES_SQL,
        [
            phash,
            report.day.shift_id,
            report.membership.participant_id,
            NEAR_DUPLICATE_WINDOW,
        ],
    )
    return next(
        (
            pk
            for pk, earlier, same_hash in candidates
            if same_hash or hash_distance(earlier, phash) <= NEAR_DUPLICATE_DISTANCE
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
