"""Serve the fake Bot API over HTTP from a background thread.

This layer owns the event loop, the HTTP routes and the enforcement of injected
faults; ``api.FakeTelegramAPI`` adds the test-facing helpers on top of it.
"""

import asyncio
import contextlib
import math
import random
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from .files import StoredFile
from .state import ApiError, BotState, ChatId, Params, Uploads
from .webhook import WebhookSender
from .wire import read_params

DEFAULT_TOKEN = "123456:TEST"
START_TIMEOUT = 5.0
STOP_TIMEOUT = 5.0
# Telegram caps long polling at 50 seconds; so does the fake.
MAX_POLL_TIMEOUT = 50
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Sync waits re-check this often so predicates on outside state still resolve.
POLL_INTERVAL = 0.05

# Calls after which the webhook delivers per the new settings.
WEBHOOK_METHODS = frozenset({"deletewebhook", "setwebhook"})
# Calls that change what a user sees; successful ones are listed in ``sent``.
OUTGOING_METHODS = frozenset(
    {
        "answercallbackquery",
        "deletemessage",
        "editmessagereplymarkup",
        "editmessagetext",
        "senddocument",
        "sendmediagroup",
        "sendmessage",
        "sendphoto",
    }
)
# Calls that post new messages: rate limits and per-second stats count these.
MESSAGE_METHODS = frozenset(
    {"senddocument", "sendmediagroup", "sendmessage", "sendphoto"}
)
# Calls refused with 403 once a user has blocked the bot.
BLOCKABLE_METHODS = MESSAGE_METHODS | {
    "editmessagereplymarkup",
    "editmessagetext",
    "sendchataction",
}
BLOCKED = "Forbidden: bot was blocked by the user"
SUPERSEDED = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
# A held request that never took effect; its client has given up by then.
DROPPED = "Gateway Timeout: the request was dropped"
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One request the fake received, with the response it produced."""

    method: str
    chat_id: ChatId | None
    params: Params
    at: float
    status: int = 200
    result: Any = None
    description: str | None = None
    files: Uploads = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Tell whether Telegram would have accepted the call."""
        return self.status == 200

    @property
    def text(self) -> str | None:
        """Return the text or caption that was sent, if any."""
        return self.params.get("text") or self.params.get("caption")


@dataclass(slots=True)
class Fault:
    """A queued failure or delay for the next matching requests."""

    remaining: int
    method: str | None
    chat_id: ChatId | None
    status: int = 500
    description: str = ""
    retry_after: int | None = None
    seconds: float = 0.0
    deliver: bool = True

    def claim(self, name: str, chat_id: ChatId | None) -> bool:
        """Consume one use of the fault if it applies to this request."""
        if self.method is None:
            # Bots poll constantly; untargeted faults would mostly hit getUpdates.
            applies = name != "getupdates"
        else:
            applies = self.method.lower() == name
        if not applies or self.remaining <= 0 or self.chat_id not in (None, chat_id):
            return False
        self.remaining -= 1
        return True


@dataclass(slots=True)
class Storm:
    """Seeded faults on message sends, scripted per chat, and 429 pauses.

    Each chat gets its own script from a ``random.Random`` seeded with the seed
    and the chat id, so what a chat meets does not depend on the order in which
    concurrent requests arrive: each of its first sends fails with probability
    ``share`` (at most ``max_faults`` in a row) with a 429, a 500/502/503 or a
    hang of ``hang_seconds`` that never delivers. A 429 asks the bot to wait
    ``retry_after`` seconds; sends arriving before that ran out are answered 429
    too and recorded in ``early`` (chat, the pause's number, seconds into it).
    """

    seed: int
    share: float
    max_faults: int
    retry_after: int
    hang_seconds: float
    kinds: tuple[str, ...] = ("429", "500", "502", "503", "hang")
    scripts: dict[ChatId | None, list[str]] = field(default_factory=dict)
    paused_at: float = 0.0
    paused_until: float = 0.0
    pauses: int = 0
    early: list[tuple[ChatId | None, int, float]] = field(default_factory=list)

    def script(self, chat_id: ChatId | None) -> list[str]:
        """Return what is left of the chat's faults, drawing them on first use."""
        if chat_id not in self.scripts:
            rng = random.Random(f"{self.seed}:{chat_id}")
            faults: list[str] = []
            while len(faults) < self.max_faults and rng.random() < self.share:
                faults.append(rng.choice(self.kinds))
            self.scripts[chat_id] = faults
        return self.scripts[chat_id]

    def check(self, chat_id: ChatId | None, arrived: float) -> float:
        """Raise the send's 429 or 5xx; return seconds to hang (0: go on)."""
        if arrived < self.paused_until:
            self.early.append((chat_id, self.pauses, arrived - self.paused_at))
            wait = max(1, math.ceil(self.paused_until - arrived))
            raise ApiError(429, f"Too Many Requests: retry after {wait}", wait)
        script = self.script(chat_id)
        if not script:
            return 0.0
        fault = script.pop(0)
        if fault == "hang":
            return self.hang_seconds
        if fault == "429":
            self.pauses += 1
            self.paused_at = arrived
            self.paused_until = arrived + self.retry_after
            raise ApiError(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                self.retry_after,
            )
        status = int(fault)
        raise ApiError(status, HTTPStatus(status).phrase)


class FakeTelegramServer:
    """Run a fake Telegram Bot API server on 127.0.0.1 in a background thread."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, port: int = 0) -> None:
        """Prepare the fake; ``port=0`` picks a free port on start."""
        self.token = token
        self._port = port
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._version = 0
        self._state = BotState(token)
        self._calls: list[ApiCall] = []
        self._accepted: list[tuple[ChatId | None, float]] = []
        self._failures: list[Fault] = []
        self._delays: list[Fault] = []
        self._blocked: set[ChatId] = set()
        self._limits: tuple[int | None, int | None] = (None, None)
        self._forced_retry_after: int | None = None
        self._storm: Storm | None = None
        self._global_window: deque[float] = deque()
        self._chat_windows: defaultdict[ChatId | None, deque[float]] = defaultdict(
            deque
        )
        self._too_many = 0
        self._downloads = 0
        self._poll_generation = 0
        # Telegram may answer a long poll early, empty; tests that need a
        # polling bot to come back often lower this.
        self.max_poll_timeout: float = MAX_POLL_TIMEOUT
        self._base_url: str | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event = asyncio.Event()
        self._updates_event = asyncio.Event()
        self._stopping = False
        self._startup_error: BaseException | None = None
        self._webhook = WebhookSender(
            self._lock, self._state, self._bump, self._run_reply
        )

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> Self:
        """Start serving in a background thread; return once the port is bound."""
        if self._thread is not None:
            raise RuntimeError("fake Telegram API is already running")
        ready = threading.Event()
        self._stopping = False
        self._startup_error = None
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="fake-telegram-api", daemon=True
        )
        self._thread.start()
        if not ready.wait(START_TIMEOUT):
            raise RuntimeError("fake Telegram API did not start in time")
        if self._startup_error is not None:
            self._thread.join(STOP_TIMEOUT)
            self._thread = None
            raise RuntimeError(
                "fake Telegram API failed to start"
            ) from self._startup_error
        return self

    def stop(self) -> None:
        """Stop serving: wake long polls, cut delays short and join the thread."""
        thread, loop = self._thread, self._loop
        if thread is None:
            return
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # The loop may have closed already.
                loop.call_soon_threadsafe(self._begin_stop)
        thread.join(STOP_TIMEOUT)
        self._thread = self._loop = None
        if thread.is_alive():
            raise RuntimeError("fake Telegram API did not stop in time")

    def __enter__(self) -> Self:
        """Start the server for a ``with`` block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server at the end of a ``with`` block."""
        self.stop()

    async def __aenter__(self) -> Self:
        """Start the server without blocking the caller's event loop."""
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server without blocking the caller's event loop."""
        await asyncio.to_thread(self.stop)

    @property
    def base_url(self) -> str:
        """Return the server root, e.g. ``http://127.0.0.1:PORT``."""
        if self._base_url is None:
            raise RuntimeError("fake Telegram API is not running")
        return self._base_url

    @property
    def server(self) -> TelegramAPIServer:
        """Return the aiogram endpoint configuration pointing at the fake."""
        return TelegramAPIServer.from_base(self.base_url)

    def make_bot(self, **kwargs: Any) -> Bot:
        """Create an aiogram Bot talking to the fake; close it when done."""
        return Bot(self.token, session=AiohttpSession(api=self.server), **kwargs)

    def _run(self, ready: threading.Event) -> None:
        """Own the server's event loop for the lifetime of the thread."""
        asyncio.run(self._serve(ready))

    async def _serve(self, ready: threading.Event) -> None:
        """Bind the port, report readiness and serve until stopped."""
        self._loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        self._updates_event = asyncio.Event()
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_get("/bot{token}/{method}", self._handle_method)
        app.router.add_post("/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        # A short shutdown timeout: stop() must not hang on a client's open request.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        try:
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", self._port).start()
            host, port = runner.addresses[0][:2]
            self._base_url = f"http://{host}:{port}"
        except Exception as error:
            self._startup_error = error
            ready.set()
            await runner.cleanup()
            return
        # The Bot state outlives a stop: a webhook set before goes on delivering.
        self._webhook.restart()
        ready.set()
        try:
            await self._stop_event.wait()
        finally:
            await self._webhook.shutdown()
            await runner.cleanup()
            self._base_url = None

    def _begin_stop(self) -> None:
        """Mark the server as stopping and release everything that waits."""
        self._stopping = True
        self._stop_event.set()
        self._wake_pollers()

    # -- HTTP ------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        """Answer ``/bot{token}/{method}`` like the Bot API, recording the call."""
        status, body = await self._call(
            request.match_info["method"],
            lambda: read_params(request),
            authorized=request.match_info["token"] == self.token,
        )
        return web.json_response(body, status=status)

    async def _run_reply(self, method: str, params: Params, uploads: Uploads) -> None:
        """Run a method call a webhook answered with, as Telegram does."""

        async def given() -> tuple[Params, Uploads]:
            return params, uploads

        await self._call(method, given)

    async def _call(
        self,
        method_name: str,
        read: Callable[[], Awaitable[tuple[Params, Uploads]]],
        *,
        authorized: bool = True,
    ) -> tuple[int, dict[str, Any]]:
        """Run one Bot API call, record it and return its status and JSON body."""
        name = method_name.lower()
        method = self._state.method_names.get(name, method_name)
        params: Params = {}
        uploads: Uploads = {}
        chat_id: ChatId | None = None
        result: Any = None
        description: str | None = None
        try:
            if not authorized:
                raise ApiError(401, "Unauthorized")
            if name != "getupdates" and name not in self._state.handlers:
                raise ApiError(404, "Not Found: method not found")
            params, uploads = await read()
            chat_id = self._target_chat(name, params)
            result = await self._execute(name, params, uploads, chat_id)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, body, description = error.status, error.payload(), error.description
        self._record(
            ApiCall(
                method=method,
                chat_id=chat_id,
                params=params,
                at=time.monotonic(),
                status=status,
                result=result,
                description=description,
                files=uploads,
            )
        )
        return status, body

    async def _handle_file(self, request: web.Request) -> web.Response:
        """Serve ``/file/bot{token}/{file_path}`` downloads."""
        with self._lock:
            # Only faults aimed at downloads: untargeted ones stay with API methods.
            fault = next(
                (
                    rule
                    for rule in self._failures
                    if rule.method == "download" and rule.claim("download", None)
                ),
                None,
            )
        if fault is not None:
            return web.json_response(
                {"ok": False, "error_code": fault.status}, status=fault.status
            )
        stored: StoredFile | None = None
        if request.match_info["token"] == self.token:
            with self._lock:
                stored = self._state.files.by_path.get(request.match_info["file_path"])
                if stored is not None:
                    self._downloads += 1
        if stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(
            body=stored.content,
            content_type=stored.mime_type or "application/octet-stream",
        )

    def _target_chat(self, name: str, params: Params) -> ChatId | None:
        """Return the chat a call affects; callback answers map via their query."""
        if name == "answercallbackquery":
            with self._lock:
                return self._state.callback_chats.get(
                    str(params.get("callback_query_id"))
                )
        return params.get("chat_id")

    async def _execute(
        self, name: str, params: Params, uploads: Uploads, chat_id: ChatId | None
    ) -> Any:
        """Apply injected delays and faults, then run the method."""
        arrived = time.monotonic()
        with self._lock:
            delay = next(
                (rule for rule in self._delays if rule.claim(name, chat_id)), None
            )
            hang = 0.0
            if self._storm is not None and name in MESSAGE_METHODS:
                hang = self._storm.check(chat_id, arrived)
        if hang:
            await self._hold(hang)
            raise ApiError(504, DROPPED)
        if delay is not None:
            await self._hold(delay.seconds)
            if not delay.deliver:
                raise ApiError(504, DROPPED)
            # Otherwise the call takes effect afterwards, like a slow Telegram.
        if name == "getupdates":
            return await self._get_updates(params)
        with self._lock:
            self._check_faults(name, chat_id)
            result = self._state.call(name, params, uploads)
            if name in WEBHOOK_METHODS:
                self._webhook.restart()
            if name in MESSAGE_METHODS:
                now = time.monotonic()
                self._accepted.append((chat_id, now))
                for window in (self._global_window, self._chat_windows[chat_id]):
                    window.append(now)
            return result

    async def _hold(self, seconds: float) -> None:
        """Wait before answering (cut short when the server stops)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop_event.wait(), seconds)

    def _check_faults(self, name: str, chat_id: ChatId | None) -> None:
        """Raise the injected failure, block or rate limit that applies, if any."""
        fault = next(
            (rule for rule in self._failures if rule.claim(name, chat_id)), None
        )
        if fault is not None:
            raise ApiError(fault.status, fault.description, fault.retry_after)
        if chat_id in self._blocked and name in BLOCKABLE_METHODS:
            raise ApiError(403, BLOCKED)
        if name not in MESSAGE_METHODS:
            return
        now = time.monotonic()
        for window, limit in zip(
            (self._global_window, self._chat_windows[chat_id]),
            self._limits,
            strict=True,
        ):
            while window and now - window[0] >= 1.0:
                window.popleft()
            if limit is not None and len(window) >= limit:
                retry_after = self._forced_retry_after or max(
                    1, math.ceil(window[0] + 1.0 - now)
                )
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry_after}", retry_after
                )

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        """Long-poll: confirm by offset, then wait up to ``timeout`` for updates."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(
            max(int(params.get("timeout") or 0), 0), self.max_poll_timeout
        )
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        with self._lock:
            self._check_faults("getupdates", None)
            if self._state.webhook_url:
                raise ApiError(409, WEBHOOK_ACTIVE)
            self._state.confirm(params.get("offset"))
            if "allowed_updates" in params:
                self._state.allowed_updates = frozenset(params["allowed_updates"] or ())
            self._poll_generation += 1
            generation = self._poll_generation
            self._bump()
        # Telegram ends an older long poll when a newer one arrives.
        self._wake_pollers()
        while True:
            event = self._updates_event
            with self._lock:
                if generation != self._poll_generation:
                    raise ApiError(409, SUPERSEDED)
                updates = self._state.available(limit)
            remaining = deadline - loop.time()
            if updates or remaining <= 0 or self._stopping:
                return updates
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _wake_pollers(self) -> None:
        """Wake every waiting long poll (call on the server loop only)."""
        event, self._updates_event = self._updates_event, asyncio.Event()
        event.set()

    def _bump(self) -> None:
        """Wake sync waiters after a change (call with the lock held)."""
        self._version += 1
        self._changed.notify_all()

    def _record(self, call: ApiCall) -> None:
        """Store a finished call."""
        with self._lock:
            self._calls.append(call)
            if call.status == 429:
                self._too_many += 1
            self._bump()

    def _deliver(self, update: dict[str, Any], *, push: bool = True) -> dict[str, Any]:
        """Number an update and, if ``push``, queue it for getUpdates or the webhook."""
        webhook_queue = None
        with self._lock:
            update = self._state.push(update, queue=push)
            if push:
                webhook_queue = self._webhook.accept(update)
            self._bump()
        loop = self._loop
        if push and loop is not None:
            with contextlib.suppress(RuntimeError):  # The loop may be closing.
                loop.call_soon_threadsafe(self._wake_pollers)
                if webhook_queue is not None:
                    loop.call_soon_threadsafe(self._webhook.spawn, webhook_queue)
        return update
