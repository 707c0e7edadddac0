"""Celery application shared by the worker, beat and the web process."""

import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

from core.redaction import handlers_redact

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

app = Celery("smena")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def logs_redact_secrets(logger, **kwargs) -> None:
    """Keep secrets out of the worker's and beat's logs too: Celery replaces the
    handlers Django's LOGGING set up with its own."""
    handlers_redact(logger)
