"""The limits inside one process, for running without Redis (the demo)."""

import asyncio
import threading
import time
import uuid

from notifications.ratelimit.pace import Admission, Pace


class LocalLimiter:
    """The same limits inside one process, for running without Redis."""

    _guard = threading.Lock()
    _state: dict[str, float] = {"tat": 0.0, "pause": 0.0}
    _chats: dict[int, float] = {}
    # Each request -> when it counts from: until it is answered, the future.
    _window: dict[str, float] = {}

    def __init__(self, *, prefix: str) -> None:
        self.prefix = prefix
        self.pace = Pace.from_settings()
        # This limiter's requests not yet answered: message -> (chat, window entries).
        self.on_way: dict[int, tuple[int, list[str]]] = {}

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
            for entry in [e for e, at in self._window.items() if at <= now - window]:
                del self._window[entry]
            if len(self._window) >= self.pace.cap:
                oldest = min(self._window.values())
                return Admission(Admission.AT_CAP, min(window, oldest + window - now))
            chat_interval = self.pace.chat_interval / 1000
            free_at = self._chats.get(chat_id, 0.0)
            if free_at > now:
                return Admission(Admission.CHAT_BUSY, min(chat_interval, free_at - now))
            on_way = self.pace.on_way / 1000
            self._chats[chat_id] = now + chat_interval + on_way
            entry = uuid.uuid4().hex
            self._window[entry] = now + on_way
            self.on_way.setdefault(message_id, (chat_id, []))[1].append(entry)
            if len(self._chats) > 10_000:
                for key in [k for k, v in self._chats.items() if v <= now]:
                    del self._chats[key]
            return Admission(Admission.GO)

    async def answered(self, message_id: int) -> None:
        chat_id, entries = self.on_way.pop(message_id, (0, []))
        with self._guard:
            now = time.monotonic()
            for entry in entries:
                self._window[entry] = now
            if entries:
                self._chats[chat_id] = now + self.pace.chat_interval / 1000

    async def inflight_clear(self, message_id: int) -> None:
        # In-process marks die with the process; the sweep assumes the worst.
        await asyncio.sleep(0)

    async def pause(self, seconds: float) -> None:
        with self._guard:
            till = time.monotonic() + seconds
            self._state["pause"] = max(self._state["pause"], till)

    async def close(self) -> None:
        await asyncio.sleep(0)
