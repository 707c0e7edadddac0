"""Deliver queued updates to the webhook the way Telegram's Bot API server does.

Modelled on tdlib/telegram-bot-api's ``WebhookActor``: updates are grouped in
queues (a chat's messages; a user's callback queries; ...), each queue sends its
oldest update and waits for the answer before the next, queues run in parallel
over at most ``max_connections`` connections. A 2xx answer confirms the update
(it leaves the pending queue and may carry a method call to execute); anything
else, a connection error or a timeout records the error for getWebhookInfo and
retries the same update after a growing delay, so nothing is lost or reordered.

Everything here runs on the server's event loop; the queues are shared with the
test thread (``accept`` is called on push) and so are guarded by the server lock.
"""

import asyncio
import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import aiohttp

from .state import BotState, Params, Uploads
from .wire import read_reply

type Update = dict[str, Any]
type QueueKey = tuple[str, Any]
type MethodRunner = Callable[[str, Params, Uploads], Awaitable[None]]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram waits long for a webhook's answer; tests set a short timeout.
DEFAULT_TIMEOUT = 60.0
DEFAULT_RETRY_DELAY = 0.1
DEFAULT_MAX_RETRY_DELAY = 2.0
MAX_RETRY_AFTER = 3600
# Methods Telegram refuses to run from a webhook answer (and any "get...").
REPLY_REFUSED = frozenset({"close", "deletewebhook", "logout", "setwebhook"})
# Updates in one queue are delivered one by one (telegram-bot-api's queue ids).
CHAT_QUEUES = frozenset(
    {
        "business_message",
        "channel_post",
        "chat_boost",
        "chat_join_request",
        "chat_member",
        "deleted_business_messages",
        "edited_business_message",
        "edited_channel_post",
        "edited_message",
        "message",
        "message_reaction",
        "message_reaction_count",
        "my_chat_member",
        "removed_chat_boost",
    }
)
USER_QUEUES = {
    "callback_query": "callback_query",
    "chosen_inline_result": "chosen_inline_result",
    "inline_query": "inline_query",
    # Payment queries share one queue per user.
    "pre_checkout_query": "payment",
    "shipping_query": "payment",
}


def queue_key(update: Update) -> QueueKey:
    """Return the delivery queue of an update: its chat's, its user's, or its own.

    Messages of every kind share their chat's queue; other updates are queued
    per chat or per user apart from messages, as in telegram-bot-api.
    """
    kind = next((key for key in update if key != "update_id"), "")
    body = update.get(kind)
    if isinstance(body, dict):
        if kind in CHAT_QUEUES and "chat" in body:
            return (
                "chat" if kind.endswith(("message", "post")) else kind,
                body["chat"]["id"],
            )
        if kind in USER_QUEUES and "from" in body:
            return (USER_QUEUES[kind], body["from"]["id"])
        if kind == "poll":
            return ("poll", body.get("id"))
        if kind == "poll_answer":
            return ("poll", body.get("poll_id"))
    return ("update", update["update_id"])


@dataclass(frozen=True, slots=True)
class Delivery:
    """One POST of an update to the webhook and how it ended."""

    update_id: int
    queue: QueueKey
    attempt: int
    status: int | None
    error: str | None
    at: float
    answered_at: float

    @property
    def ok(self) -> bool:
        """Tell whether the webhook confirmed the update (a 2xx answer)."""
        return self.status is not None and 200 <= self.status < 300


@dataclass(slots=True)
class Timing:
    """How long to wait for an answer, and how long to wait before a retry."""

    timeout: float = DEFAULT_TIMEOUT
    retry_delay: float = DEFAULT_RETRY_DELAY
    max_retry_delay: float = DEFAULT_MAX_RETRY_DELAY


@dataclass(slots=True)
class Answer:
    """What came back for one POST."""

    status: int | None = None
    error: str | None = None
    retry_after: float | None = None
    reply: tuple[str, Params, Uploads] | None = None


class WebhookSender:
    """Post pending updates to the webhook set in the Bot state, as Telegram does."""

    def __init__(
        self,
        lock: threading.RLock,
        state: BotState,
        changed: Callable[[], None],
        run_method: MethodRunner,
    ) -> None:
        """Share the server's lock and state; ``changed`` wakes sync waiters."""
        self._lock = lock
        self._state = state
        self._changed = changed
        self._run_method = run_method
        self.timing = Timing()
        self.deliveries: list[Delivery] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._active = False
        self._generation = 0
        self._queues: dict[QueueKey, deque[Update]] = {}
        self._workers: dict[QueueKey, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None
        self._slots = asyncio.Semaphore(1)
        self._closing: set[asyncio.Task[None]] = set()

    # -- control (server loop, lock held by the caller or taken here) --------

    def restart(self) -> None:
        """Abandon deliveries in progress and deliver per the current webhook.

        Called after setWebhook/deleteWebhook and on server start. A request in
        flight is abandoned and its update stays pending: delivery is at least
        once, as with Telegram when the webhook changes under a request.
        """
        with self._lock:
            self._halt()
            settings = self._state.webhook
            if not settings.url:
                return
            self._active = True
            self._generation += 1
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=settings.max_connections),
            )
            self._slots = asyncio.Semaphore(settings.max_connections)
            for update in list(self._state.queue):
                self._enqueue(update)
            for key in list(self._queues):
                self.spawn(key)

    def accept(self, update: Update) -> QueueKey | None:
        """Queue a newly pushed update (lock held); return a queue needing a worker."""
        if not self._active:
            return None
        key = self._enqueue(update)
        return key if key is not None and key not in self._workers else None

    def spawn(self, key: QueueKey) -> None:
        """Start the worker of a queue unless it runs or the queue is empty."""
        with self._lock:
            if not self._active or key in self._workers or not self._queues.get(key):
                return
            self._workers[key] = asyncio.get_running_loop().create_task(
                self._work(key, self._generation), name=f"webhook-{key}"
            )

    async def shutdown(self) -> None:
        """Stop delivering and close the HTTP session (the server is stopping)."""
        with self._lock:
            workers = list(self._workers.values())
            self._halt()
        await asyncio.gather(*workers, *self._closing, return_exceptions=True)

    def _halt(self) -> None:
        """Cancel every worker and let go of the session (lock held)."""
        self._active = False
        for worker in self._workers.values():
            worker.cancel()
        self._workers.clear()
        self._queues.clear()
        self.in_flight = 0
        if self._session is not None:
            closing = asyncio.get_running_loop().create_task(self._session.close())
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
            self._session = None

    def _enqueue(self, update: Update) -> QueueKey | None:
        """Add an update to its queue in update_id order; drop it if not allowed."""
        if not self._state.allows(update):
            self._state.settle(update, delivered=False)
            return None
        key = queue_key(update)
        queue = self._queues.setdefault(key, deque())
        queue.append(update)
        if len(queue) > 1 and queue[-2]["update_id"] > update["update_id"]:
            # Tests may push explicit, out-of-order ids; the head stays in place.
            head, *rest = queue
            self._queues[key] = deque([head, *sorted(rest, key=_update_id)])
        return key

    # -- delivery --------------------------------------------------------------

    async def _work(self, key: QueueKey, generation: int) -> None:
        """Deliver one queue's updates in order, each until the webhook takes it."""
        try:
            attempt, delay = 0, self.timing.retry_delay
            while True:
                with self._lock:
                    if generation != self._generation:
                        return
                    queue = self._queues.get(key)
                    if not queue:
                        # Retire under the lock accept() takes: a push after
                        # this finds no worker and spawns a new one.
                        self._queues.pop(key, None)
                        self._retire(key)
                        return
                    update = queue[0]
                attempt += 1
                started = time.monotonic()
                answer = await self._post(update)
                if self._settle(key, update, attempt, answer, started, generation):
                    attempt, delay = 0, self.timing.retry_delay
                    if answer.reply is not None and _may_reply(answer.reply[0]):
                        await self._run_method(*answer.reply)
                    continue
                wait = answer.retry_after if answer.retry_after is not None else delay
                delay = min(delay * 2, self.timing.max_retry_delay)
                await asyncio.sleep(wait)
        finally:
            self._retire(key)

    def _retire(self, key: QueueKey) -> None:
        """Forget the current task as the queue's worker (if it still is)."""
        with self._lock:
            if self._workers.get(key) is asyncio.current_task():
                del self._workers[key]

    async def _post(self, update: Update) -> Answer:
        """POST an update to the webhook within the connection limit."""
        settings = self._state.webhook
        session = self._session
        if session is None:
            return Answer(error="Webhook is not set")
        headers = {"Content-Type": "application/json"}
        if settings.secret_token:
            headers[SECRET_HEADER] = settings.secret_token
        async with self._slots:
            self._count_in_flight(+1)
            try:
                async with session.post(
                    settings.url,
                    data=json.dumps(update),
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self.timing.timeout),
                ) as response:
                    if not 200 <= response.status < 300:
                        await response.read()
                        return Answer(
                            response.status,
                            f"Wrong response from the webhook: {response.status} "
                            f"{response.reason or HTTPStatus(response.status).phrase}",
                            _retry_after(response),
                        )
                    return Answer(response.status, reply=await read_reply(response))
            except TimeoutError:
                return Answer(error="Read timeout expired")
            except aiohttp.ClientConnectorError as error:
                refused = isinstance(error.os_error, ConnectionRefusedError)
                return Answer(error="Connection refused" if refused else str(error))
            except aiohttp.ClientError:
                return Answer(error="Webhook connection closed")
            finally:
                self._count_in_flight(-1)

    def _settle(
        self,
        key: QueueKey,
        update: Update,
        attempt: int,
        answer: Answer,
        started: float,
        generation: int,
    ) -> bool:
        """Record a delivery; confirm the update on 2xx. Return whether it was."""
        delivery = Delivery(
            update["update_id"],
            key,
            attempt,
            answer.status,
            answer.error,
            started,
            time.monotonic(),
        )
        with self._lock:
            if generation != self._generation:
                return False
            self.deliveries.append(delivery)
            if delivery.ok:
                queue = self._queues[key]
                queue.remove(update)
                self._state.settle(update, delivered=True)
            else:
                self._state.webhook_failed(answer.error or "")
            self._changed()
        return delivery.ok

    def _count_in_flight(self, change: int) -> None:
        """Track requests in flight and their peak."""
        with self._lock:
            self.in_flight += change
            self.max_in_flight = max(self.max_in_flight, self.in_flight)


def _may_reply(method: str) -> bool:
    """Tell whether Telegram runs this method when a webhook answers with it."""
    name = method.lower()
    return name not in REPLY_REFUSED and not name.startswith("get")


def _update_id(update: Update) -> int:
    """Sort key of updates."""
    return update["update_id"]


def _retry_after(response: aiohttp.ClientResponse) -> float | None:
    """Return the webhook's Retry-After in seconds, if it sent a usable one."""
    with contextlib.suppress(ValueError):
        return min(
            max(float(response.headers.get("Retry-After", "")), 0), MAX_RETRY_AFTER
        )
    return None
