"""Heartbeats: recorded at most once per interval, read back as an age, never raising."""

import asyncio
import datetime as dt
import logging

import pytest
from django.db import connection

from core import heartbeats
from core.heartbeats import aheartbeat_record, heartbeat_age, heartbeat_record
from core.models import Heartbeat


@pytest.fixture(autouse=True)
def _unthrottled():
    heartbeats.throttle.forget()
    yield
    heartbeats.throttle.forget()
    heartbeats.store_outage.is_down = False


@pytest.mark.django_db
def test_heartbeat_record_writes_and_age_reads_it():
    written = heartbeat_record("beat")

    beat_at = Heartbeat.objects.get(name="beat").beat_at
    assert written is True
    assert heartbeat_age("beat", now=beat_at + dt.timedelta(seconds=30)) == 30.0


@pytest.mark.django_db
def test_heartbeat_age_of_a_process_never_seen_is_none():
    assert heartbeat_age("bot") is None


@pytest.mark.django_db
def test_heartbeat_record_writes_at_most_once_per_interval(
    settings, django_assert_num_queries
):
    settings.HEARTBEAT_INTERVAL = 60
    heartbeat_record("bot")

    with django_assert_num_queries(0):
        written = heartbeat_record("bot")

    assert written is False


@pytest.mark.django_db
def test_heartbeat_record_writes_again_once_the_interval_passed(settings):
    settings.HEARTBEAT_INTERVAL = 0
    heartbeat_record("bot")
    first = Heartbeat.objects.get(name="bot").beat_at

    written = heartbeat_record("bot")

    assert written is True
    assert Heartbeat.objects.get(name="bot").beat_at > first
    assert Heartbeat.objects.count() == 1


@pytest.mark.django_db
def test_heartbeat_intervals_are_per_name(settings):
    settings.HEARTBEAT_INTERVAL = 60
    heartbeat_record("bot")

    assert heartbeat_record("beat") is True


@pytest.mark.django_db
def test_heartbeat_record_never_raises_when_the_database_fails(caplog):
    caplog.set_level(logging.WARNING, logger="core.heartbeats")
    with connection.cursor() as cursor:
        # Inside the test's transaction: rolled back afterwards.
        cursor.execute("DROP TABLE core_heartbeat")

    written = [heartbeat_record("beat"), heartbeat_record("bot")]

    assert written == [False, False]
    # One warning for the outage, not one per heartbeat.
    assert caplog.text.count("Heartbeat store (database) is unreachable") == 1
    # The failed writes did not break the surrounding transaction.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@pytest.mark.django_db(transaction=True)
def test_aheartbeat_record_writes_from_async_code(settings):
    settings.HEARTBEAT_INTERVAL = 60

    async def twice() -> list[bool]:
        return [await aheartbeat_record("bot"), await aheartbeat_record("bot")]

    assert asyncio.run(twice()) == [True, False]
    assert Heartbeat.objects.filter(name="bot").count() == 1
