"""Telegram's rate limits, shared by every sender through Redis.

- Global: a token bucket without burst (GCRA). Each send reserves the next free
  slot, `1 / rate` after the previous one, and waits for it; so concurrent
  senders on any number of workers together keep to the rate.
- Global, hard cap: the sends of the last `rate` slots' span are logged (a
  sorted set), and a send that would make more than `rate` in that span waits.
  Paced sends never meet this cap; it catches a stalled worker that wakes up
  with several slots due at once, which would otherwise burst.
- 429: `retry_after` pauses every sender (the pause key), not just one.
- Per chat: a key per chat that lives one interval; a message to a chat whose
  key exists waits.
- The drain lock: only one sender drains at a time.
- The in-flight marks: a message's mark is set in the same step that lets it go
  to Telegram and removed once its outcome is recorded. A worker that dies
  leaves marks only on messages whose request may have started; the sweep
  reports just those as in doubt and puts the others back in the queue.

Every step is one Lua script, so it is atomic and uses Redis's clock. Without
Redis (`REDIS_URL` empty, the demo) the same logic runs in-process, and the
drain lock is a file lock: one drain at a time on the machine, so the limits
hold for a single-machine demo.
"""

import asyncio
import collections
import dataclasses
import fcntl
import math
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import IO, Protocol

from django.conf import settings

RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
local slot = math.max(tat, now, pause)
redis.call('SET', KEYS[1], string.format('%.3f', slot + tonumber(ARGV[1])), 'PX', 60000)
return string.format('%.3f', slot - now)
"""
# Right before a request: 1 = paused by a 429, 2 = the last second's sends are
# at the cap, 3 = the chat had a message within its interval; 0 = go, and the
# send is logged in the window and the message marked in flight.
ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local pause = tonumber(redis.call('GET', KEYS[1]) or '0')
if pause > now then return {1, math.ceil(pause - now)} end
local window = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - window)
if redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
  return {2, math.max(1, math.ceil(tonumber(oldest[2]) + window - now))}
end
if not redis.call('SET', KEYS[2], '1', 'PX', ARGV[1], 'NX') then
  return {3, math.max(1, redis.call('PTTL', KEYS[2]))}
end
redis.call('ZADD', KEYS[4], now, ARGV[5])
redis.call('PEXPIRE', KEYS[4], math.ceil(window) * 2)
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
return {0, 0}
"""
PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local till = now + tonumber(ARGV[1])
if till > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], string.format('%.3f', till), 'PX', math.ceil(ARGV[1]) + 1000)
end
return 1
"""
REFRESH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


# Marks outlive any plausible outage of the sweep; normally they last a request.
INFLIGHT_MARK_MS = 7 * 24 * 3600 * 1000


class Limiter(Protocol):
    async def reserve(self) -> float: ...
    async def admit(self, chat_id: int, message_id: int) -> "Admission": ...
    async def inflight_clear(self, message_id: int) -> None: ...
    async def pause(self, seconds: float) -> None: ...
    async def lock_acquire(self) -> str | None: ...
    async def lock_refresh(self, token: str) -> bool: ...
    async def lock_release(self, token: str) -> None: ...
    async def close(self) -> None: ...


@dataclasses.dataclass(frozen=True)
class Admission:
    """May a message go now? If not, why, and for how many seconds to wait."""

    GO = 0
    PAUSED = 1
    AT_CAP = 2
    CHAT_BUSY = 3

    reason: int
    wait: float = 0.0

    @property
    def ok(self) -> bool:
        return self.reason == self.GO


@dataclasses.dataclass(frozen=True)
class Pace:
    """The limits in milliseconds, with the headroom applied."""

    interval: float  # between two sends overall
    chat_interval: float  # between two sends to one chat
    cap: int  # sends allowed within `window`
    window: float

    @classmethod
    def from_settings(cls) -> "Pace":
        headroom = settings.TELEGRAM_RATE_HEADROOM
        interval = 1000.0 / (settings.TELEGRAM_RATE_GLOBAL * headroom)
        cap = max(1, math.floor(settings.TELEGRAM_RATE_GLOBAL))
        return cls(
            interval=interval,
            chat_interval=1000.0 / (settings.TELEGRAM_RATE_PER_CHAT * headroom),
            cap=cap,
            # Just under the span of `cap` paced slots, so pacing never waits
            # on the cap; the headroom is the margin for jitter on the way.
            window=cap * interval - 1.0,
        )


def limiter_prefix(token: str) -> str:
    # Telegram limits each bot separately; the bot's id starts its token.
    return f"smena:telegram:{token.split(':', 1)[0]}"


class RedisLimiter:
    """The limits in Redis, shared by all workers."""

    def __init__(self, url: str, *, prefix: str) -> None:
        import redis.asyncio

        self.client = redis.asyncio.Redis.from_url(url)
        self.keys = {
            name: f"{prefix}:{name}"
            for name in ("tat", "pause", "lock", "chat", "inflight", "window")
        }
        self.pace = Pace.from_settings()
        self._reserve = self.client.register_script(RESERVE)
        self._admit = self.client.register_script(ADMIT)
        self._pause = self.client.register_script(PAUSE)
        self._refresh = self.client.register_script(REFRESH)
        self._release = self.client.register_script(RELEASE)

    async def reserve(self) -> float:
        """Reserve the next global slot; return the seconds to wait for it."""
        wait = await self._reserve(
            keys=[self.keys["tat"], self.keys["pause"]], args=[self.pace.interval]
        )
        return max(0.0, float(wait) / 1000)

    async def admit(self, chat_id: int, message_id: int) -> Admission:
        """Let a message go now (logging the send and marking it in flight), or say
        why not and for how long."""
        reason, wait = await self._admit(
            keys=[
                self.keys["pause"],
                f"{self.keys['chat']}:{chat_id}",
                f"{self.keys['inflight']}:{message_id}",
                self.keys["window"],
            ],
            args=[
                math.ceil(self.pace.chat_interval),
                INFLIGHT_MARK_MS,
                self.pace.cap,
                self.pace.window,
                f"{message_id}:{uuid.uuid4().hex[:8]}",
            ],
        )
        return Admission(int(reason), int(wait) / 1000)

    async def inflight_clear(self, message_id: int) -> None:
        await self.client.delete(f"{self.keys['inflight']}:{message_id}")

    async def pause(self, seconds: float) -> None:
        """Hold every sender for `seconds` (Telegram answered 429)."""
        await self._pause(keys=[self.keys["pause"]], args=[seconds * 1000])

    async def lock_acquire(self) -> str | None:
        token = uuid.uuid4().hex
        ttl = int(settings.OUTBOX_DRAIN_LOCK_SECONDS * 1000)
        acquired = await self.client.set(self.keys["lock"], token, nx=True, px=ttl)
        return token if acquired else None

    async def lock_refresh(self, token: str) -> bool:
        ttl = int(settings.OUTBOX_DRAIN_LOCK_SECONDS * 1000)
        return bool(await self._refresh(keys=[self.keys["lock"]], args=[token, ttl]))

    async def lock_release(self, token: str) -> None:
        await self._release(keys=[self.keys["lock"]], args=[token])

    async def close(self) -> None:
        await self.client.aclose()


class LocalLimiter:
    """The same limits inside one process, for running without Redis."""

    _guard = threading.Lock()
    _state: dict[str, float] = {"tat": 0.0, "pause": 0.0}
    _chats: dict[int, float] = {}
    _window: collections.deque[float] = collections.deque()
    _lock: dict[str, IO] = {}

    def __init__(self, *, prefix: str) -> None:
        self.prefix = prefix
        self.pace = Pace.from_settings()

    async def reserve(self) -> float:
        with self._guard:
            now = time.monotonic()
            slot = max(self._state["tat"], now, self._state["pause"])
            self._state["tat"] = slot + self.pace.interval / 1000
        return slot - now

    async def admit(self, chat_id: int, message_id: int) -> Admission:
        with self._guard:
            now = time.monotonic()
            if self._state["pause"] > now:
                return Admission(Admission.PAUSED, self._state["pause"] - now)
            window = self.pace.window / 1000
            while self._window and self._window[0] <= now - window:
                self._window.popleft()
            if len(self._window) >= self.pace.cap:
                return Admission(Admission.AT_CAP, self._window[0] + window - now)
            free_at = self._chats.get(chat_id, 0.0)
            if free_at > now:
                return Admission(Admission.CHAT_BUSY, free_at - now)
            self._chats[chat_id] = now + self.pace.chat_interval / 1000
            self._window.append(now)
            if len(self._chats) > 10_000:
                for key in [k for k, v in self._chats.items() if v <= now]:
                    del self._chats[key]
            return Admission(Admission.GO)

    async def inflight_clear(self, message_id: int) -> None:
        # In-process marks die with the process; the sweep assumes the worst.
        await asyncio.sleep(0)

    async def pause(self, seconds: float) -> None:
        with self._guard:
            till = time.monotonic() + seconds
            self._state["pause"] = max(self._state["pause"], till)

    # The drain lock is a file lock, so it holds across the worker's processes on
    # this machine, and the OS releases it when its process dies.
    async def lock_acquire(self) -> str | None:
        path = Path(tempfile.gettempdir()) / f"{self.prefix.replace(':', '-')}.lock"
        handle = path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        token = uuid.uuid4().hex
        with self._guard:
            self._lock[token] = handle
        return token

    async def lock_refresh(self, token: str) -> bool:
        with self._guard:
            return token in self._lock

    async def lock_release(self, token: str) -> None:
        with self._guard:
            handle = self._lock.pop(token, None)
        if handle is not None:
            handle.close()

    async def close(self) -> None:
        await asyncio.sleep(0)


def limiter_create(token: str | None = None) -> Limiter:
    """Return the limiter for the bot: Redis-backed when REDIS_URL is set."""
    prefix = limiter_prefix(token or settings.TELEGRAM_BOT_TOKEN)
    if settings.REDIS_URL:
        return RedisLimiter(settings.REDIS_URL, prefix=prefix)
    return LocalLimiter(prefix=prefix)


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
