"""Handling polled updates in child processes, to use more than one core.

One bot process is bound to one core by Python's GIL: the ORM, Pillow and aiogram
all hold it. With `BOT_PROCESSES` > 1 the poller stays the only one (getUpdates
has one offset) and hands each batch out to child processes by chat, so a chat's
updates always go to the same child, in order, and its dialog state is used by
one process at a time. Each child runs `handle_batch` on its share with its own
Bot, Dispatcher and database threads. The batch is confirmed only when every
child reports its share done, as in one process; a child that dies leaves the
batch unconfirmed, is started again, and the batch is delivered again.

Children go with the poller: stopping it stops them once their share is done
(or given up while the database is down); killing it makes them exit at once.
"""

import asyncio
import contextlib
import logging
import multiprocessing
import os
from collections.abc import AsyncIterator
from typing import Any

from aiogram import Bot
from aiogram.utils.backoff import Backoff

from botrunner.polling import BACKOFF, chat_key, stopped_within, update_parse
from botrunner.shard_process import ShardOptions, child_main, receive

logger = logging.getLogger(__name__)

STOP_TIMEOUT = 30.0
# Children are forked from a server process started afresh (so they share no
# threads or connections with the poller) that has loaded the bot once.
_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["botrunner.shard_preload"])


def forkserver_start() -> None:
    """Start the server children are forked from, and wait until it has loaded."""
    # A process forked from it, however trivial, starts once it is ready.
    probe = _context.Process(target=os.getpid)
    probe.start()
    probe.join()


class Shard:
    """One child process and the poller's end of the pipe to it."""

    def __init__(self, index: int, options: ShardOptions) -> None:
        self.index = index
        self.options = options
        self.start()

    def start(self) -> None:
        ours, theirs = _context.Pipe()
        self.process = _context.Process(
            target=child_main,
            args=(theirs, self.options),
            name=f"bot-shard-{self.index}",
            # Ended by multiprocessing when the poller exits normally.
            daemon=True,
        )
        self.process.start()
        # Only the child holds its end now, so its death reads as EOF here.
        theirs.close()
        self.connection = ours

    async def handle(self, raw_updates: list[Any]) -> bool:
        """Have the child handle `raw_updates`; False if it did not finish them."""
        try:
            self.connection.send(raw_updates)
            return await receive(self.connection)
        except (EOFError, OSError):
            logger.error(
                "Bot process %s exited (code %s) amid a batch; it will be delivered again",
                self.process.pid,
                self.process.exitcode,
            )
            return False

    def stop(self) -> None:
        """Ask the child to finish its share, or give it up if the database is down."""
        if self.process.is_alive():
            self.process.terminate()

    def restart_if_dead(self) -> None:
        if not self.process.is_alive():
            self.process.join()
            self.connection.close()
            self.start()

    async def join(self) -> None:
        await asyncio.to_thread(self.process.join, STOP_TIMEOUT)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


class Shards:
    """The child processes the poller hands its batches to."""

    def __init__(self, processes: int, options: ShardOptions) -> None:
        self._shards = [Shard(index, options) for index in range(processes)]
        self._backoff = Backoff(BACKOFF)

    async def handle_batch(
        self, bot: Bot, raw_updates: list[Any], *, stop: asyncio.Event
    ) -> bool:
        """Handle a batch in the children; return whether every update was handled."""
        shares = self._partition(bot, raw_updates)
        forward = asyncio.ensure_future(self._forward_stop(stop))
        try:
            done = await asyncio.gather(
                *(
                    shard.handle(share)
                    for shard, share in zip(self._shards, shares, strict=True)
                    if share
                )
            )
        finally:
            forward.cancel()
        if all(done):
            self._backoff.reset()
        # A child that keeps dying must not make the poller spin: wait first.
        elif not stop.is_set() and not await stopped_within(stop, next(self._backoff)):
            for shard in self._shards:
                shard.restart_if_dead()
        return all(done)

    def _partition(self, bot: Bot, raw_updates: list[Any]) -> list[list[Any]]:
        shares: list[list[Any]] = [[] for _ in self._shards]
        for raw in raw_updates:
            if (update := update_parse(raw, bot)) is not None:
                shares[chat_key(update) % len(shares)].append(raw)
        return shares

    async def _forward_stop(self, stop: asyncio.Event) -> None:
        await stop.wait()
        for shard in self._shards:
            shard.stop()

    async def close(self) -> None:
        """Stop the children (they are idle between batches) and wait for them."""
        for shard in self._shards:
            shard.stop()
        await asyncio.gather(*(shard.join() for shard in self._shards))

    def kill(self) -> None:
        for shard in self._shards:
            shard.kill()


@contextlib.asynccontextmanager
async def shards_running(
    processes: int, options: ShardOptions
) -> AsyncIterator[Shards | None]:
    """Run `processes` children while inside; None (handle in-process) for 1.

    Leaving by an exception (the poller cancelled, as by a crash) kills them
    mid-work, since their batch is not confirmed anyway.
    """
    if processes <= 1:
        yield None
        return
    # The first start waits seconds for the forkserver to load: off the loop.
    shards = await asyncio.to_thread(Shards, processes, options)
    try:
        yield shards
    except BaseException:
        shards.kill()
        raise
    await shards.close()
