"""Error reporting: off by default; with SENTRY_DSN, errors arrive without secrets or PII.

A local HTTP server stands in for Sentry's ingest endpoint (tests/sentry_ingest.py),
so these tests read exactly what would leave the machine.
"""

import json
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator

import pytest
import sentry_sdk
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.test import Client, RequestFactory

from core.celery import app
from core.sentry import sentry_init
from tests.factories import UserFactory
from tests.sentry_ingest import SentryIngest
from tests.workers import COMMAND_TIMEOUT, CeleryWorker

BOT_TOKEN = "987654:sentry-test-bot-token"
READINESS_TOKEN = "readiness-token-in-a-query"


@pytest.fixture
def ingest() -> Iterator[SentryIngest]:
    with SentryIngest() as server:
        yield server


@pytest.fixture
def reporting(ingest: SentryIngest, settings) -> Iterator[SentryIngest]:
    """Report this process's errors to the local ingest, as SENTRY_DSN would."""
    settings.TELEGRAM_BOT_TOKEN = BOT_TOKEN
    settings.READINESS_TOKEN = READINESS_TOKEN
    sentry_init(ingest.dsn, environment="tests")
    yield ingest
    # A client without a DSN: reporting is off again for the other tests.
    sentry_sdk.init()


def test_reporting_is_off_without_a_dsn():
    assert settings.SENTRY_DSN == ""
    assert sentry_sdk.get_client().transport is None


def test_uncaught_error_of_a_process_reaches_sentry_without_secrets(ingest):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "core.settings",
        "DJANGO_SECRET_KEY": "sentry-test-secret-key",
        "SENTRY_DSN": ingest.dsn,
        "SENTRY_ENVIRONMENT": "staging",
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
    }
    failing = (
        "from django.conf import settings\n"
        "raise ConnectionError("
        "f'GET https://api.telegram.org/bot{settings.TELEGRAM_BOT_TOKEN}/getMe')"
    )

    finished = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", failing],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )

    assert finished.returncode != 0
    event = ingest.wait_for_event()
    [exception] = event["exception"]["values"]
    assert exception["type"] == "ConnectionError"
    assert exception["value"] == "GET https://api.telegram.org/bot[secret]/getMe"
    assert event["environment"] == "staging"
    assert BOT_TOKEN.encode() not in b"".join(ingest.raw)


@pytest.mark.urls("tests.core.failing_urls")
@pytest.mark.django_db(transaction=True)
def test_failed_request_reaches_sentry_without_personal_data(reporting):
    staff = UserFactory(username="olga.petrova", email="olga@example.org")
    client = Client()
    client.force_login(staff)
    session = client.cookies["sessionid"].value
    request = RequestFactory().post(
        f"/fail/?shift=3&token={READINESS_TOKEN}",
        data=json.dumps({"first_name": "Masha", "phone": "+79990001122"}),
        content_type="application/json",
        headers={
            "Authorization": "Bearer some-credential",
            "Cookie": f"sessionid={session}",
            "X-Forwarded-For": "10.1.2.3",
            "X-Telegram-Bot-Api-Secret-Token": "webhook-secret-value",
            "User-Agent": "health-tests",
        },
    )
    statuses = []

    # Through the WSGI handler, as gunicorn calls it (the test client skips
    # the SDK's WSGI wrapper, which adds the request's URL and headers).
    get_wsgi_application()(
        request.environ, lambda status, *args: statuses.append(status)
    )
    sentry_sdk.flush()

    assert statuses == ["500 Internal Server Error"]
    event = reporting.wait_for_event()
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert event["request"]["url"].endswith("/fail/")
    assert "shift=3" in event["request"]["query_string"]
    assert event["request"]["headers"]["User-Agent"] == "health-tests"
    assert "user" not in event
    sent = b"".join(reporting.raw).decode()
    for private in (
        "olga",
        "Masha",
        "+79990001122",
        "some-credential",
        session,
        "10.1.2.3",
        "webhook-secret-value",
        READINESS_TOKEN,
    ):
        assert private not in sent


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"]
    or not settings.REDIS_URL,
    reason="needs PostgreSQL and Redis (a worker process shares them)",
)
@pytest.mark.django_db(transaction=True)
def test_failed_task_of_a_worker_reaches_sentry(ingest):
    with CeleryWorker(env={"SENTRY_DSN": ingest.dsn}) as worker:
        with warnings.catch_warnings():
            # The tests run Celery eagerly; this task is meant for the worker.
            warnings.simplefilter("ignore")
            # No such export job: the task raises in the worker's pool process.
            app.send_task(
                "moderation.tasks.export_job_run_task",
                args=[999_999],
                queue=worker.queue,
            )

        event = ingest.wait_for_event(timeout=60)

    [exception] = event["exception"]["values"]
    assert exception["type"] == "ExportJob.DoesNotExist"
    assert event["transaction"] == "moderation.tasks.export_job_run_task"
