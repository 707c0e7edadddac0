"""An export job end to end: queued by the admin, written by a real Celery worker."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse

from core import celery as celery_module
from moderation.models import ExportJob, Report
from tests.factories import ReportFactory, UserFactory
from tests.moderation.test_exports import export_post

WAIT_SECONDS = 60


@pytest.fixture
def worker(settings):
    """A Celery worker process on a queue of its own, against the test database."""
    if not settings.REDIS_URL:
        pytest.skip("needs the Redis broker (REDIS_URL), as in CI")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    app = celery_module.app
    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "core.settings",
        "DJANGO_SECRET_KEY": "tests-only-secret-key",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": app.conf.broker_url,
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "core",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=warning",
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )
    yield process
    process.terminate()
    process.wait(timeout=20)
    app.conf.task_always_eager, app.conf.task_default_queue = saved


@pytest.mark.django_db(transaction=True)
def test_large_export_is_written_by_a_celery_worker(client, worker, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs the PostgreSQL test database")
    settings.EXPORT_INLINE_MAX_ROWS = 1
    ReportFactory.create_batch(3, status=Report.Status.APPROVED)
    client.force_login(UserFactory(username="exporter", is_superuser=True))

    response = export_post(client, "moderation_report", "reportresource", 0)

    assert response.status_code == 302
    job = ExportJob.objects.get()
    deadline = time.monotonic() + WAIT_SECONDS
    while job.status in ("pending", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.rows_done == 3
    with default_storage.open(job.file.name, "rb") as file:
        lines = file.read().decode("utf-8-sig").splitlines()
    assert len(lines) == 4
    download = client.get(reverse("admin:moderation_exportjob_download", args=[job.pk]))
    assert b"".join(download.streaming_content).decode("utf-8-sig").count("\n") == 4
