import pytest
from django.core.management import call_command

from core.models import Application, Participant, Shift, User
from moderation.models import Report, Submission

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
    import json

    assert admin.check_password(json.loads(password_file)["admin"])
