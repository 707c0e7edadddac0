"""The one sender: drains the outbox at Telegram's rate limits.

A drain holds the drain lock (one sender at a time across all workers) and runs
`OUTBOX_SENDER_CONCURRENCY` lanes. Each lane loops:

1. claim one due row (`SELECT ... FOR UPDATE SKIP LOCKED`, then `sending`);
2. reserve the next global slot in the shared token bucket and wait for it;
3. pass the checks right before the request: no 429 pause, under the hard cap
   of the last second's requests, the recipient's chat free; this marks the row
   in flight (a busy chat puts the row back to wait);
4. send it; once answered, the request counts in the limits from that moment
   (it reached Telegram at some point before); record the outcome, clear the
   mark.

A worker killed mid-mailing leaves its claimed rows in `sending`; the sweep
reports those with an in-flight mark as in doubt (their request may have
reached Telegram) and queues the rest again. A drain that loses Redis puts back
the rows it has not sent and stops: nothing goes out without the shared limits,
and beat starts a new drain when Redis is back.

The drain ends when nothing is due within `OUTBOX_DRAIN_IDLE_SECONDS`, or after
`OUTBOX_DRAIN_MAX_SECONDS` (and is started again if work is left).
"""

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable

import redis
from aiogram import Bot
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.utils import timezone

from core.outages import OutageLog
from notifications.models import OutboxMessage
from notifications.ratelimit import (
    Admission,
    DrainLock,
    Limiter,
    drain_lock_create,
    limiter_create,
)
from notifications.services.outbox import outbox_kick
from notifications.services.sending import (
    message_claim_next,
    message_release,
    outbox_due_in,
    outcome_apply,
)
from notifications.telegram import Outcome, message_deliver, telegram_bot_create

logger = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 0.5
# A claimed row waits at most this long for its slot (longer only in a 429 pause).
HOLD_MAX_SECONDS = 2.0
ADMIT_ATTEMPTS = 50
# What the Redis limiter raises while Redis is down (the local one never does).
LIMITER_DOWN = (redis.ConnectionError, redis.TimeoutError)
LIMITER_STOPPED = "Redis unreachable"
redis_outage = OutageLog(logger, "Rate limits (Redis)")


def _db(function):
    # All ORM work of a drain runs in one thread, on one connection.
    return sync_to_async(function, thread_sensitive=True)


@dataclasses.dataclass
class DrainReport:
    """What one drain did; `skipped` when another sender held the lock."""

    sent: int = 0
    retried: int = 0
    rate_limited: int = 0
    blocked: int = 0
    failed: int = 0
    released: int = 0
    skipped: bool = False
    stopped: str = ""


def outbox_drain(
    *, max_seconds: float | None = None, lanes: int | None = None
) -> DrainReport:
    """Send due outbox messages at the rate limits until none is due soon.

    Safe to run anywhere, any number of times: a second drain while one runs
    returns at once (`skipped`).
    """
    if not settings.TELEGRAM_BOT_TOKEN:
        logger.warning("Outbox: TELEGRAM_BOT_TOKEN is not set; nothing is sent")
        return DrainReport(stopped="no bot token")
    report = asyncio.run(
        _drain_run(
            max_seconds or settings.OUTBOX_DRAIN_MAX_SECONDS,
            lanes or settings.OUTBOX_SENDER_CONCURRENCY,
        )
    )
    if not report.skipped and not report.stopped:
        due_in = outbox_due_in()
        if due_in is not None and due_in <= 0:
            # Stopped at the time limit with work left: hand over to a new drain.
            outbox_kick()
    return report


async def _drain_run(max_seconds: float, lanes: int) -> DrainReport:
    lock = drain_lock_create()
    limiter = limiter_create()
    try:
        try:
            acquired = await lock.acquire()
        except LIMITER_DOWN as error:
            # Nothing is sent without the shared limits; beat starts a drain
            # every 10 s, and one gets through once Redis is back.
            redis_outage.down(error, "the outbox waits until it is back")
            return DrainReport(stopped=LIMITER_STOPPED)
        redis_outage.up()
        if not acquired:
            return DrainReport(skipped=True)
        async with telegram_bot_create(
            timeout=settings.TELEGRAM_REQUEST_TIMEOUT
        ) as bot:
            drain = Drain(bot, limiter, lock=lock, max_seconds=max_seconds)
            await drain.run(lanes)
            return drain.report
    finally:
        # With Redis down the lock cannot be released; it lapses by itself.
        with contextlib.suppress(*LIMITER_DOWN):
            await lock.release()
        await limiter.close()
        await _db(connections.close_all)()


class Drain:
    """One run of the sender: lanes sharing a bot, a limiter and a deadline."""

    def __init__(
        self, bot: Bot, limiter: Limiter, *, lock: DrainLock, max_seconds: float
    ) -> None:
        self.bot = bot
        self.limiter = limiter
        self.lock = lock
        self.deadline = asyncio.get_running_loop().time() + max_seconds
        self.stop = asyncio.Event()
        self.report = DrainReport()

    async def run(self, lanes: int) -> None:
        keeper = asyncio.create_task(self._keep_lock())
        try:
            await asyncio.gather(*(self._lane() for _ in range(lanes)))
        finally:
            keeper.cancel()

    def _running(self) -> bool:
        return not self.stop.is_set() and (
            asyncio.get_running_loop().time() < self.deadline
        )

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when the drain is stopped."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), timeout=seconds)

    async def _keep_lock(self) -> None:
        while True:
            await asyncio.sleep(settings.OUTBOX_DRAIN_LOCK_SECONDS / 3)
            try:
                kept = await self.lock.keep()
            except LIMITER_DOWN as error:
                self._limiter_lost(error)
                return
            if not kept:
                # This drain stalled past its lock; another may be sending now.
                logger.warning("Outbox: drain lock lost; stopping this drain")
                self.report.stopped = "drain lock lost"
                self.stop.set()
                return

    async def _lane(self) -> None:
        while self._running():
            message = await _db(message_claim_next)()
            if message is None:
                if not await self._idle():
                    return
                continue
            await self._send(message)

    async def _idle(self) -> bool:
        """Wait for a message due soon; return False when none is."""
        first = True
        while self._running():
            due_in = await _db(outbox_due_in)()
            if due_in is None or due_in > settings.OUTBOX_DRAIN_IDLE_SECONDS:
                return False
            if due_in <= 0:
                if first:
                    # Due rows that another lane is just claiming: let it finish.
                    await self._sleep(0.05)
                return True
            first = False
            await self._sleep(min(due_in, IDLE_POLL_SECONDS))
        return False

    async def _send(self, message: OutboxMessage) -> None:
        try:
            if not await self._slot_taken(message):
                return
        except LIMITER_DOWN as error:
            # Redis went away before the request: the row goes back unsent.
            self._limiter_lost(error)
            await self._release(message, 0)
            return
        try:
            outcome = await message_deliver(
                self.bot,
                message,
                before_second_part=lambda: self._second_part(message),
            )
        except Exception as error:
            # Anything unexpected (storage down, a bug): retry later, keep sending.
            logger.exception("Outbox: sending message %s failed", message.pk)
            outcome = Outcome(Outcome.RETRY, f"{type(error).__name__}: {error}")
        if outcome.kind == Outcome.RATE_LIMITED:
            # Pause everyone first: other lanes must not send while this one
            # writes to the database.
            logger.warning("Outbox: Telegram asked to wait %ss", outcome.retry_after)
            await self._limiter_call(self.limiter.pause(outcome.retry_after))
        # Before the database work: the limits count the request from now.
        await self._limiter_call(self.limiter.answered(message.pk))
        await _db(outcome_apply)(message, outcome)
        # Without Redis the in-flight mark stays until it expires: harmless, as
        # the outcome is recorded.
        await self._limiter_call(self.limiter.inflight_clear(message.pk))
        if outcome.kind == Outcome.BROKEN:
            logger.error("Outbox: Telegram refused the bot itself: %s", outcome.error)
            self.report.stopped = outcome.error
            self.stop.set()
        counter = {
            Outcome.SENT: "sent",
            Outcome.RETRY: "retried",
            Outcome.RATE_LIMITED: "rate_limited",
            Outcome.BLOCKED: "blocked",
            Outcome.FAILED: "failed",
            Outcome.BROKEN: "released",
        }[outcome.kind]
        setattr(self.report, counter, getattr(self.report, counter) + 1)

    async def _slot_taken(self, message: OutboxMessage) -> bool:
        """Wait for the next global slot and pass the checks; False: the row went back."""
        # The slot is taken after the claim, so the request leaves right when the
        # slot comes: no database work between the two to jitter the pace.
        wait = await self.limiter.reserve()
        if wait > HOLD_MAX_SECONDS:
            # Paused by a 429: do not sit on the row; let it wait in the queue.
            await self._release(message, wait)
            await self._sleep(wait - HOLD_MAX_SECONDS)
            return False
        await self._sleep(wait)
        return await self._admitted(message)

    def _limiter_lost(self, error: Exception) -> None:
        """Stop the drain: nothing may be sent without the shared limits."""
        redis_outage.down(error, "the outbox waits until it is back")
        self.report.stopped = LIMITER_STOPPED
        self.stop.set()

    async def _limiter_call(self, call: Awaitable) -> None:
        """Run a limiter step after a request; a Redis outage stops the drain."""
        try:
            await call
        except LIMITER_DOWN as error:
            self._limiter_lost(error)

    async def _release(self, message: OutboxMessage, wait: float) -> None:
        until = timezone.now() + dt.timedelta(seconds=wait)
        await _db(message_release)(message, until=until)
        self.report.released += 1

    async def _admitted(self, message: OutboxMessage) -> bool:
        """Pass the checks right before the request, or put the row back and say no.

        The cap on the last second's sends only makes a lane wait a moment; a busy
        chat or a long 429 pause sends the row back to the queue.
        """
        for _attempt in range(ADMIT_ATTEMPTS):
            if not self._running():
                break
            admission = await self.limiter.admit(message.chat_id, message.pk)
            if admission.ok:
                return True
            holdable = admission.reason == Admission.AT_CAP or (
                admission.reason == Admission.PAUSED
                and admission.wait <= HOLD_MAX_SECONDS
            )
            if not holdable:
                await self._release(message, admission.wait)
                return False
            await self._sleep(admission.wait)
        await self._release(message, 0)
        return False

    async def _second_part(self, message: OutboxMessage) -> None:
        """Wait for a global slot and the chat's next slot before a second message."""
        try:
            await self.limiter.answered(message.pk)
            await self._sleep(await self.limiter.reserve())
            for _attempt in range(ADMIT_ATTEMPTS):
                admission = await self.limiter.admit(message.chat_id, message.pk)
                if admission.ok:
                    return
                await self._sleep(admission.wait)
        except LIMITER_DOWN as error:
            # The photo is out: send its text too (a failure here would send the
            # photo again), a chat interval later, and stop after this message.
            self._limiter_lost(error)
            await asyncio.sleep(1 / settings.TELEGRAM_RATE_PER_CHAT)
