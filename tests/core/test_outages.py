"""Redis unreachable: the cache misses and task kicks give up, each warning once."""

import logging

import pytest
from django.core.cache import cache

from core.celery import task_kick
from notifications.tasks import outbox_drain_task
from tests.workers import celery_publishing_to, free_port


@pytest.fixture
def nowhere() -> str:
    """A Redis URL nothing listens on."""
    return f"redis://127.0.0.1:{free_port()}/0"


def _warnings(caplog, text: str) -> int:
    return sum(
        text in record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING
    )


def test_cache_while_redis_is_down_misses_and_warns_once(settings, nowhere, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.OutageTolerantRedisCache",
            "LOCATION": nowhere,
        }
    }

    cache.set("key", "value")
    found = cache.get_or_set("key", lambda: "made again")
    added = cache.add("other", 1)

    assert (found, added) == ("made again", True)
    assert cache.get_many(["key", "other"]) == {}
    assert _warnings(caplog, "Cache (Redis) is unreachable") == 1


def test_task_kick_while_broker_is_down_returns_and_warns_once(nowhere, caplog):
    with celery_publishing_to(nowhere):
        task_kick(outbox_drain_task)
        task_kick(outbox_drain_task)

    assert _warnings(caplog, "Celery broker (Redis) is unreachable") == 1
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
