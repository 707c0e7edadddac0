import pytest
import time_machine
from django_celery_beat.models import PeriodicTask

from core.celery import app
from moderation.tasks import tick_task
from tests.moderation.days import at, make_shift, members_of, refreshed

pytestmark = pytest.mark.django_db


def test_tick_task_runs_tick_now(admin_user):
    shift = make_shift()
    members_of(shift, 1, admin_user)

    with time_machine.travel(at(shift, 1, 8, 30), tick=False):
        counts = tick_task.delay().get()

    assert counts == {
        "started": 1,
        "days_opened": 1,
        "reminded": 0,
        "finished": 0,
        "photos_removed": 0,
        "export_files_removed": 0,
    }
    assert refreshed(shift).started_at == at(shift, 1, 8, 30)


def test_tick_periodic_task_runs_every_minute():
    task = PeriodicTask.objects.get(task="moderation.tasks.tick_task")

    assert task.enabled
    assert task.crontab is not None
    assert (task.crontab.minute, task.crontab.hour) == ("*", "*")
    assert task.expire_seconds == 60


def test_tick_task_is_registered_for_beat():
    app.loader.import_default_modules()

    task = PeriodicTask.objects.get(name="Daily cycle: tick")

    assert task.task in app.tasks
    assert app.tasks[task.task].name == tick_task.name
