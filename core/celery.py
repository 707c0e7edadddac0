"""Celery application shared by the worker, beat and the web process."""

import logging
import os

from celery import Celery, Task
from celery.signals import after_setup_logger, after_setup_task_logger
from kombu.exceptions import OperationalError

from core.outages import OutageLog
from core.redaction import handlers_redact

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

app = Celery("smena")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)
broker_outage = OutageLog(logger, "Celery broker (Redis)")


def task_kick(task: Task, *args: object, meanwhile: str = "waits for beat") -> bool:
    """Queue `task` now; if the broker is unreachable, log it (once) and go on.

    For tasks that only hurry work a periodic beat job does anyway (draining the
    outbox, fanning out due mailings): a broker outage must not fail the request
    whose change is already committed, and beat picks the work up when the broker
    is back. Celery retries the publish briefly (about a second) before giving up.
    `meanwhile` says in the warning what becomes of the work. Return whether the
    task was queued.
    """
    try:
        task.delay(*args)
    except OperationalError as error:
        broker_outage.down(error, f"{task.name} {meanwhile}")
        return False
    broker_outage.up()
    return True


@after_setup_logger.connect
@after_setup_task_logger.connect
def logs_redact_secrets(logger, **kwargs) -> None:
    """Keep secrets out of the worker's and beat's logs too: Celery replaces the
    handlers Django's LOGGING set up with its own."""
    handlers_redact(logger)
