"""Health of the running product: /readyz follows beat and the bot as they stop and
start, and /healthz answers while the database is gone.

Real processes (gunicorn, a Celery worker, beat, runbot against the fake Bot API)
with a heartbeat max age of a few seconds instead of two minutes.
"""

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from core import heartbeats
from tests.e2e.conftest import needs_servers, tick_pause, tick_resume
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.workers import (
    READY_TIMEOUT,
    BotProcess,
    CeleryBeat,
    CeleryWorker,
    ProductProcess,
    WebServer,
    free_port,
)

TOKEN = "readiness-token-of-the-process-test"
MAX_AGE = 8
# Beyond MAX_AGE: how long a busy machine may take to notice and answer.
SLACK = 40
HEALTH_ENV = {
    "HEARTBEAT_MAX_AGE": str(MAX_AGE),
    "HEARTBEAT_INTERVAL": "1",
    "READINESS_TOKEN": TOKEN,
    # As in production, so that /healthz's exemption is exercised; /readyz
    # requests say they came over HTTPS, as the TLS proxy does.
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_DEBUG": "false",
}


class HealthyWeb(WebServer):
    """The web process, ready when /healthz answers (it needs no database)."""

    def is_ready(self) -> bool:
        try:
            return readyz_get(f"{self.url}/healthz")[0] == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False


def readyz_get(url: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url,
        headers={"Authorization": f"Bearer {TOKEN}", "X-Forwarded-Proto": "https"},
    )
    try:
        # An unreachable database answers after the pool's timeout.
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


class Readiness:
    """Polls /readyz of a web process and remembers the last answer."""

    def __init__(self, web: WebServer) -> None:
        self.url = f"{web.url}/readyz"
        self.status = 0
        self.body: dict[str, Any] = {}

    def check(self, name: str) -> dict[str, Any]:
        return self.body["checks"][name]

    def is_ready(self) -> bool:
        self.status, self.body = readyz_get(self.url)
        return self.status == 200

    def fails_on(self, name: str) -> bool:
        self.status, self.body = readyz_get(self.url)
        return self.status == 503 and self.check(name)["status"] == "failing"


def test_web_without_its_database_is_alive_but_not_ready(
    processes: list[ProductProcess],
):
    unreachable = f"postgres://nobody@127.0.0.1:{free_port()}/nothing"
    web = HealthyWeb(env={**HEALTH_ENV, "DATABASE_URL": unreachable})
    processes.append(web)
    web.start()

    status, body = readyz_get(f"{web.url}/readyz")

    assert status == 503
    assert body["checks"]["database"] == {
        "status": "failing",
        "error": "OperationalError",
    }
    # A monitor's token is checked without the database; the container's
    # healthcheck gets its 200 from /healthz over plain HTTP.
    call_command("health", "web", "--url", f"{web.url}/healthz")


@needs_servers
def test_readyz_follows_beat_and_the_bot_stopping_and_starting(
    api: FakeTelegramAPI, processes: list[ProductProcess], settings
):
    # `manage.py health`, called here, reads the same settings as the processes.
    settings.HEARTBEAT_MAX_AGE = MAX_AGE
    # An idle long poll comes back each second, as a busy bot's would.
    api.max_poll_timeout = 1
    shared = {**HEALTH_ENV, "TELEGRAM_API_BASE": api.base_url}
    # Two slots: the outbox drain beat also sends must not hold up the tick.
    worker = CeleryWorker(env=shared, concurrency=2)
    env = {**shared, **worker.queues_env}
    tick_pause(every=1)
    beat = CeleryBeat(worker, env=env)
    web = HealthyWeb(env=env)
    bot = BotProcess(
        api_base=api.base_url,
        polling=lambda: any(call.method == "getUpdates" for call in api.calls),
        env=env,
    )
    processes.extend([worker, beat, web, bot])
    for process in processes:
        process.launch()
    for process in processes:
        process.wait_ready()
    tick_resume()
    readiness = Readiness(web)

    assert wait_until(readiness.is_ready, READY_TIMEOUT), readiness.body
    call_command("health", "worker", "--node", worker.hostname)
    call_command("health", "beat")
    call_command("health", "bot")

    beat.stop()
    assert wait_until(lambda: readiness.fails_on("beat"), MAX_AGE + SLACK)
    # Failing means older than MAX_AGE; the age is shown rounded to 0.1 s
    # (8.04 s shows as 8.0).
    assert readiness.check("beat")["age_seconds"] >= MAX_AGE
    assert readiness.check("bot")["status"] == "ok"
    with pytest.raises(CommandError, match="beat"):
        call_command("health", "beat")

    beat.start()
    assert wait_until(readiness.is_ready, READY_TIMEOUT), readiness.body

    bot.stop()
    assert wait_until(lambda: readiness.fails_on("bot"), MAX_AGE + SLACK)
    # Failing means older than MAX_AGE; the age is shown rounded to 0.1 s
    # (8.04 s shows as 8.0).
    assert readiness.check("bot")["age_seconds"] >= MAX_AGE
    assert readiness.check("beat")["status"] == "ok"
    with pytest.raises(CommandError, match="bot"):
        call_command("health", "bot")

    bot.start()
    assert wait_until(readiness.is_ready, READY_TIMEOUT), readiness.body


@needs_servers
def test_health_worker_fails_for_a_worker_that_does_not_answer():
    with pytest.raises(CommandError, match="did not answer"):
        call_command("health", "worker", "--node", "nobody@nowhere", "--timeout", "1")


@pytest.fixture(autouse=True)
def _unthrottled():
    heartbeats.throttle.forget()
