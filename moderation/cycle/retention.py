"""Retention: report photos and export files deleted from storage after a while.

Photos go `PHOTO_RETENTION_DAYS` after their shift finished, export files
`EXPORT_RETENTION_DAYS` after they were written. The rows stay (reports,
attempts and verdicts still count), marked with when their file went. Files are
deleted through the storage API, so local storage and S3 alike; a file already
gone is no error, so every step may run again after a crash. The daily cycle's
`tick` runs both jobs, a bounded number of files each minute.
"""

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from core.models import Shift
from moderation.models import ExportJob, Submission

# Photo rows read from the database at a time.
PHOTO_BATCH = 100
# Files deleted by one tick at most: a minute's work even on S3 (one request per
# file), however many photos fall due at once; the rest goes in later ticks.
PHOTOS_PER_TICK = 500
EXPORT_FILES_PER_TICK = 50


def photos_remove(
    submissions: QuerySet[Submission],
    *,
    now: dt.datetime | None = None,
    limit: int | None = None,
) -> int:
    """Delete the photo files of `submissions` and mark them removed; return how many.

    Batch by batch (`PHOTO_BATCH` rows), up to `limit` photos (all without one).
    Each batch's files are deleted first, then its rows are marked, emptying
    `photo` and the Telegram file id (with which the bot could fetch the photo
    again); a crash in between leaves rows whose files are gone, which the next
    run deletes again harmlessly.
    """
    now = now or timezone.now()
    storage = Submission._meta.get_field("photo").storage
    kept = submissions.filter(photo_removed_at__isnull=True).order_by("pk")
    removed = 0
    while limit is None or removed < limit:
        size = PHOTO_BATCH if limit is None else min(PHOTO_BATCH, limit - removed)
        batch = list(kept.values_list("pk", "photo")[:size])
        for _pk, name in batch:
            if name:
                storage.delete(name)
        Submission.objects.filter(pk__in=[pk for pk, _name in batch]).update(
            photo="", telegram_file_id="", photo_removed_at=now
        )
        removed += len(batch)
        if len(batch) < size:
            break
    return removed


def shifts_photos_due(now: dt.datetime) -> QuerySet[Shift]:
    """Finished shifts whose photos are due for deletion and not all deleted yet."""
    cutoff = now - dt.timedelta(days=settings.PHOTO_RETENTION_DAYS)
    return Shift.objects.filter(
        status=Shift.Status.FINISHED,
        finished_at__lte=cutoff,
        photos_removed_at__isnull=True,
    ).order_by("finished_at", "pk")


def shift_photos_remove(
    shift: Shift, *, now: dt.datetime | None = None, limit: int = PHOTOS_PER_TICK
) -> int:
    """Delete up to `limit` report photos of a finished shift; return how many.

    Once none is left, the shift is marked (`photos_removed_at`) and not looked
    at again. Called when the shift is due (`shifts_photos_due`).
    """
    now = now or timezone.now()
    removed = photos_remove(
        Submission.objects.filter(report__day__shift=shift), now=now, limit=limit
    )
    if removed < limit:
        shift.photos_removed_at = now
        shift.save(update_fields=["photos_removed_at", "updated_at"])
    return removed


def export_files_remove_due(
    *, now: dt.datetime | None = None, limit: int = EXPORT_FILES_PER_TICK
) -> int:
    """Delete the files of exports written over `EXPORT_RETENTION_DAYS` ago.

    Exports hold personal data of many participants and are meant to be
    downloaded at once; the job rows stay, marked `file_removed_at`.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.EXPORT_RETENTION_DAYS)
    storage = ExportJob._meta.get_field("file").storage
    jobs = list(
        ExportJob.objects.filter(finished_at__lte=cutoff)
        .exclude(file="")
        .order_by("pk")
        .values_list("pk", "file")[:limit]
    )
    for _pk, name in jobs:
        storage.delete(name)
    ExportJob.objects.filter(pk__in=[pk for pk, _name in jobs]).update(
        file="", file_removed_at=now
    )
    return len(jobs)
