"""Retention: report photos and export files deleted from storage by the tick."""

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse

from core.models import Shift
from moderation.cycle import retention
from moderation.cycle.clock import tick
from moderation.cycle.retention import shift_photos_remove
from moderation.insights import statistics
from moderation.models import ExportJob, Report, Submission
from tests.factories import UserFactory, report_under_review
from tests.moderation.days import at, make_shift, members_of, refreshed, report_of

pytestmark = pytest.mark.django_db

DAYS = dt.timedelta(days=1)


def photo_names(shift: Shift) -> list[str]:
    return list(
        Submission.objects.filter(report__day__shift=shift)
        .order_by("pk")
        .values_list("photo", flat=True)
    )


def test_tick_deletes_photos_of_a_shift_finished_long_ago(photo_storage, finished):
    names = photo_names(finished)
    assert len(names) == 3
    assert all(photo_storage.exists(name) for name in names)
    due = finished.finished_at + 90 * DAYS

    result = tick(now=due)

    assert result.photos_removed == 3
    assert not any(photo_storage.exists(name) for name in names)
    submissions = Submission.objects.filter(report__day__shift=finished)
    assert submissions.count() == 3
    for submission in submissions:
        assert submission.is_photo_removed
        assert submission.photo_removed_at == due
        assert submission.photo.name == ""
        # With the file id the bot could fetch the photo from Telegram again.
        assert submission.telegram_file_id == ""
        assert submission.verdict
    assert refreshed(finished).photos_removed_at == due


def test_tick_keeps_photos_until_the_retention_period_is_over(finished):
    names = photo_names(finished)

    result = tick(now=finished.finished_at + 90 * DAYS - dt.timedelta(minutes=1))

    assert result.photos_removed == 0
    assert photo_names(finished) == names
    assert refreshed(finished).photos_removed_at is None


def test_retention_period_comes_from_the_setting(finished, settings):
    settings.PHOTO_RETENTION_DAYS = 10

    result = tick(now=finished.finished_at + 10 * DAYS)

    assert result.photos_removed == 3


def test_tick_leaves_photos_of_running_shifts(photo_storage, finished, admin_user):
    running = make_shift(
        start_date=finished.end_date + 30 * DAYS,
        end_date=finished.end_date + 100 * DAYS,
    )
    member = members_of(running, 1, admin_user)[0]
    tick(now=at(running, 1, 8))
    kept = report_under_review(report_of(member, 1), at=at(running, 1, 9))

    result = tick(now=finished.finished_at + 100 * DAYS)

    assert result.photos_removed == 3
    kept.refresh_from_db()
    assert not kept.is_photo_removed
    assert photo_storage.exists(kept.photo.name)


def test_retention_deletes_in_bounded_batches(finished, monkeypatch):
    monkeypatch.setattr(retention, "PHOTO_BATCH", 2)
    due = finished.finished_at + 90 * DAYS

    first = shift_photos_remove(finished, now=due, limit=2)
    assert refreshed(finished).photos_removed_at is None
    second = shift_photos_remove(finished, now=due, limit=2)

    assert (first, second) == (2, 1)
    assert refreshed(finished).photos_removed_at == due
    assert not Submission.objects.filter(photo_removed_at__isnull=True).exists()


def test_tick_deletes_at_most_a_tick_s_worth_of_photos(finished, monkeypatch):
    monkeypatch.setattr("moderation.cycle.clock.PHOTOS_PER_TICK", 2)
    due = finished.finished_at + 90 * DAYS

    counts = [
        tick(now=due + n * dt.timedelta(minutes=1)).photos_removed for n in (0, 1, 2)
    ]

    assert counts == [2, 1, 0]
    assert refreshed(finished).photos_removed_at is not None


def test_retention_of_a_photo_already_gone_is_no_error(photo_storage, finished):
    names = photo_names(finished)
    photo_storage.delete(names[0])

    result = tick(now=finished.finished_at + 90 * DAYS)

    assert result.photos_removed == 3
    assert result.failed == []


def test_retention_twice_changes_nothing(finished):
    due = finished.finished_at + 90 * DAYS
    tick(now=due)

    result = tick(now=due + DAYS)

    assert result.photos_removed == 0
    assert refreshed(finished).photos_removed_at == due
    assert set(Submission.objects.values_list("photo_removed_at", flat=True)) == {due}


def test_statistics_are_the_same_after_photos_are_removed(finished, client, admin_user):
    scope = statistics.Scope.for_shift(finished)
    before = statistics.summary(scope)

    tick(now=finished.finished_at + 90 * DAYS)

    assert statistics.summary(scope) == before
    client.force_login(admin_user)
    cache.clear()
    page = client.get(reverse("admin:core_shift_statistics_detail", args=[finished.pk]))
    assert page.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


def test_review_page_says_photo_removed(finished, client, admin_user):
    report = report_of(finished.memberships.order_by("pk")[1], 1)
    tick(now=finished.finished_at + 90 * DAYS)
    client.force_login(admin_user)

    page = client.get(reverse("admin:moderation_report_change", args=[report.pk]))
    listing = client.get(
        reverse("admin:moderation_report_changelist")
        + f"?day__shift__id__exact={finished.pk}"
    )

    assert page.status_code == 200
    content = page.content.decode()
    assert "Photo removed on" in content
    assert "/private-media/" not in content
    assert listing.status_code == 200
    assert "photo removed" in listing.content.decode()
    assert "/private-media/reports/" not in listing.content.decode()


def test_review_page_says_photo_removed_in_russian(finished, client, admin_user):
    report = report_of(finished.memberships.order_by("pk")[0], 1)
    tick(now=finished.finished_at + 90 * DAYS)
    client.force_login(admin_user)

    page = client.get(
        reverse("admin:moderation_report_change", args=[report.pk]),
        headers={"accept-language": "ru"},
    )

    assert "Фото удалено" in page.content.decode()


def test_private_link_of_a_removed_photo_answers_not_found(
    finished, client, admin_user
):
    names = photo_names(finished)
    client.force_login(admin_user)
    assert client.get(f"/private-media/{names[0]}").status_code == 200

    tick(now=finished.finished_at + 90 * DAYS)

    assert client.get(f"/private-media/{names[0]}").status_code == 404


def export_job(finished_at: dt.datetime, **fields) -> ExportJob:
    fields.setdefault("created_by", UserFactory())
    job = ExportJob.objects.create(
        model="core.participant",
        resource="participants",
        file_format="csv",
        status=ExportJob.Status.DONE,
        **fields,
    )
    job.file.save("participants.csv", ContentFile(b"Ivanov;+79001234567\n"))
    ExportJob.objects.filter(pk=job.pk).update(finished_at=finished_at)
    job.refresh_from_db()
    return job


def test_tick_deletes_export_files_after_the_export_retention(settings, photo_storage):
    settings.EXPORT_RETENTION_DAYS = 7
    written = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
    old, recent = export_job(written), export_job(written + 2 * DAYS)
    old_name, recent_name = old.file.name, recent.file.name

    result = tick(now=written + 7 * DAYS)

    assert result.export_files_removed == 1
    assert not photo_storage.exists(old_name)
    assert photo_storage.exists(recent_name)
    old.refresh_from_db()
    assert old.file.name == ""
    assert old.file_removed_at == written + 7 * DAYS
    assert not old.is_ready


def test_exports_list_says_file_removed(client, admin_user):
    written = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
    job = export_job(written, created_by=admin_user)
    tick(now=written + 30 * DAYS)
    client.force_login(admin_user)

    listing = client.get(reverse("admin:moderation_exportjob_changelist"))
    download = client.get(reverse("admin:moderation_exportjob_download", args=[job.pk]))

    assert "file removed" in listing.content.decode()
    assert download.status_code == 404


def test_tick_command_reports_removed_photos(finished):
    out = io.StringIO()

    call_command(
        "tick", "--at", (finished.finished_at + 90 * DAYS).isoformat(), stdout=out
    )

    assert "photos removed 3, export files removed 0" in out.getvalue()
    assert Report.objects.filter(day__shift=finished).count() == 10
