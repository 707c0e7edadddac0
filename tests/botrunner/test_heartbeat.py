"""The bot's heartbeat: recorded after each successful poll, not after a failed one."""

import pytest

from core import heartbeats
from core.models import Heartbeat
from tests.botrunner.conftest import BotRunner

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _unthrottled():
    heartbeats.throttle.forget()
    yield
    heartbeats.throttle.forget()


def bot_heartbeat_seen() -> bool:
    return Heartbeat.objects.filter(name=heartbeats.BOT).exists()


def test_polling_records_the_bot_heartbeat(api, bot):
    assert api.wait_for(bot_heartbeat_seen, timeout=10)


def test_failed_polls_record_no_heartbeat(api):
    api.fail_next(100, method="getUpdates")
    runner = BotRunner(api).start()
    try:
        # The poller retries after 1 s, then 1.5 s: three failed polls.
        assert api.wait_for(
            lambda: sum(call.method == "getUpdates" for call in api.calls) >= 3,
            timeout=15,
        )

        assert not bot_heartbeat_seen()
    finally:
        runner.stop()
