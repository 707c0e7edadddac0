"""Reset the shared rate-limit state between tests and benchmark runs."""

import asyncio
import contextlib
import threading
from collections.abc import Iterator

from django.conf import settings

from notifications import ratelimit


def limiter_reset() -> None:
    """Forget slots, pauses, in-flight marks and the drain lock of earlier runs."""
    prefix = ratelimit.limiter_prefix(settings.TELEGRAM_BOT_TOKEN)
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()
    ratelimit.LocalLimiter._state.update(tat=0.0, pause=0.0)
    ratelimit.LocalLimiter._chats.clear()
    ratelimit.LocalLimiter._window.clear()


@contextlib.contextmanager
def drain_lock_held() -> Iterator[None]:
    """Hold the drain lock, as a drain in another worker would, until the block ends.

    In a thread with an event loop of its own: the lock's Redis client belongs
    to the loop it was made in.
    """
    taken, done = threading.Event(), threading.Event()
    outcome: list[bool] = []

    async def hold() -> None:
        lock = ratelimit.drain_lock_create()
        try:
            outcome.append(await lock.acquire())
            taken.set()
            await asyncio.to_thread(done.wait)
        finally:
            taken.set()
            await lock.release()

    holder = threading.Thread(target=asyncio.run, args=(hold(),))
    holder.start()
    taken.wait(10)
    try:
        assert outcome == [True], "the drain lock was taken already"
        yield
    finally:
        done.set()
        holder.join(10)
