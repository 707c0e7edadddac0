"""The limits in Redis: one Lua script per step, shared by every worker."""

import math
import uuid

from django.conf import settings

from notifications.ratelimit.pace import INFLIGHT_MARK_MS, Admission, Pace

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
