"""Test-facing API of the fake Bot API: inspect calls, wait, inject faults, stats."""

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from .feeding import UpdateFeeder
from .server import OUTGOING_METHODS, POLL_INTERVAL, ApiCall, Fault, Storm
from .state import ChatId
from .webhook import Delivery


@dataclass(frozen=True, slots=True)
class Stats:
    """Counters describing everything the fake has seen so far."""

    calls: dict[str, int]
    succeeded: dict[str, int]
    errors: dict[int, int]
    too_many_requests: int
    max_per_chat_per_sec: int
    max_global_per_sec: int
    downloads: int
    updates_pushed: int
    updates_confirmed: int
    updates_pending: int
    updates_filtered: int
    updates_discarded: int
    webhook_delivered: int
    webhook_failed: int
    webhook_max_in_flight: int


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """Return the largest number of timestamps within any ``window`` seconds."""
    times = sorted(times)
    best = start = 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class FakeTelegramAPI(UpdateFeeder):
    """Fake Telegram Bot API server with helpers for tests and benchmarks."""

    # -- inspecting calls ------------------------------------------------------

    @property
    def calls(self) -> list[ApiCall]:
        """Return every request received, including getUpdates and failures."""
        with self._lock:
            return list(self._calls)

    @property
    def sent(self) -> list[ApiCall]:
        """Return successful calls that change what users see (sends, edits...)."""
        with self._lock:
            return [
                call
                for call in self._calls
                if call.ok and call.method.lower() in OUTGOING_METHODS
            ]

    def sent_to(self, chat_id: ChatId) -> list[ApiCall]:
        """Return the successful outgoing calls affecting one chat."""
        return [call for call in self.sent if call.chat_id == chat_id]

    @property
    def commands(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """Return setMyCommands lists keyed by (scope type, language code)."""
        with self._lock:
            return dict(self._state.commands)

    @property
    def too_many_requests(self) -> int:
        """Return how many 429 responses were sent."""
        with self._lock:
            return self._too_many

    def stats(self) -> Stats:
        """Summarise calls, errors, send rates and the update queue."""
        with self._lock:
            calls, accepted, state = (
                list(self._calls),
                list(self._accepted),
                self._state,
            )
            counters = {
                "too_many_requests": self._too_many,
                "downloads": self._downloads,
                "updates_pushed": state.pushed,
                "updates_confirmed": state.confirmed,
                "updates_pending": len(state.queue),
                "updates_filtered": state.filtered,
                "updates_discarded": state.discarded,
                "webhook_delivered": sum(d.ok for d in self._webhook.deliveries),
                "webhook_failed": sum(not d.ok for d in self._webhook.deliveries),
                "webhook_max_in_flight": self._webhook.max_in_flight,
            }
        # Window maxima sort every timestamp; compute them without the lock.
        per_chat: defaultdict[ChatId | None, list[float]] = defaultdict(list)
        for chat_id, moment in accepted:
            per_chat[chat_id].append(moment)
        return Stats(
            calls=dict(Counter(call.method for call in calls)),
            succeeded=dict(Counter(call.method for call in calls if call.ok)),
            errors=dict(Counter(call.status for call in calls if not call.ok)),
            max_per_chat_per_sec=max(map(max_in_window, per_chat.values()), default=0),
            max_global_per_sec=max_in_window([moment for _, moment in accepted]),
            **counters,
        )

    def reset_calls(self) -> None:
        """Forget recorded calls and send-rate history (e.g. after a warm-up)."""
        with self._lock:
            self._calls.clear()
            self._accepted.clear()
            self._too_many = 0

    # -- waiting ---------------------------------------------------------------

    def wait_for(self, predicate: Callable[[], object], timeout: float = 5.0) -> bool:
        """Block until ``predicate()`` is truthy; return False after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                version = self._version
            if predicate():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._changed:
                if self._version == version:
                    self._changed.wait(min(remaining, POLL_INTERVAL))

    def wait_sent(
        self,
        count: int = 1,
        timeout: float = 5.0,
        *,
        method: str | None = None,
        chat_id: ChatId | None = None,
    ) -> list[ApiCall]:
        """Block until ``count`` matching calls were sent; raise TimeoutError otherwise."""
        if not self.wait_for(
            lambda: len(self._matching(method, chat_id)) >= count, timeout
        ):
            raise TimeoutError(self._shortfall(count, timeout, method, chat_id))
        return self._matching(method, chat_id)

    async def await_for(
        self,
        predicate: Callable[[], object],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> bool:
        """Await ``predicate()`` becoming truthy; return False after ``timeout``.

        ``timeout`` mirrors the sync helpers so tests read the same either way.
        """
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(POLL_INTERVAL / 5)
        return True

    async def await_sent(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        method: str | None = None,
        chat_id: ChatId | None = None,
    ) -> list[ApiCall]:
        """Await ``count`` matching sent calls; raise TimeoutError otherwise.

        Same signature as ``wait_sent`` on purpose, hence the ``timeout`` argument.
        """
        if not await self.await_for(
            lambda: len(self._matching(method, chat_id)) >= count, timeout
        ):
            raise TimeoutError(self._shortfall(count, timeout, method, chat_id))
        return self._matching(method, chat_id)

    def _matching(self, method: str | None, chat_id: ChatId | None) -> list[ApiCall]:
        """Return sent calls filtered by method name and chat."""
        return [
            call
            for call in self.sent
            if (method is None or call.method.lower() == method.lower())
            and (chat_id is None or call.chat_id == chat_id)
        ]

    def _shortfall(
        self, count: int, timeout: float, method: str | None, chat_id: ChatId | None
    ) -> str:
        """Describe a failed wait, listing what was sent instead."""
        seen = [(call.method, call.chat_id, call.text) for call in self.sent]
        wanted = f"{count} sent call(s) with method={method}, chat_id={chat_id}"
        return f"expected {wanted} within {timeout}s; sent: {seen}"

    # -- webhook ---------------------------------------------------------------

    @property
    def webhook_deliveries(self) -> list[Delivery]:
        """Return every POST to the webhook so far, failed ones included."""
        with self._lock:
            return list(self._webhook.deliveries)

    def webhook_timing(
        self,
        *,
        timeout: float | None = None,
        retry_delay: float | None = None,
        max_retry_delay: float | None = None,
    ) -> None:
        """Set how long deliveries wait for an answer and back off before a retry.

        Telegram waits about a minute; tests want short waits. The delay before
        an update's next retry doubles from ``retry_delay`` up to
        ``max_retry_delay``, unless the webhook answered with a Retry-After.
        """
        timing = self._webhook.timing
        with self._lock:
            if timeout is not None:
                timing.timeout = timeout
            if retry_delay is not None:
                timing.retry_delay = retry_delay
            if max_retry_delay is not None:
                timing.max_retry_delay = max_retry_delay

    def wait_delivered(self, timeout: float = 5.0) -> list[Delivery]:
        """Block until the webhook confirmed every pending update.

        Return the deliveries; raise TimeoutError (with the pending count and
        the last error) if updates are still pending after ``timeout``.
        """
        if not self.wait_for(self._all_delivered, timeout):
            raise TimeoutError(self._undelivered(timeout))
        return self.webhook_deliveries

    async def await_delivered(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[Delivery]:
        """Await the webhook confirming every pending update (see ``wait_delivered``)."""
        if not await self.await_for(self._all_delivered, timeout):
            raise TimeoutError(self._undelivered(timeout))
        return self.webhook_deliveries

    def _all_delivered(self) -> bool:
        """Tell whether a webhook is set and has taken every pending update."""
        with self._lock:
            return bool(self._state.webhook_url) and not self._state.queue

    def _undelivered(self, timeout: float) -> str:
        """Describe a failed wait for deliveries."""
        with self._lock:
            pending = [update["update_id"] for update in self._state.queue]
            webhook = self._state.webhook
        if not webhook.url:
            return f"no webhook is set; pending updates: {pending}"
        return (
            f"{len(pending)} update(s) still pending after {timeout}s: {pending[:20]}; "
            f"last error: {webhook.last_error_message!r}"
        )

    # -- fault injection -------------------------------------------------------

    def block_chat(self, chat_id: ChatId) -> None:
        """Answer sends and edits to ``chat_id`` with 403 "bot was blocked"."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: ChatId) -> None:
        """Undo ``block_chat``."""
        with self._lock:
            self._blocked.discard(chat_id)

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        description: str | None = None,
        *,
        method: str | None = None,
        chat_id: ChatId | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Fail the next ``n`` matching calls (any method but getUpdates by default).

        ``method="download"`` fails file downloads (``/file/bot<token>/...``).
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = HTTPStatus(status).phrase
            if retry_after is not None:
                description += f": retry after {retry_after}"
        with self._lock:
            self._failures = [rule for rule in self._failures if rule.remaining > 0]
            self._failures.append(
                Fault(
                    n,
                    method,
                    chat_id,
                    status=status,
                    description=description,
                    retry_after=retry_after,
                )
            )

    def delay_next(
        self,
        n: int,
        seconds: float,
        *,
        method: str | None = None,
        chat_id: ChatId | None = None,
        deliver: bool = True,
    ) -> None:
        """Hold the next ``n`` matching calls for ``seconds`` before handling them.

        With ``deliver=False`` a held call never takes effect (it is answered
        504, long after its client gave up): a timeout after which a retry is
        right. By default it takes effect, as a slow Telegram's would.
        """
        with self._lock:
            self._delays = [rule for rule in self._delays if rule.remaining > 0]
            self._delays.append(
                Fault(n, method, chat_id, seconds=seconds, deliver=deliver)
            )

    def storm(
        self,
        *,
        seed: int,
        share: float = 0.5,
        max_faults: int = 3,
        retry_after: int = 1,
        hang_seconds: float = 2.0,
    ) -> None:
        """Fail message sends in a seeded storm of 429s, 5xx and hangs (see ``Storm``)."""
        with self._lock:
            self._storm = Storm(seed, share, max_faults, retry_after, hang_seconds)

    @property
    def sent_in_pause(self) -> list[tuple[ChatId | None, int, float]]:
        """Return the sends that came while a storm 429's retry_after ran.

        Each as (chat, the pause's number from 1, seconds into the pause).
        """
        with self._lock:
            return list(self._storm.early) if self._storm else []

    @property
    def storm_pauses(self) -> int:
        """Return how many 429s of the storm asked the bot to wait."""
        with self._lock:
            return self._storm.pauses if self._storm else 0

    def rate_limit(
        self,
        global_per_sec: int | None = 30,
        per_chat_per_sec: int | None = 1,
        *,
        retry_after: int | None = None,
    ) -> None:
        """Answer message sends beyond these per-second limits with 429 (None: no limit)."""
        with self._lock:
            self._limits = (global_per_sec, per_chat_per_sec)
            self._forced_retry_after = retry_after
