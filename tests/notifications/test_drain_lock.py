"""The drain lock: one drain at a time, and a dead holder does not block the next."""

import asyncio
import os
import signal
import time

import pytest

from notifications.ratelimit import FileDrainLock, RedisDrainLock, limiter_prefix
from tests.notifications.limiter import limiter_reset

# The lease in these tests: a killed holder's Redis lock lapses after it.
LEASE = 1.0


@pytest.fixture(params=["redis", "file"])
def make_lock(request, settings):
    """Build drain locks of one kind; each call is another drain."""
    if request.param == "redis" and not settings.REDIS_URL:
        pytest.skip("needs Redis")
    settings.OUTBOX_DRAIN_LOCK_SECONDS = LEASE
    limiter_reset()
    prefix = limiter_prefix(settings.TELEGRAM_BOT_TOKEN)

    def make():
        if request.param == "redis":
            return RedisDrainLock(settings.REDIS_URL, prefix=prefix)
        return FileDrainLock(prefix=prefix)

    yield make
    limiter_reset()


def test_drain_lock_two_drains_at_once_one_gets_it(make_lock):
    async def scenario():
        first, second = make_lock(), make_lock()
        taken = await asyncio.gather(first.acquire(), second.acquire())
        holder = first if taken[0] else second
        kept = await holder.keep()
        await holder.release()
        after_release = await (second if holder is first else first).acquire()
        await first.release()
        await second.release()
        return taken, kept, after_release

    taken, kept, after_release = asyncio.run(scenario())

    assert sorted(taken) == [False, True]
    assert kept is True
    assert after_release is True


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_drain_lock_of_a_killed_holder_is_free_again(make_lock):
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # the holder: takes the lock, then is killed holding it
        try:
            held = make_lock()  # kept: a file lock goes with its handle
            asyncio.run(held.acquire())
            os.write(writer, b"1")
            time.sleep(60)
        finally:
            os._exit(0)
    os.close(writer)
    assert os.read(reader, 1) == b"1"
    refused = not asyncio.run(_free(make_lock))

    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    killed_at = time.monotonic()
    while not asyncio.run(_free(make_lock)):
        assert time.monotonic() - killed_at < LEASE + 2, "the lock stayed taken"
        time.sleep(0.1)

    assert refused


async def _free(make_lock) -> bool:
    """Whether another drain could take the lock now (it lets go at once)."""
    lock = make_lock()
    try:
        return await lock.acquire()
    finally:
        await lock.release()
