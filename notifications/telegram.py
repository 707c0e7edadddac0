"""Talking to the Bot API: the sender's Bot, and one outbox message -> one outcome."""

import asyncio
import dataclasses
import logging
import os
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, ClassVar

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage

from notifications.formatting import CAPTION_LIMIT, telegram_length
from notifications.models import OutboxMessage

logger = logging.getLogger(__name__)

FILE_ID_SECONDS = 30 * 24 * 3600


class ResponseTypesMiddleware(BaseRequestMiddleware):
    """Build the type of each method's answer once per process.

    aiogram reads every answer as `Response[<the method's result type>]`, a class
    pydantic builds on first use and caches weakly: after a garbage collection it
    is built again, about 7 ms of CPU each time (5 % of the bot's CPU in a burst
    of photos). Holding the ones used keeps them built.
    """

    _kept: ClassVar[dict[Any, type]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._kept:
            self._kept[returning] = Response[returning]
        return await make_request(bot, method)


def telegram_bot_create(
    token: str | None = None,
    api_base: str | None = None,
    *,
    timeout: float | None = None,
    middlewares: Iterable[BaseRequestMiddleware] = (),
) -> Bot:
    """Return a Bot for the configured token and Bot API server (a fake one in tests).

    The one Bot factory: the sender makes its Bot here (with a short `timeout`),
    and so does the bot (`botrunner.bot.bot_create`, which adds its retries as
    `middlewares`, and keeps aiogram's request timeout, longer than a long poll).
    """
    server = TelegramAPIServer.from_base(api_base or settings.TELEGRAM_API_BASE)
    session_options = {} if timeout is None else {"timeout": timeout}
    bot = Bot(
        token=token or settings.TELEGRAM_BOT_TOKEN,
        session=AiohttpSession(api=server, **session_options),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    bot.session.middleware(ResponseTypesMiddleware())
    for middleware in middlewares:
        bot.session.middleware(middleware)
    return bot


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What became of one send: the sender turns it into the row's new state."""

    SENT = "sent"
    RETRY = "retry"  # transient: 5xx, timeout, network
    RATE_LIMITED = "rate_limited"  # 429: wait retry_after, everyone
    BLOCKED = "blocked"  # 403: the recipient blocked the bot
    FAILED = "failed"  # Telegram refuses this message for good
    BROKEN = "broken"  # our side is wrong (token, API address): stop sending

    kind: str
    error: str = ""
    telegram_message_id: int | None = None
    retry_after: float = 0.0


def outcome_of(error: TelegramAPIError) -> Outcome:
    """Classify a Bot API error as the sender should react to it."""
    if isinstance(error, TelegramRetryAfter):
        return Outcome(
            Outcome.RATE_LIMITED, error.message, retry_after=error.retry_after
        )
    if isinstance(error, TelegramForbiddenError):
        return Outcome(Outcome.BLOCKED, error.message)
    if isinstance(error, TelegramUnauthorizedError | TelegramNotFound):
        return Outcome(Outcome.BROKEN, error.message)
    if isinstance(error, TelegramServerError | TelegramNetworkError):
        return Outcome(Outcome.RETRY, error.message)
    if isinstance(error, TelegramBadRequest):
        return Outcome(Outcome.FAILED, error.message)
    return Outcome(Outcome.FAILED, f"{type(error).__name__}: {error.message}")


def _markup(buttons: list) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup.model_validate({"inline_keyboard": buttons})


def _file_key(bot: Bot, path: str) -> str:
    return f"telegram-file:{bot.id}:{path}"


@sync_to_async
def _photo_upload(path: str) -> BufferedInputFile:
    with default_storage.open(path, "rb") as stored:
        return BufferedInputFile(stored.read(), filename=os.path.basename(path))


async def message_deliver(
    bot: Bot,
    message: OutboxMessage,
    *,
    before_second_part: Callable[[], Awaitable[None]],
) -> Outcome:
    """Send one outbox message; return what happened, never raise for Bot API errors.

    A photo is uploaded once and then re-sent by the file id Telegram gave it.
    A text too long for a caption follows the photo as a second message, after
    `before_second_part` has waited for the rate limits.
    """
    markup = _markup(message.buttons)
    try:
        if not message.photo:
            sent = await bot.send_message(
                message.chat_id, message.text, reply_markup=markup
            )
            return Outcome(Outcome.SENT, telegram_message_id=sent.message_id)
        split = telegram_length(message.text) > CAPTION_LIMIT
        sent = await _photo_send(
            bot,
            message,
            caption=None if split else message.text,
            markup=None if split else markup,
        )
    except TelegramAPIError as error:
        return outcome_of(error)
    except FileNotFoundError as error:
        return Outcome(Outcome.FAILED, f"The photo file is missing: {error}")
    if not split:
        return Outcome(Outcome.SENT, telegram_message_id=sent.message_id)
    await before_second_part()
    try:
        sent = await bot.send_message(
            message.chat_id, message.text, reply_markup=markup
        )
    except TelegramAPIError as error:
        # The photo arrived; sending it again would double it. Keep it as sent.
        return Outcome(
            Outcome.SENT,
            f"The text after the photo failed: {error.message}",
            telegram_message_id=sent.message_id,
        )
    return Outcome(Outcome.SENT, telegram_message_id=sent.message_id)


# One upload per photo at a time: lanes sending the same mailing photo wait
# for the first upload's file id instead of uploading it again.
_upload_locks: weakref.WeakValueDictionary[tuple, asyncio.Lock] = (
    weakref.WeakValueDictionary()
)


async def _photo_send(bot: Bot, message: OutboxMessage, *, caption, markup):
    key = _file_key(bot, message.photo)
    lock = _upload_locks.setdefault(
        (id(asyncio.get_running_loop()), key), asyncio.Lock()
    )
    stale = None
    for _attempt in range(2):
        file_id = await cache.aget(key)
        if file_id is None or file_id == stale:
            async with lock:
                file_id = await cache.aget(key)
                if file_id is None or file_id == stale:
                    return await _photo_upload_send(bot, message, key, caption, markup)
        try:
            return await bot.send_photo(
                message.chat_id, file_id, caption=caption, reply_markup=markup
            )
        except TelegramBadRequest as error:
            if "file" not in error.message.lower():
                raise
            # A file id from another bot, or one Telegram forgot: upload afresh.
            logger.info("Re-uploading %s: %s", message.photo, error.message)
            stale = file_id
    return await _photo_upload_send(bot, message, key, caption, markup)


async def _photo_upload_send(bot: Bot, message: OutboxMessage, key, caption, markup):
    sent = await bot.send_photo(
        message.chat_id,
        await _photo_upload(message.photo),
        caption=caption,
        reply_markup=markup,
    )
    await cache.aset(key, sent.photo[-1].file_id, FILE_ID_SECONDS)
    return sent
