"""The shapes every limiter shares: the pace from settings, admissions."""

import dataclasses
import math
from typing import Protocol

from django.conf import settings

# Marks outlive any plausible outage of the sweep; normally they last a request.
INFLIGHT_MARK_MS = 7 * 24 * 3600 * 1000


class Limiter(Protocol):
    async def reserve(self) -> float: ...
    async def admit(self, chat_id: int, message_id: int) -> "Admission": ...
    async def answered(self, message_id: int) -> None: ...
    async def inflight_clear(self, message_id: int) -> None: ...
    async def pause(self, seconds: float) -> None: ...
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
    chat_interval: float  # to one chat, from the answer to the previous request
    cap: int  # requests counted within `window`
    window: float  # Telegram's second
    on_way: float  # the longest a request is on its way (the client's timeout)

    @classmethod
    def from_settings(cls) -> "Pace":
        headroom = settings.TELEGRAM_RATE_HEADROOM
        return cls(
            interval=1000.0 / (settings.TELEGRAM_RATE_GLOBAL * headroom),
            chat_interval=1000.0 / (settings.TELEGRAM_RATE_PER_CHAT * headroom),
            cap=max(1, math.floor(settings.TELEGRAM_RATE_GLOBAL)),
            window=1000.0,
            on_way=settings.TELEGRAM_REQUEST_TIMEOUT * 1000,
        )


def limiter_prefix(token: str) -> str:
    # Telegram limits each bot separately; the bot's id starts its token.
    return f"smena:telegram:{token.split(':', 1)[0]}"
