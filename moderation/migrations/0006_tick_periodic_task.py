"""Beat runs `tick_task` every minute: the daily cycle's clock."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "Daily cycle: tick"


def periodic_task_create(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _created = crontab_model.objects.get_or_create(
        minute="*",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    task_model.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "moderation.tasks.tick_task",
            "crontab": every_minute,
            "enabled": True,
            # A tick queued while the workers were down is dropped: the next one
            # catches up anyway.
            "expire_seconds": 60,
            "description": "Starts shifts, opens task days, sends reminders, "
            "finishes shifts (manage.py tick runs the same).",
        },
    )
    # Tells a running beat (DatabaseScheduler) to reload its schedule.
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def periodic_task_delete(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=TASK_NAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0005_coordinators_manage_digests"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(periodic_task_create, periodic_task_delete),
    ]
