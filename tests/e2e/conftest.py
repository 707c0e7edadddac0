"""The product as deployed, each part a real process, for the end-to-end test.

The web (gunicorn), a Celery worker, Celery beat and the bot (`runbot`) run on the
test database and Redis, and talk to the fake Telegram Bot API on 127.0.0.1.
Every process is killed with its process group at teardown; when a test fails,
the tail of each one's log is added to the report.
"""

from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.browser.conftest import (  # noqa: F401 (`browser` is a fixture)
    PASSWORD,
    browser,
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
needs_servers = pytest.mark.skipif(
    connection.vendor != "postgresql" or not settings.REDIS_URL,
    reason="the processes share PostgreSQL and Redis with the test",
)


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
    # Last started, first stopped: the bot and beat before the worker they feed.
    for process in reversed(started):
        process.kill()
        process.close()


@pytest.fixture
def api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(settings.TELEGRAM_BOT_TOKEN) as fake:
        yield fake


@pytest.fixture
def worker(api: FakeTelegramAPI, processes: list[ProductProcess]) -> CeleryWorker:
    worker = CeleryWorker(env={"TELEGRAM_API_BASE": api.base_url})
    processes.append(worker)
    return worker.start()


@pytest.fixture
def product_env(api: FakeTelegramAPI, worker: CeleryWorker) -> dict[str, str]:
    """What every other process needs: the worker's queue and the fake Bot API."""
    return {
        "CELERY_QUEUE": worker.queue,
        "TELEGRAM_API_BASE": api.base_url,
        "LANGUAGE_CODE": "en",
    }


@pytest.fixture
def web(product_env: dict[str, str], processes: list[ProductProcess]) -> WebServer:
    # DEBUG serves the static files (the admin's CSS and JS) from the apps.
    web = WebServer(env={**product_env, "DJANGO_DEBUG": "true"})
    processes.append(web)
    return web.start()


@pytest.fixture
def bot(
    api: FakeTelegramAPI,
    product_env: dict[str, str],
    processes: list[ProductProcess],
) -> BotProcess:
    bot = BotProcess(
        api_base=api.base_url,
        polling=lambda: any(call.method == "getUpdates" for call in api.calls),
        env=product_env,
    )
    processes.append(bot)
    return bot.start()


@pytest.fixture
def beat_start(
    worker: CeleryWorker, product_env: dict[str, str], processes: list[ProductProcess]
) -> Callable[[], CeleryBeat]:
    """Start beat when the test says: it acts on whatever is due at that moment."""

    def start() -> CeleryBeat:
        beat = CeleryBeat(worker, env=product_env)
        processes.append(beat)
        return beat.start()

    return start


@pytest.fixture
def staff_log_in(browser, web: WebServer):  # noqa: F811 (the imported fixture)
    """Log a new staff user of `role` in through the login form, in a browser of their own."""
    contexts = []

    def log_in(username: str, *, role: str):
        user = UserFactory(username=username, role=role)
        # The tests' fast hasher is unknown to the web process's settings.
        hasher = PBKDF2PasswordHasher()
        user.password = hasher.encode(PASSWORD, hasher.salt())
        user.save(update_fields=["password"])
        context = browser.new_context(
            base_url=web.url, locale="en-US", viewport={"width": 1400, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto("/admin/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/admin/")
        return page

    yield log_in
    for context in contexts:
        context.close()
