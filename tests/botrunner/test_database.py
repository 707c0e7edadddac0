"""The bot's database threads: when a pooled connection is checked before use."""

import asyncio
import threading
import time

import pytest
from django.db import OperationalError, connection

from botrunner import database
from botrunner.database import database_pool, database_sync_to_async

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT = 10.0


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _terminate(pid: int) -> None:
    """Kill a server process, as a restart would, and wait until it is gone."""
    deadline = time.monotonic() + WAIT
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} still runs")


async def _pid_or_error() -> int | Exception:
    """Return the pid of the server process a pooled call talks to, or its error."""
    try:
        return await database_sync_to_async(_backend_pid)()
    except OperationalError as error:
        return error


def _pids_after_termination(calls: int) -> tuple[int, list[int | Exception]]:
    """On one pooled thread: kill the server process of its connection, then
    make `calls` calls; return that process's pid and each call's pid or error."""

    async def run() -> tuple[int, list[int | Exception]]:
        backend_pid = database_sync_to_async(_backend_pid)
        async with database_pool(threads=1):
            killed = await backend_pid()
            await asyncio.to_thread(_terminate, killed)
            results = [await _pid_or_error() for _ in range(calls)]
        return killed, results

    return asyncio.run(run())


def test_connection_used_a_moment_ago_is_used_without_a_check():
    _, [first] = _pids_after_termination(1)

    assert isinstance(first, OperationalError)


def test_connection_that_failed_is_replaced_on_the_next_call():
    killed, [first, second] = _pids_after_termination(2)

    assert isinstance(first, OperationalError)
    assert isinstance(second, int)
    assert second != killed


def test_connection_idle_for_a_while_is_checked_first(monkeypatch):
    monkeypatch.setattr(database, "RECENTLY_USED_SECONDS", 0.0)

    killed, [first] = _pids_after_termination(1)

    assert isinstance(first, int)
    assert first != killed


def _backend_pid_with(barrier: threading.Barrier) -> int:
    # Held until the other call arrives, so the two run on different threads.
    barrier.wait(WAIT)
    return _backend_pid()


def test_failure_on_one_thread_has_the_others_check_their_connections():
    async def on_both_threads(call) -> list[int]:
        barrier = threading.Barrier(2)
        return list(await asyncio.gather(call(barrier), call(barrier)))

    async def run() -> tuple[list[int], int | Exception, list[int]]:
        pid_with = database_sync_to_async(_backend_pid_with)
        async with database_pool(threads=2):
            killed = await on_both_threads(pid_with)
            for pid in killed:
                await asyncio.to_thread(_terminate, pid)
            failed = await _pid_or_error()
            after = await on_both_threads(pid_with)
        return killed, failed, after

    killed, failed, after = asyncio.run(run())

    assert len(set(killed)) == 2
    assert isinstance(failed, OperationalError)
    assert not set(after) & set(killed)
