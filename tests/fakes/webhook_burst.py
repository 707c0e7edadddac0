"""Time the fake Bot API delivering a burst of photo updates to a trivial webhook.

Run from the repository root::

    .venv/bin/python -m tests.fakes.webhook_burst [--updates 1000] [--chats 1000]

The receiver is a bare aiohttp app answering 200, run in ``--receivers``
processes sharing one port (SO_REUSEPORT), as uvicorn workers do, so the figure
is the fake's own delivery rate on this machine. It prints timings; it asserts
nothing but that every update was delivered.
"""

import argparse
import asyncio
import multiprocessing
import socket
import sys
import time
from multiprocessing.synchronize import Event
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from .telegram_api import FakeTelegramAPI


def serve_receiver(port: int, ready: Event) -> None:
    """Answer every webhook POST with 200 until terminated."""

    async def handle(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({})

    async def serve() -> None:
        app = web.Application()
        app.router.add_post("/webhook", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port, reuse_port=True).start()
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(serve())


def free_port() -> int:
    """Return a port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def set_webhook(api: "FakeTelegramAPI", url: str, max_connections: int) -> None:
    """Point the fake at the receiver through a real aiogram Bot."""

    async def call() -> None:
        async with api.make_bot() as bot:
            await bot.set_webhook(url, max_connections=max_connections)

    asyncio.run(call())


def push(api: "FakeTelegramAPI", updates: int, chats: int) -> float:
    """Push photo updates round-robin over the chats; return the seconds taken."""
    started = time.monotonic()
    for index in range(updates):
        api.photo_update(100_000 + index % chats)
    return time.monotonic() - started


def report(label: str, count: int, seconds: float) -> None:
    """Print one timing line."""
    sys.stdout.write(f"{label:<44} {seconds:7.3f} s  ({count / seconds:7.0f}/s)\n")


def run(updates: int, chats: int, max_connections: int, url: str) -> None:
    """Deliver bursts (queued before the webhook, then pushed live) and time them."""
    # Imported here: the receiver processes import this module and need no aiogram.
    from .telegram_api import FakeTelegramAPI

    with FakeTelegramAPI() as api:
        pushed = push(api, updates, chats)
        started = time.monotonic()
        set_webhook(api, url, max_connections)
        api.wait_delivered(timeout=300)
        report("push (build photo updates)", updates, pushed)
        report(
            "deliver pending burst after setWebhook",
            updates,
            time.monotonic() - started,
        )

        api.reset_calls()
        started = time.monotonic()
        push(api, updates, chats)
        api.wait_delivered(timeout=300)
        report(
            "push + deliver live (webhook already set)",
            updates,
            time.monotonic() - started,
        )
        stats = api.stats()
        sys.stdout.write(
            f"delivered {stats.webhook_delivered}, failed {stats.webhook_failed}, "
            f"max in flight {stats.webhook_max_in_flight} of {max_connections}\n"
        )


def main() -> None:
    """Start the receivers, run the bursts and stop the receivers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--max-connections", type=int, default=40)
    parser.add_argument("--receivers", type=int, default=2)
    options = parser.parse_args()
    port = free_port()
    context = multiprocessing.get_context("spawn")
    receivers = []
    for _ in range(options.receivers):
        ready = context.Event()
        process = context.Process(
            target=serve_receiver, args=(port, ready), daemon=True
        )
        process.start()
        if not ready.wait(60):
            raise RuntimeError("the receiver did not start")
        receivers.append(process)
    try:
        run(
            options.updates,
            options.chats,
            options.max_connections,
            f"http://127.0.0.1:{port}/webhook",
        )
    finally:
        for process in receivers:
            process.terminate()
            process.join(5)


if __name__ == "__main__":
    main()
