"""The product as deployed, each part a real process, for end-to-end tests.

The web (gunicorn), a Celery worker, Celery beat and the bot (`runbot`) run on the
test database and Redis, and talk to the fake Telegram Bot API on 127.0.0.1.
Every process is killed with its process group at teardown; when a test fails,
the tail of each one's log is added to the report.
"""

import dataclasses
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from core.schedule import PERIODIC_TASKS, periodic_tasks_sync
from tests.browser.conftest import (  # noqa: F401 (`browser` is a fixture)
    PASSWORD,
    browser,
    form_log_in,
)
from tests.factories import UserFactory
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.workers import (
    BotProcess,
    CeleryBeat,
    CeleryWorker,
    ProductProcess,
    WebServer,
)

LOG_TAIL = 6000
# Beat's tick of the daily cycle, every few seconds instead of every minute.
TICK_EVERY = 2
needs_servers = pytest.mark.skipif(
    connection.vendor != "postgresql" or not settings.REDIS_URL,
    reason="the processes share PostgreSQL and Redis with the test",
)
TICK = next(
    name
    for name, job in PERIODIC_TASKS.items()
    if job.task == "moderation.tasks.tick_task"
)


@dataclasses.dataclass(frozen=True)
class Deployment:
    worker: CeleryWorker
    beat: CeleryBeat
    web: WebServer
    bot: BotProcess
    # What a one-off process (`manage.py tick`) needs to join them.
    env: dict[str, str]


def tick_pause(*, every: int) -> None:
    """Give beat's tick (declared in core/schedule.py) an interval, paused.

    Beat sees a change only when it is saved, as the admin does.
    """
    periodic_tasks_sync()
    task = PeriodicTask.objects.get(name=TICK)
    task.interval, _created = IntervalSchedule.objects.get_or_create(
        every=every, period=IntervalSchedule.SECONDS
    )
    task.crontab = None
    task.enabled = False
    task.save()


def tick_resume() -> None:
    """Let the running beat send the daily cycle's tick."""
    task = PeriodicTask.objects.get(name=TICK)
    task.enabled = True
    task.save()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Show what each process logged when a test fails (before they are closed)."""
    report = yield
    if report.failed and report.when in ("setup", "call"):
        for process in getattr(item, "product_processes", []):
            try:
                log = process.output()[-LOG_TAIL:]
            except FileNotFoundError:
                continue
            report.sections.append((f"{process.name} log (tail)", log))
    return report


@pytest.fixture
def processes(
    request: pytest.FixtureRequest, transactional_db
) -> Iterator[list[ProductProcess]]:
    """The processes of this test: their logs go into a failure's report.

    They are killed before the test database is emptied (they hold connections).
    """
    started: list[ProductProcess] = []
    request.node.product_processes = started
    yield started
    for process in started:
        process.kill()
    for process in started:
        process.close()


@pytest.fixture
def api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(settings.TELEGRAM_BOT_TOKEN) as fake:
        yield fake


@pytest.fixture
def deployment(api: FakeTelegramAPI, processes: list[ProductProcess]) -> Deployment:
    """Worker, beat, web and bot, started together; beat's tick is paused.

    `tick_resume()` lets beat tick (every `TICK_EVERY` seconds).
    """
    shared = {"TELEGRAM_API_BASE": api.base_url, "LANGUAGE_CODE": "en"}
    worker = CeleryWorker(env=shared)
    env = {**shared, **worker.queues_env}
    tick_pause(every=TICK_EVERY)
    deployment = Deployment(
        worker=worker,
        beat=CeleryBeat(worker, env=env),
        # DEBUG serves the static files (the admin's CSS and JS) from the apps.
        web=WebServer(env={**env, "DJANGO_DEBUG": "true"}),
        bot=BotProcess(
            api_base=api.base_url,
            polling=lambda: any(call.method == "getUpdates" for call in api.calls),
            env=env,
        ),
        env=env,
    )
    launched = [deployment.worker, deployment.beat, deployment.web, deployment.bot]
    processes.extend(launched)
    for process in launched:
        process.launch()
    for process in launched:
        process.wait_ready()
    return deployment


@pytest.fixture
def staff_log_in(browser, deployment: Deployment):  # noqa: F811 (imported fixture)
    """Log a new staff user of `role` in through the login form, in a browser of their own."""
    contexts = []

    def log_in(username: str, *, role: str):
        user = UserFactory(username=username, role=role)
        # The tests' fast hasher is unknown to the web process's settings.
        hasher = PBKDF2PasswordHasher()
        user.password = hasher.encode(PASSWORD, hasher.salt())
        user.save(update_fields=["password"])
        context = browser.new_context(
            base_url=deployment.web.url,
            locale="en-US",
            viewport={"width": 1400, "height": 900},
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return form_log_in(page, username)

    yield log_in
    for context in contexts:
        context.close()
