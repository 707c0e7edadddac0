import pytest
from django.core.cache import cache

from tests.fakes.telegram_api import FakeTelegramAPI
from tests.notifications.limiter import limiter_reset


@pytest.fixture
def telegram(settings):
    """A fake Bot API the sender talks to, with fast limits and clean limiter state."""
    with FakeTelegramAPI(settings.TELEGRAM_BOT_TOKEN) as api:
        settings.TELEGRAM_API_BASE = api.base_url
        settings.TELEGRAM_RATE_GLOBAL = 200
        settings.TELEGRAM_RATE_PER_CHAT = 20
        settings.OUTBOX_DRAIN_IDLE_SECONDS = 0.5
        limiter_reset()
        cache.clear()  # Telegram file ids of earlier fakes
        yield api
        limiter_reset()
