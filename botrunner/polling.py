"""Long polling that confirms updates only after they were handled.

aiogram's `start_polling` confirms a batch with its next getUpdates. With
`handle_as_tasks=True` that happens while handlers still run, so a restart
loses the photos in flight; with `False` a burst is handled one update at a
time. Here a batch is handled concurrently across chats, in order within a
chat (the registration dialog depends on it), and confirmed only once every
update of the batch is done. A crash mid-batch makes Telegram deliver the batch
again, and the services are idempotent on the update id, so nothing is lost and
nothing is stored twice.

An update that fails because the database is unreachable (a restart, a network
cut) is not answered with an apology: it is tried again, with backoff, for as
long as the database stays down, then handled normally. Stopping meanwhile
leaves its batch unconfirmed, so Telegram delivers it again on the next start.
"""

import asyncio
import contextlib
import logging
from collections import defaultdict
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig
from asgiref.sync import sync_to_async
from pydantic import ValidationError

from botrunner.middlewares import DATABASE_ERRORS, LAST_TRY
from botrunner.telegram import GetRawUpdates
from core.heartbeats import BOT, aheartbeat_record
from core.selectors import database_answers

logger = logging.getLogger(__name__)

POLL_TIMEOUT = 25
# Chats handled at once; each holds at most one update in a handler.
CONCURRENCY = 32
BACKOFF = BackoffConfig(min_delay=1.0, max_delay=30.0, factor=1.5, jitter=0.1)
DATABASE_BACKOFF = BackoffConfig(min_delay=0.5, max_delay=10.0, factor=2, jitter=0.1)
# Tries of an update that fails with a database error while the database does
# answer: a query that keeps failing must not hold the bot up forever.
DATABASE_TRIES = 3


def update_parse(raw: Any, bot: Bot) -> Update | None:
    """Return the update aiogram reads from `raw`, or None (logged) if it cannot."""
    try:
        return Update.model_validate(raw, context={"bot": bot})
    except ValidationError as error:
        logger.warning("Skipping an update aiogram cannot read: %s", error)
        return None


def chat_key(update: Update) -> int:
    """Return what orders updates: the chat, else the user, else the update alone."""
    context = UserContextMiddleware.resolve_event_context(update)
    if context.chat_id is not None:
        return context.chat_id
    if context.user_id is not None:
        return context.user_id
    return -update.update_id


async def _feed(
    dispatcher: Dispatcher, bot: Bot, update: Update, stop: asyncio.Event, **data: Any
) -> bool:
    """Handle one update; return False if it was left undone because of `stop`."""
    backoff = Backoff(DATABASE_BACKOFF)
    # Database errors while the database answers: the update itself may be at fault.
    failures = 0
    while True:
        try:
            last_try = failures >= DATABASE_TRIES - 1
            await dispatcher.feed_update(bot, update, **data, **{LAST_TRY: last_try})
            return True
        except DATABASE_ERRORS as error:
            logger.warning(
                "Update %s: database error (%s); trying again in %.1fs",
                update.update_id,
                error,
                backoff.next_delay,
            )
        except Exception:
            # The error middleware answers handler failures; this catches what
            # fails around it (e.g. the FSM storage), so one update cannot stop
            # the bot.
            logger.exception("Update %s failed", update.update_id)
            return True
        if await stopped_within(stop, next(backoff)):
            return False
        if await sync_to_async(database_answers)():
            failures += 1
            continue
        while not await sync_to_async(database_answers)():
            if await stopped_within(stop, next(backoff)):
                return False


async def stopped_within(stop: asyncio.Event, delay: float) -> bool:
    """Wait `delay` seconds or until `stop`; tell whether it was `stop`."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), delay)
    return stop.is_set()


async def handle_batch(
    dispatcher: Dispatcher,
    bot: Bot,
    raw_updates: list[Any],
    *,
    stop: asyncio.Event | None = None,
    concurrency: int = CONCURRENCY,
    **data: Any,
) -> bool:
    """Handle a batch: chats concurrently, each chat's updates in order.

    Return whether every update was handled (False: `stop` came while the
    database was down, and the batch must not be confirmed).
    """
    stop = stop or asyncio.Event()
    by_chat: defaultdict[int, list[Update]] = defaultdict(list)
    for raw in raw_updates:
        if (update := update_parse(raw, bot)) is not None:
            by_chat[chat_key(update)].append(update)
    limit = asyncio.Semaphore(concurrency)

    async def run_chat(updates: list[Update]) -> bool:
        async with limit:
            for update in updates:
                if not await _feed(dispatcher, bot, update, stop, **data):
                    return False
            return True

    done = await asyncio.gather(*(run_chat(updates) for updates in by_chat.values()))
    return all(done)


def _next_offset(raw_updates: list[Any], offset: int | None) -> int | None:
    ids = [
        raw["update_id"]
        for raw in raw_updates
        if isinstance(raw, dict) and isinstance(raw.get("update_id"), int)
    ]
    return max(ids) + 1 if ids else offset


async def poll(
    dispatcher: Dispatcher,
    bot: Bot,
    *,
    stop: asyncio.Event,
    poll_timeout: int = POLL_TIMEOUT,
    concurrency: int = CONCURRENCY,
    **data: Any,
) -> None:
    """Poll until `stop` is set; the batch in hand is finished and confirmed first."""
    allowed = dispatcher.resolve_used_update_types()
    backoff = Backoff(BACKOFF)
    offset: int | None = None
    stopped = asyncio.ensure_future(stop.wait())
    await dispatcher.emit_startup(bot=bot, dispatcher=dispatcher, **data)
    logger.info("Polling for updates: %s", ", ".join(allowed))
    try:
        while not stop.is_set():
            request = asyncio.ensure_future(
                bot(
                    GetRawUpdates(
                        offset=offset, timeout=poll_timeout, allowed_updates=allowed
                    ),
                    request_timeout=poll_timeout + 10,
                )
            )
            await asyncio.wait({request, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not request.done():
                # Nothing was handled from this poll, so nothing is lost by dropping it.
                request.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await request
                break
            try:
                raw_updates = request.result()
            except Exception as error:
                logger.error(
                    "getUpdates failed: %s; retrying in %.1fs",
                    error,
                    backoff.next_delay,
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff.next_delay)
                next(backoff)
                continue
            backoff.reset()
            await aheartbeat_record(BOT)
            if not raw_updates:
                continue
            handled = await handle_batch(
                dispatcher,
                bot,
                raw_updates,
                stop=stop,
                concurrency=concurrency,
                **data,
            )
            if handled:
                offset = _next_offset(raw_updates, offset)
    finally:
        stopped.cancel()
        if offset is not None and stop.is_set():
            # Confirm the last batch now rather than have it redelivered on start.
            with contextlib.suppress(Exception):
                await bot(GetRawUpdates(offset=offset, limit=1, timeout=0))
        await dispatcher.emit_shutdown(bot=bot, dispatcher=dispatcher, **data)
