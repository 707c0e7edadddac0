"""Telegram's rate limits, shared by every sender through Redis.

- Global: a token bucket without burst (GCRA). Each send reserves the next free
  slot, `1 / rate` after the previous one, and waits for it; so concurrent
  senders on any number of workers together keep to the rate.
- Global, hard cap: at most `rate` requests within any second *as Telegram
  counts it*, by when a request arrives. A sender only knows that a request
  arrived after it was let go and before its answer came back, so a request
  counts in the window (a sorted set) from the moment it is let go until a
  second after its answer (`answered`; if its worker dies, until the client's
  timeout). A request that stalls on its way, in a descheduled process or the
  network, thus never makes Telegram see more than `rate` in a second, however
  late it arrives. Paced sends rarely meet this cap; it catches a worker that
  wakes up with several slots due at once, or requests bunched on their way.
- 429: `retry_after` pauses every sender (the pause key), not just one.
- Per chat: a key per chat, held from a request's start until one interval
  after its answer; a message to a chat whose key exists waits.
- The drain lock (`lock.py`): only one sender drains at a time.
- The in-flight marks: a message's mark is set in the same step that lets it go
  to Telegram and removed once its outcome is recorded. A worker that dies
  leaves marks only on messages whose request may have started; the sweep
  reports just those as in doubt and puts the others back in the queue.

Every step is one Lua script, so it is atomic and uses Redis's clock. Without
Redis (`REDIS_URL` empty, the demo) the same logic runs in-process, and the
drain lock is a file lock: one drain at a time on the machine, so the limits
hold for a single-machine demo.
"""

from django.conf import settings

from notifications.ratelimit.local import LocalLimiter
from notifications.ratelimit.lock import (
    DrainLock,
    FileDrainLock,
    RedisDrainLock,
    drain_lock_path,
)
from notifications.ratelimit.pace import (
    INFLIGHT_MARK_MS,
    Admission,
    Limiter,
    Pace,
    limiter_prefix,
)
from notifications.ratelimit.shared import RedisLimiter

__all__ = [
    "INFLIGHT_MARK_MS",
    "Admission",
    "DrainLock",
    "FileDrainLock",
    "Limiter",
    "LocalLimiter",
    "Pace",
    "RedisDrainLock",
    "RedisLimiter",
    "drain_lock_create",
    "inflight_marked",
    "limiter_create",
    "limiter_prefix",
]


def limiter_create(token: str | None = None) -> Limiter:
    """Return the limiter for the bot: Redis-backed when REDIS_URL is set."""
    prefix = limiter_prefix(token or settings.TELEGRAM_BOT_TOKEN)
    if settings.REDIS_URL:
        return RedisLimiter(settings.REDIS_URL, prefix=prefix)
    return LocalLimiter(prefix=prefix)


def drain_lock_create(token: str | None = None) -> DrainLock:
    """Return the bot's drain lock: redis-py's Lock when REDIS_URL is set."""
    prefix = limiter_prefix(token or settings.TELEGRAM_BOT_TOKEN)
    if settings.REDIS_URL:
        return RedisDrainLock(
            settings.REDIS_URL,
            name=f"{prefix}:lock",
            lease=settings.OUTBOX_DRAIN_LOCK_SECONDS,
        )
    return FileDrainLock(drain_lock_path(prefix))


def inflight_marked(
    message_ids: list[int], token: str | None = None
) -> set[int] | None:
    """Return which of the messages carry an in-flight mark; None when unknowable."""
    if not settings.REDIS_URL:
        return None
    import redis

    prefix = limiter_prefix(token or settings.TELEGRAM_BOT_TOKEN)
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        with client.pipeline(transaction=False) as pipe:
            for message_id in message_ids:
                pipe.exists(f"{prefix}:inflight:{message_id}")
            found = pipe.execute()
        # Marks are left to expire: deleting them here could lose one if the
        # caller fails before recording its decision.
        return {mid for mid, hit in zip(message_ids, found, strict=True) if hit}
    finally:
        client.close()
