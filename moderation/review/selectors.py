"""Reads of moderation's models shared by services, the bot and the admin.

The photo path runs these for every photo of a burst: each is one query.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, Subquery

from core.models import Membership, Participant
from moderation.models import Report, Submission

# A shift's task day is within this of the server's date, whatever its time
# zone and task hour.
TODAY_SPREAD = dt.timedelta(days=2)
# Own earlier photos compared by perceptual hash; older ones are rarely re-sent.
NEAR_DUPLICATE_WINDOW = 400


def reports_around(
    participant: Participant, around: dt.date, *, lock: bool = False
) -> list[Report]:
    """Return the reports of the participant's current membership for the days
    within TODAY_SPREAD of `around` (which of them is today's depends on each
    shift's time zone and task hour), with their day, shift and membership.

    With `lock` the report rows are locked until the transaction ends.
    """
    current = Membership.objects.current_of(participant).values("pk")[:1]
    reports = (
        Report.objects.filter(
            membership=Subquery(current),
            day__date__range=(around - TODAY_SPREAD, around + TODAY_SPREAD),
        )
        .exclude(status=Report.Status.NOT_PARTICIPATE)
        .select_related("day__shift", "membership")
    )
    if lock:
        reports = reports.select_for_update(of=("self",))
    return list(reports)


@dataclass(frozen=True, slots=True)
class KnownPhoto:
    """What is already stored about a photo message."""

    delivered: int | None = None  # the submission made from this very update
    album: int | None = None  # the submission of its album, for this report
    file_seen: bool = False  # this Telegram file was submitted before


def photo_known(
    *,
    update_id: int | None,
    file_unique_id: str,
    report: Report | None = None,
    media_group_id: str = "",
) -> KnownPhoto:
    """Return what is stored about a photo message: one query, or none when the
    message carries nothing to look up."""
    album_key = (report.pk, media_group_id) if report and media_group_id else None
    match = Q()
    if update_id is not None:
        match |= Q(telegram_update_id=update_id)
    if file_unique_id:
        match |= Q(telegram_file_unique_id=file_unique_id)
    if album_key is not None:
        match |= Q(report_id=album_key[0], media_group_id=album_key[1])
    if not match:
        return KnownPhoto()
    delivered = album = None
    file_seen = False
    rows = (
        Submission.objects.filter(match)
        .order_by("pk")
        .values_list(
            "pk",
            "telegram_update_id",
            "telegram_file_unique_id",
            "report_id",
            "media_group_id",
        )
    )
    for pk, update, unique_id, report_id, group in rows:
        if update_id is not None and update == update_id:
            delivered = pk
        if album is None and album_key is not None and (report_id, group) == album_key:
            album = pk
        if file_unique_id and unique_id == file_unique_id:
            file_seen = True
    return KnownPhoto(delivered, album, file_seen)


def photo_same_hash_in_shift(phash: str, *, shift_id: int) -> int | None:
    """Return the first photo of the shift with exactly this perceptual hash."""
    return (
        Submission.objects.filter(photo_hash=phash, report__day__shift_id=shift_id)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def photo_hashes_of(participant_id: int) -> list[tuple[int, str]]:
    """Return (id, perceptual hash) of the participant's latest photos, newest first."""
    return list(
        Submission.objects.filter(report__membership__participant_id=participant_id)
        .exclude(photo_hash="")
        .order_by("-pk")
        .values_list("pk", "photo_hash")[:NEAR_DUPLICATE_WINDOW]
    )
