"""The drain lock: one drain at a time, and a dead holder does not block the next."""

import asyncio
import subprocess
import sys
import time

import pytest
from django.conf import settings

from notifications.ratelimit import (
    FileDrainLock,
    RedisDrainLock,
    drain_lock_create,
    drain_lock_path,
    limiter_prefix,
)
from tests.notifications.limiter import limiter_reset

# The lease in these tests: a killed holder's Redis lock lapses after it.
LEASE = 1.0
# A drain in a process of its own that takes the lock and is then killed holding it.
HOLDER = """
import asyncio, sys, time
from pathlib import Path
from notifications.ratelimit.lock import FileDrainLock, RedisDrainLock

kind, where, name, lease = sys.argv[1:]
if kind == "redis":
    lock = RedisDrainLock(where, name=name, lease=float(lease))
else:
    lock = FileDrainLock(Path(where))
print("held" if asyncio.run(lock.acquire()) else "refused", flush=True)
time.sleep(60)
"""


@pytest.fixture(params=["redis", "file"])
def kind(request, settings):
    """Drain locks of one kind (the file lock is the one without Redis)."""
    if request.param == "redis" and not settings.REDIS_URL:
        pytest.skip("needs Redis")
    if request.param == "file":
        settings.REDIS_URL = ""
    settings.OUTBOX_DRAIN_LOCK_SECONDS = LEASE
    limiter_reset()
    yield request.param
    limiter_reset()


def test_drain_lock_create_picks_redis_when_configured(kind):
    lock = drain_lock_create()
    asyncio.run(lock.release())  # lets go of its connection

    assert isinstance(lock, RedisDrainLock if kind == "redis" else FileDrainLock)


def test_drain_lock_two_drains_at_once_one_gets_it(kind):
    async def scenario():
        first, second = drain_lock_create(), drain_lock_create()
        taken = await asyncio.gather(first.acquire(), second.acquire())
        holder, other = (first, second) if taken[0] else (second, first)
        kept = await holder.keep()
        stolen = await other.keep()
        await holder.release()
        after_release = await other.acquire()
        await first.release()
        await second.release()
        return taken, kept, stolen, after_release

    taken, kept, stolen, after_release = asyncio.run(scenario())

    assert sorted(taken) == [False, True]
    assert kept is True
    assert stolen is False
    assert after_release is True


def test_drain_lock_that_lapsed_is_not_kept(kind):
    if kind == "file":
        pytest.skip("a file lock does not lapse")

    async def scenario():
        stalled, other = drain_lock_create(), drain_lock_create()
        await stalled.acquire()
        await asyncio.sleep(LEASE + 0.2)  # a drain that did not keep its lock
        taken = await other.acquire()
        kept = await stalled.keep()
        await stalled.release()  # must not free the other's lock
        still_held = not await _free()
        await other.release()
        return taken, kept, still_held

    taken, kept, still_held = asyncio.run(scenario())

    assert (taken, kept, still_held) == (True, False, True)


def test_drain_lock_of_a_killed_holder_is_free_again(kind):
    prefix = limiter_prefix(settings.TELEGRAM_BOT_TOKEN)
    where = settings.REDIS_URL if kind == "redis" else str(drain_lock_path(prefix))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, kind, where, f"{prefix}:lock", str(LEASE)],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        refused = not asyncio.run(_free())
    finally:
        holder.kill()
        holder.wait()
    killed_at = time.monotonic()

    while not asyncio.run(_free()):
        assert time.monotonic() - killed_at < LEASE + 2, "the lock stayed taken"
        time.sleep(0.1)

    assert refused


async def _free() -> bool:
    """Whether another drain could take the lock now (it lets go at once)."""
    lock = drain_lock_create()
    try:
        return await lock.acquire()
    finally:
        await lock.release()
