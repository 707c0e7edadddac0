"""A real HTTP server on 127.0.0.1 receiving the fake Bot API's webhook POSTs.

It runs in its own thread and event loop, like the fake, and records what came
in: the update, the secret header, how many requests were open at once (in all
and per chat). Tests script its answers per update (``answer``), hold requests
open (``hold``/``release``), answer with a method call (``reply``), or stop it
and start it again on the same port to refuse connections for a while.
"""

import asyncio
import threading
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from .telegram_api.webhook import SECRET_HEADER, queue_key

# A scripted answer: an HTTP status, or HANG to never answer.
HANG = "hang"
START_TIMEOUT = 5.0

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Received:
    """One POST that reached the receiver, with the answer it was given."""

    update: dict[str, Any]
    secret: str | None
    content_type: str
    status: int | None
    at: float

    @property
    def update_id(self) -> int:
        """Return the update's id."""
        return self.update["update_id"]

    @property
    def chat_id(self) -> Any:
        """Return the chat (or user) whose queue the update belongs to."""
        return queue_key(self.update)[1]


class WebhookReceiver:
    """Receive webhook POSTs on ``url`` in a background thread."""

    def __init__(self, *, handler: Handler | None = None) -> None:
        """Prepare the receiver; ``handler`` replaces the recording one (aiogram's)."""
        self.port = 0
        self.reply: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None
        self._handler = handler
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._received: list[Received] = []
        self._answers: dict[int, deque[int | str]] = {}
        self._open: Counter[Any] = Counter()
        self.max_in_flight = self.max_in_flight_per_chat = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._gate = asyncio.Event()
        self._stop = asyncio.Event()

    @property
    def url(self) -> str:
        """Return the URL to pass to setWebhook."""
        return f"http://127.0.0.1:{self.port}/webhook"

    def start(self) -> Self:
        """Serve in a thread (on the same port as before after a ``stop``)."""
        ready = threading.Event()
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._serve(ready),), daemon=True
        )
        self._thread.start()
        if not ready.wait(START_TIMEOUT) or self._loop is None:
            raise RuntimeError("webhook receiver did not start")
        return self

    def stop(self) -> None:
        """Stop serving; later connections are refused until ``start``."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(START_TIMEOUT)
        self._thread = self._loop = None

    def __enter__(self) -> Self:
        """Start for a ``with`` block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop at the end of a ``with`` block."""
        self.stop()

    # -- scripting ---------------------------------------------------------------

    def answer(self, update_id: int, *answers: int | str) -> None:
        """Answer the next deliveries of an update so (then 200); HANG never answers."""
        with self._lock:
            self._answers.setdefault(update_id, deque()).extend(answers)

    def hold(self) -> None:
        """Keep every request open until ``release``."""
        self._on_loop(self._gate.clear)

    def release(self) -> None:
        """Answer the held requests and stop holding."""
        self._on_loop(self._gate.set)

    # -- inspecting ----------------------------------------------------------------

    @property
    def received(self) -> list[Received]:
        """Return every POST so far, in arrival order."""
        with self._lock:
            return list(self._received)

    @property
    def in_flight(self) -> int:
        """Return how many requests are open now."""
        with self._lock:
            return sum(self._open.values())

    def accepted_ids(self) -> list[int]:
        """Return the update ids answered 2xx, in arrival order."""
        return [
            item.update_id
            for item in self.received
            if item.status is not None and 200 <= item.status < 300
        ]

    def wait_for(self, predicate: Callable[[], object], timeout: float = 5.0) -> bool:
        """Block until ``predicate()`` is truthy; return False after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.05))
        return True

    # -- serving -------------------------------------------------------------------

    async def _serve(self, ready: threading.Event) -> None:
        """Bind the port and serve until ``stop``."""
        self._loop = asyncio.get_running_loop()
        self._gate, self._stop = asyncio.Event(), asyncio.Event()
        self._gate.set()
        app = web.Application()
        app.router.add_post("/webhook", self._handler or self._record)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port)
        await site.start()
        self.port = runner.addresses[0][1]
        ready.set()
        try:
            await self._stop.wait()
        finally:
            self._gate.set()
            await runner.cleanup()

    async def _record(self, request: web.Request) -> web.Response:
        """Record a delivery and answer it as scripted."""
        update = await request.json()
        key = queue_key(update)
        with self._changed:
            script = self._answers.get(update["update_id"])
            answer = script.popleft() if script else 200
            self._received.append(
                Received(
                    update,
                    request.headers.get(SECRET_HEADER),
                    request.content_type,
                    None if answer == HANG else int(answer),
                    time.monotonic(),
                )
            )
            self._open[key] += 1
            self.max_in_flight = max(self.max_in_flight, sum(self._open.values()))
            self.max_in_flight_per_chat = max(
                self.max_in_flight_per_chat, self._open[key]
            )
            self._changed.notify_all()
        try:
            await self._gate.wait()
            if answer == HANG:
                await self._stop.wait()
                return web.Response(status=503)
            status = int(answer)
            body = self.reply(update) if self.reply and status < 300 else None
            return web.json_response(body or {"ok": status < 300}, status=status)
        finally:
            with self._changed:
                self._open[key] -= 1
                self._changed.notify_all()

    def _on_loop(self, action: Callable[[], None]) -> None:
        """Run ``action`` on the receiver's loop and wait until it ran."""
        if self._loop is None:
            raise RuntimeError("webhook receiver is not running")

        async def run() -> None:
            action()

        asyncio.run_coroutine_threadsafe(run(), self._loop).result(START_TIMEOUT)
