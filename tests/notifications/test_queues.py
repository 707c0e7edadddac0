"""The sender on a Celery queue of its own: a long drain holds up nothing else."""

import re
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django_celery_results.models import TaskResult

from core.celery import app
from core.schedule import DIGEST_TASK, PERIODIC_TASKS
from notifications.models import OutboxMessage
from notifications.services import message_enqueue
from tests.factories import ParticipantFactory
from tests.workers import CeleryWorker

DRAIN = "notifications.tasks.outbox_drain_task"
TICK = "moderation.tasks.tick_task"
# How long the fake Bot API holds the drain's one request.
HELD_SECONDS = 25.0


def queue_of(task: str) -> str:
    return app.amqp.router.route({}, task)["queue"].name


def test_sender_task_goes_to_the_telegram_queue():
    assert queue_of(DRAIN) == settings.CELERY_TELEGRAM_QUEUE == "telegram"


def test_other_tasks_stay_on_the_default_queue():
    others = {job.task for job in PERIODIC_TASKS.values()} - {DRAIN}
    others |= {DIGEST_TASK, "moderation.tasks.export_job_run_task"}

    assert {queue_of(task) for task in others} == {"celery"}


def test_each_way_of_running_starts_a_worker_for_each_queue():
    base = Path(settings.BASE_DIR)
    procfile = dict(
        line.split(":", 1) for line in (base / "Procfile.dev").read_text().splitlines()
    )
    compose = re.findall(
        r"^\s+command: (.+)$", (base / "docker-compose.yml").read_text(), re.MULTILINE
    )
    make_run = (base / "Makefile").read_text().split("procs=", 1)[1].split(";")[0]

    for commands in (list(procfile.values()), compose):
        workers = [c for c in commands if "celery -A core worker" in c]
        assert len(workers) == 2
        assert sum(f"-Q {settings.CELERY_TELEGRAM_QUEUE}" in c for c in workers) == 1
        assert sum("-Q" not in c for c in workers) == 1  # the default queue
    assert {"worker", "sender", "beat"} <= set(make_run.strip('"').split())
    assert "-Q telegram" in procfile["sender"]


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"]
    or not settings.REDIS_URL,
    reason="needs PostgreSQL and Redis (the workers share them)",
)
@pytest.mark.django_db(transaction=True)
def test_tick_runs_while_a_long_drain_holds_the_senders_slot(telegram):
    message = message_enqueue(
        ParticipantFactory(), kind="shift", text="Hi", dedupe_key="slow"
    )
    telegram.delay_next(1, HELD_SECONDS, method="sendMessage")
    env = {
        "TELEGRAM_API_BASE": telegram.base_url,
        "TELEGRAM_REQUEST_TIMEOUT": str(HELD_SECONDS + 10),
    }
    queue = f"test-{uuid.uuid4().hex[:12]}"
    queues = {"queue": queue, "telegram_queue": f"{queue}-telegram"}
    # One slot each, as production's worker and sender have their own.
    worker = CeleryWorker(env=env, consumes=[queue], **queues)
    sender = CeleryWorker(env=env, consumes=[queues["telegram_queue"]], **queues)

    with worker, sender:
        sender.send(DRAIN)
        assert telegram.wait_for(lambda: _status(message) == "sending", timeout=30)
        started = time.monotonic()
        tick = worker.send(TICK)
        ticked = telegram.wait_for(
            lambda: TaskResult.objects.filter(task_id=tick, status="SUCCESS").exists(),
            timeout=HELD_SECONDS - 5,
        )
        ticked_after = time.monotonic() - started
        still_sending = _status(message) == "sending"

    assert ticked, worker.output()[-3000:]
    assert still_sending, f"the drain ended before the tick ran ({ticked_after:.1f} s)"


def _status(message: OutboxMessage) -> str:
    return OutboxMessage.objects.values_list("status", flat=True).get(pk=message.pk)
