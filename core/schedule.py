"""Every periodic task, declared here and nowhere else.

Celery beat runs with django-celery-beat's DatabaseScheduler, which reads its
table (`PeriodicTask` rows, shown in the admin). `periodic_tasks_sync` writes the
declarations below into it after every `migrate`; beat's own copy of a
`CELERY_BEAT_SCHEDULE` setting is not used, so there is one source. Which queue
a task goes to is decided by its name (`CELERY_TASK_ROUTES` in the settings).

Tasks are named as strings: `core` imports none of the apps that define them.
"""

import dataclasses

from django.db import transaction

# The digests staff set up: a row per subscription, written by
# `moderation.insights.digests`, each with the subscription's own hour.
DIGEST_TASK = "moderation.tasks.digest_send_task"


@dataclasses.dataclass(frozen=True)
class PeriodicJob:
    """A task beat sends every `every_seconds`, or on the UTC `crontab`."""

    task: str
    every_seconds: int | None = None
    # CrontabSchedule fields that are not "*".
    crontab: dict[str, str] | None = None
    # A run not picked up before the next one is due is dropped: the next one
    # does the same work.
    expire_seconds: int | None = None
    description: str = ""


# Keyed by the row's name (kept from earlier releases, so existing rows are
# updated rather than doubled).
PERIODIC_TASKS = {
    "Daily cycle: tick": PeriodicJob(
        task="moderation.tasks.tick_task",
        crontab={},  # every minute
        expire_seconds=60,
        description="Starts shifts, opens task days, sends reminders, "
        "finishes shifts (manage.py tick runs the same).",
    ),
    "outbox-drain": PeriodicJob(
        task="notifications.tasks.outbox_drain_task",
        every_seconds=10,
        expire_seconds=10,
        description="Sends what the outbox holds, if no sender runs "
        "(a commit that queues a message starts one at once).",
    ),
    "outbox-sweep": PeriodicJob(
        task="notifications.tasks.outbox_sweep_task",
        every_seconds=60,
        expire_seconds=60,
        description="Reports messages whose worker died as in doubt; "
        "expires overdue ones.",
    ),
    "mailings-dispatch-due": PeriodicJob(
        task="notifications.tasks.mailings_dispatch_due_task",
        every_seconds=30,
        expire_seconds=30,
        description="Fans out due mailings and closes finished ones.",
    ),
}


@transaction.atomic
def periodic_tasks_sync() -> list[str]:
    """Write the declared periodic tasks into beat's table; return the names changed.

    A missing row is made; an existing one gets the declared task, schedule,
    expiry, queue (none: the route decides) and description back. Whether it is
    enabled is left as staff set it in the admin (they may pause one). Rows are
    written with `save()`: beat notices a change only through it
    (`PeriodicTasks.changed`).
    """
    from django_celery_beat.models import (
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
    )

    changed = []
    for name, job in PERIODIC_TASKS.items():
        task = PeriodicTask.objects.filter(name=name).first() or PeriodicTask(name=name)
        interval = crontab = None
        if job.crontab is not None:
            crontab, _created = CrontabSchedule.objects.get_or_create(
                **{
                    "minute": "*",
                    "hour": "*",
                    "day_of_week": "*",
                    "day_of_month": "*",
                    "month_of_year": "*",
                    **job.crontab,
                    "timezone": "UTC",
                }
            )
        else:
            interval, _created = IntervalSchedule.objects.get_or_create(
                every=job.every_seconds, period=IntervalSchedule.SECONDS
            )
        declared = {
            "task": job.task,
            "interval": interval,
            "crontab": crontab,
            "solar": None,
            "clocked": None,
            "expires": None,
            "expire_seconds": job.expire_seconds,
            # Empty: the task's route in the settings picks the queue.
            "queue": None,
            "description": job.description,
        }
        if task.pk and all(getattr(task, f) == v for f, v in declared.items()):
            continue
        for field, value in declared.items():
            setattr(task, field, value)
        task.save()
        changed.append(name)
    return changed
