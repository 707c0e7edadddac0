import datetime as dt
import json
import zoneinfo

import pytest
from django.core.management import call_command
from django.db.models import Min

from core.models import Application, Membership, Participant, Shift, User
from moderation.demo import demo_seed
from moderation.models import Report, Submission
from notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_living_programme(settings, tmp_path):
    settings.VAR_DIR = tmp_path

    call_command("seed_demo")

    statuses = sorted(Shift.objects.values_list("status", flat=True))
    assert statuses == ["finished", "finished", "preparing", "started"]
    running = Shift.objects.get(status="started")
    assert running.memberships.count() == 30
    assert Application.objects.pending().filter(shift__status="preparing").exists()
    photos = Submission.objects.all()
    assert photos.exists()
    assert all(sent.photo.storage.exists(sent.photo.name) for sent in photos[:5])
    assert Report.objects.reviewing().exists()
    assert {"admin", "coordinator", "moderator"} <= set(
        User.objects.values_list("username", flat=True)
    )


def test_seed_demo_twice_changes_nothing(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    counts = (Participant.objects.count(), Report.objects.count())
    password_file = (tmp_path / "demo_credentials.json").read_text()

    call_command("seed_demo")

    assert (Participant.objects.count(), Report.objects.count()) == counts
    assert (tmp_path / "demo_credentials.json").read_text() == password_file
    admin = User.objects.get(username="admin")
    assert admin.check_password(json.loads(password_file)["admin"])


MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(
    "now",
    [
        dt.datetime(2026, 12, 6, 21, 18, tzinfo=MOSCOW),
        # Before the task hour: the current task day is still yesterday's.
        dt.datetime(2026, 11, 20, 6, 30, tzinfo=MOSCOW),
    ],
    ids=["evening", "before-task-hour"],
)
def test_demo_seed_dates_every_photo_within_its_task_day(settings, tmp_path, now):
    settings.TIME_ZONE = "Europe/Moscow"

    demo_seed(now=now)

    running = Shift.objects.get(status="started")
    today = running.task_date(now)
    assert running.days.filter(date=today, opened_at__isnull=False).exists()
    assert not running.days.filter(date__gt=today, opened_at__isnull=False).exists()
    reports = Report.objects.filter(day__shift=running).select_related("day")
    assert reports.filter(day__date=today, status=Report.Status.REVIEWING).exists()
    for report in reports:
        opened = running.moment_at(report.day.date, running.task_hour)
        assert report.created_at == opened
        submissions = list(report.submissions.order_by("attempt"))
        assert len(submissions) == report.attempts
        if not submissions:
            assert report.submitted_at is None
            continue
        # The review panel's "sent" and the "submitted at" field are one moment.
        assert submissions[-1].created_at == report.submitted_at
        moments = []
        for submission in submissions:
            assert running.task_date(submission.created_at) == report.day.date
            moments.append(submission.created_at)
            if submission.reviewed_at is not None:
                moments.append(submission.reviewed_at)
        assert moments == sorted(moments)
        assert moments[-1] <= now
        assert report.reviewed_at == submissions[-1].reviewed_at


def test_demo_seed_dates_people_and_messages_before_now(settings, tmp_path):
    now = dt.datetime(2026, 12, 6, 21, 18, tzinfo=MOSCOW)

    demo_seed(now=now)

    first_applied = dict(
        Application.objects.values("participant")
        .annotate(first=Min("created_at"))
        .values_list("participant", "first")
    )
    for participant in Participant.objects.all():
        assert participant.created_at < first_applied[participant.pk]
    for application in Application.objects.exclude(reviewed_at=None):
        assert application.created_at < application.reviewed_at <= now
    for membership in Membership.objects.select_related("shift"):
        assert membership.created_at.date() < membership.shift.start_date
    messages = OutboxMessage.objects.all()
    assert messages.exists()
    # History, never to be sent to the made-up chats.
    assert set(messages.values_list("status", flat=True)) == {"sent"}
    assert messages.filter(created_at__gt=now).count() == 0
