import pytest
from django.conf import settings
from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks

from core.celery import app
from core.schedule import DIGEST_TASK, PERIODIC_TASKS, periodic_tasks_sync

pytestmark = pytest.mark.django_db


def test_periodic_tasks_are_in_beats_table_after_migrate():
    rows = {
        task.name: task for task in PeriodicTask.objects.filter(name__in=PERIODIC_TASKS)
    }

    assert set(rows) == set(PERIODIC_TASKS)
    for name, job in PERIODIC_TASKS.items():
        assert rows[name].task == job.task
        assert rows[name].expire_seconds == job.expire_seconds
        assert rows[name].enabled


def test_periodic_tasks_name_registered_tasks():
    app.loader.import_default_modules()

    for task in [job.task for job in PERIODIC_TASKS.values()] + [DIGEST_TASK]:
        assert task in app.tasks


def test_periodic_tasks_have_no_second_declaration():
    assert not getattr(settings, "CELERY_BEAT_SCHEDULE", None)
    assert not app.conf.beat_schedule


def test_periodic_tasks_sync_changes_nothing_when_rows_match():
    before = PeriodicTasks.last_change()

    changed = periodic_tasks_sync()

    assert changed == []
    assert PeriodicTasks.last_change() == before


def test_periodic_tasks_sync_restores_the_schedule_and_keeps_a_pause():
    name = "outbox-drain"
    task = PeriodicTask.objects.get(name=name)
    task.interval, _created = IntervalSchedule.objects.get_or_create(
        every=999, period=IntervalSchedule.SECONDS
    )
    task.queue = "elsewhere"
    task.enabled = False
    task.save()
    before = PeriodicTasks.last_change()

    changed = periodic_tasks_sync()

    task.refresh_from_db()
    assert changed == [name]
    assert task.interval.every == PERIODIC_TASKS[name].every_seconds
    assert task.queue is None
    assert task.enabled is False
    # Written with save(), so a running beat reloads its schedule.
    assert PeriodicTasks.last_change() != before


def test_periodic_tasks_sync_makes_a_deleted_row_again():
    PeriodicTask.objects.get(name="Daily cycle: tick").delete()

    changed = periodic_tasks_sync()

    tick = PeriodicTask.objects.get(name="Daily cycle: tick")
    assert changed == ["Daily cycle: tick"]
    assert (tick.crontab.minute, tick.crontab.hour, tick.crontab.timezone.key) == (
        "*",
        "*",
        "UTC",
    )
