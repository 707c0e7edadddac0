"""A child process of the bot's poller (see botrunner/shards.py).

Imported by the child before Django is set up (to unpickle what it is started
with), so it imports nothing of the project's at the top.
"""

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShardOptions:
    """What a child builds its Bot and Dispatcher from (None: from settings)."""

    token: str | None = None
    api_base: str | None = None
    storage_prefix: str = "fsm"


async def receive(connection: Connection) -> Any:
    """Return the next object from `connection` without blocking the event loop.

    Raise EOFError once the other end is closed (its process exited).
    """
    loop = asyncio.get_running_loop()
    readable = asyncio.Event()
    loop.add_reader(connection.fileno(), readable.set)
    try:
        while not connection.poll():
            readable.clear()
            await readable.wait()
    finally:
        loop.remove_reader(connection.fileno())
    return connection.recv()


def child_main(connection: Connection, options: ShardOptions) -> None:
    import django

    django.setup()
    asyncio.run(_child(connection, options))


async def _child(connection: Connection, options: ShardOptions) -> None:
    """Handle the shares the poller sends until it stops, closes or dies."""
    # Only now that Django is set up can the bot (its models) be imported.
    from botrunner.bot import bot_create, dispatcher_create, storage_create
    from botrunner.database import database_pool
    from botrunner.polling import handle_batch
    from botrunner.shard_preload import ROUTERS

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    bot = bot_create(options.token, options.api_base)
    dispatcher = dispatcher_create(storage_create(options.storage_prefix), ROUTERS)
    try:
        async with database_pool():
            while (raw_updates := await _next_share(connection, stop)) is not None:
                with _exit_if_closed(connection):
                    done = await handle_batch(dispatcher, bot, raw_updates, stop=stop)
                connection.send(done)
    except (EOFError, OSError):
        pass  # the poller closed its end: nothing more to do
    finally:
        await dispatcher.storage.close()
        await bot.session.close()


async def _next_share(connection: Connection, stop: asyncio.Event) -> Any:
    """Return the next share sent, or None once `stop` is set while waiting."""
    receiving = asyncio.ensure_future(receive(connection))
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if receiving.done():
        return receiving.result()
    receiving.cancel()
    return None


@contextlib.contextmanager
def _exit_if_closed(connection: Connection) -> Iterator[None]:
    """Exit at once if the poller goes (killed) while inside: no orphan works on.

    The poller sends nothing while a share is handled, so its end becoming
    readable then means it was closed.
    """

    def exit_now() -> None:
        logger.warning("The bot's poller is gone; process %s exits", os.getpid())
        os._exit(1)

    loop = asyncio.get_running_loop()
    loop.add_reader(connection.fileno(), exit_now)
    try:
        yield
    finally:
        loop.remove_reader(connection.fileno())
