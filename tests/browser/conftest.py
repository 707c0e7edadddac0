"""Browser tests: Debian's Chromium driven by Playwright against a live server.

Screenshots of key pages are saved under test-artifacts/screenshots/. Without
Chromium they are skipped (see tests/browser/gate.py).
"""

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connections
from django.utils import timezone

from core.models import Shift
from moderation.models import Report
from tests.browser.gate import chromium_path
from tests.factories import (
    ReportFactory,
    ShiftFactory,
    UserFactory,
    report_under_review,
)
from tests.fakes.telegram_api import make_jpeg

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "pass-word-123"
# Large enough to see on a screenshot; each photo's pixels differ (see make_jpeg).
PHOTO_SIDE = 320
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"


def beside_the_browser[T](function: Callable[[], T]) -> T:
    """Run `function` in a thread of its own and return its result.

    Playwright's sync API keeps an event loop running in the test's thread, so code
    that runs its own loop (the outbox sender's `asyncio.run`) cannot run there.
    """

    def run() -> T:
        try:
            return function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module; its event loop must not outlive the module."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make between browser steps are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


VIEWPORT = {"width": 1400, "height": 900}


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport=VIEWPORT
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save the page as `<name>.png`, and the same address in Russian as
    `<name>.ru.png` (opened afresh, with this page's login, in a second context:
    the page itself stays as it is)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        russian_screenshot(page, SCREENSHOTS / f"{name}.ru.png")
        return path

    return take


def russian_screenshot(page, path: Path) -> None:
    context = page.context
    russian = context.browser.new_context(
        storage_state=context.storage_state(), locale="ru-RU", viewport=VIEWPORT
    )
    try:
        russian.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ru", "url": page.url}]
        )
        other = russian.new_page()
        other.goto(page.url)
        other.wait_for_load_state("networkidle")
        assert other.locator("html").get_attribute("lang") == "ru", page.url
        other.screenshot(path=str(path), full_page=True)
    finally:
        russian.close()


def form_log_in(page, username: str):
    """Log in through the real login form (password PASSWORD); land on the dashboard."""
    page.goto("/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    return page


@pytest.fixture
def login(page):
    """Log in through the real login form as a fresh user of `role`."""

    def log_in(username: str, *, role: str | None = None, superuser: bool = False):
        UserFactory(username=username, role=role, is_superuser=superuser)
        return form_log_in(page, username)

    return log_in


@pytest.fixture
def running_shift() -> Shift:
    """A shift that started four days ago and ends in five, so its reports fall in
    the dashboard's last 30 days and a preparing shift may follow it."""
    today = timezone.localdate()
    return ShiftFactory(
        title="Summer",
        status=Shift.Status.STARTED,
        start_date=today - dt.timedelta(days=4),
        end_date=today + dt.timedelta(days=5),
    )


@pytest.fixture
def reports_under_review(running_shift) -> Callable[..., list[Report]]:
    """Make reports of the shift's first day (or of the day `on`) under review,
    each with its own real JPEG in private storage, the first one sent longest
    ago (first in the queue)."""

    def make(
        count: int, *, on: dt.date | None = None, **participant: object
    ) -> list[Report]:
        day = running_shift.days.get(date=on or running_shift.start_date)
        reports = []
        for index in range(count):
            report = ReportFactory(
                membership__shift=running_shift,
                **{f"membership__participant__{k}": v for k, v in participant.items()},
                day=day,
            )
            report_under_review(
                report,
                at=timezone.now() - dt.timedelta(minutes=60 - index),
                photo=ContentFile(
                    make_jpeg(report.pk, size=PHOTO_SIDE), name=f"photo-{index}.jpg"
                ),
            )
            reports.append(report)
        return reports

    return make
