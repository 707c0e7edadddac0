import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.utils import translation

from core import roles
from core.cache import OutageTolerantRedisCache
from core.celery import broker_outage
from notifications.sender import redis_outage
from notifications.texts import staff_wordings_forget
from tests.browser.gate import BrowserGate
from tests.factories import UserFactory
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.notifications.limiter import limiter_reset


def pytest_configure(config: pytest.Config) -> None:
    # Browser tests without Chromium: skipped, or a failed run where required.
    config.pluginmanager.register(BrowserGate.from_environment(), "browser-gate")


@pytest.fixture(autouse=True)
def _cache_cleared():
    """Each test starts with an empty cache (Redis outlives a test), and with no
    copy of staff wordings (a rolled-back test's wording could be in it)."""
    cache.clear()
    staff_wordings_forget()
    yield
    cache.clear()
    staff_wordings_forget()


@pytest.fixture(autouse=True)
def _content_types_forgotten():
    """Each test looks content types up afresh: the flush after a transactional
    test deletes them, and ids cached before (PostgreSQL does not reuse them)
    would make the next audit entry (`core.audit`) point at no row."""
    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts in the settings' language: a test (or a request it made)
    that activates Russian must not leave the next one's messages in it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _outages_forgotten():
    """Outage logs live per process: one test's outage must not hide the next's."""
    yield
    for outage in (broker_outage, redis_outage, OutageTolerantRedisCache.outage):
        outage.is_down = False


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def coordinator(db):
    return UserFactory(username="coordinator", role=roles.COORDINATOR)


@pytest.fixture
def moderator(db):
    return UserFactory(username="moderator", role=roles.MODERATOR)


@pytest.fixture
def administrator(db):
    return UserFactory(username="administrator", role=roles.ADMINISTRATOR)


@pytest.fixture
def outbox(db):
    """The messages services put into the outbox, oldest first."""
    from notifications.models import OutboxMessage

    return lambda: list(OutboxMessage.objects.order_by("id"))


@pytest.fixture
def telegram(settings):
    """A fake Bot API the sender talks to, with fast limits and clean limiter state.

    Shared by the sender tests and the browser tests that watch a mailing arrive.
    """
    with FakeTelegramAPI(settings.TELEGRAM_BOT_TOKEN) as api:
        settings.TELEGRAM_API_BASE = api.base_url
        settings.TELEGRAM_RATE_GLOBAL = 200
        settings.TELEGRAM_RATE_PER_CHAT = 20
        settings.OUTBOX_DRAIN_IDLE_SECONDS = 0.5
        limiter_reset()
        cache.clear()  # Telegram file ids of earlier fakes
        yield api
        limiter_reset()


def pytest_collection_modifyitems(config, items) -> None:
    """Skip `@pytest.mark.postgres` tests (row locks, concurrency) on SQLite."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
