"""The limits in Redis: one Lua script per step, shared by every worker."""

import math
import uuid

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
# Right before a request: 1 = paused by a 429, 2 = the last second's requests
# are at the cap, 3 = the chat is within its interval; 0 = go: the request is
# logged in the window and holds its chat, both until it is answered (ANSWERED),
# and the message is marked in flight.
ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local pause = tonumber(redis.call('GET', KEYS[1]) or '0')
if pause > now then return {1, math.ceil(pause - now)} end
local window = tonumber(ARGV[4])
local on_way = tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - window)
if redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
  return {2, math.max(1, math.min(window, math.ceil(tonumber(oldest[2]) + window - now)))}
end
if not redis.call('SET', KEYS[2], '1', 'PX', math.ceil(tonumber(ARGV[1]) + on_way), 'NX') then
  return {3, math.max(1, math.min(tonumber(ARGV[1]), redis.call('PTTL', KEYS[2])))}
end
redis.call('ZADD', KEYS[4], now + on_way, ARGV[5])
redis.call('PEXPIRE', KEYS[4], math.ceil(window + on_way) * 2)
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
return {0, 0}
"""
# Telegram has answered: its requests count from now in the window (re-scored),
# and their chat is free one interval from now.
ANSWERED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now, ARGV[i]) end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
return 1
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


class RedisLimiter:
    """The limits in Redis, shared by all workers."""

    def __init__(self, url: str, *, prefix: str) -> None:
        import redis.asyncio

        self.client = redis.asyncio.Redis.from_url(url)
        self.keys = {
            name: f"{prefix}:{name}"
            for name in ("tat", "pause", "chat", "inflight", "window")
        }
        self.pace = Pace.from_settings()
        # This limiter's requests not yet answered: message -> (chat, window entries).
        self.on_way: dict[int, tuple[int, list[str]]] = {}
        self._reserve = self.client.register_script(RESERVE)
        self._admit = self.client.register_script(ADMIT)
        self._answered = self.client.register_script(ANSWERED)
        self._pause = self.client.register_script(PAUSE)

    async def reserve(self) -> float:
        """Reserve the next global slot; return the seconds to wait for it."""
        wait = await self._reserve(
            keys=[self.keys["tat"], self.keys["pause"]], args=[self.pace.interval]
        )
        return max(0.0, float(wait) / 1000)

    async def admit(self, chat_id: int, message_id: int) -> Admission:
        """Let a request go now (logging it and marking the message in flight),
        or say why not and for how long."""
        entry = f"{message_id}:{uuid.uuid4().hex[:8]}"
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
                entry,
                self.pace.on_way,
            ],
        )
        admission = Admission(int(reason), int(wait) / 1000)
        if admission.ok:
            self.on_way.setdefault(message_id, (chat_id, []))[1].append(entry)
        return admission

    async def answered(self, message_id: int) -> None:
        """Count the message's requests from now on: Telegram has answered them."""
        chat_id, entries = self.on_way.pop(message_id, (None, []))
        if not entries:
            return
        await self._answered(
            keys=[self.keys["window"], f"{self.keys['chat']}:{chat_id}"],
            args=[math.ceil(self.pace.chat_interval), *entries],
        )

    async def inflight_clear(self, message_id: int) -> None:
        await self.client.delete(f"{self.keys['inflight']}:{message_id}")

    async def pause(self, seconds: float) -> None:
        """Hold every sender for `seconds` (Telegram answered 429)."""
        await self._pause(keys=[self.keys["pause"]], args=[seconds * 1000])

    async def close(self) -> None:
        await self.client.aclose()
