"""Talking to the Bot API robustly: retries, file downloads, raw update fetching."""

import asyncio
import io
import logging
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientError

logger = logging.getLogger(__name__)

RETRY_DELAYS = (0.5, 1.0, 2.0)
# A flood wait longer than this is not slept through inside one update: the
# participant is better served by an apology than by a reply minutes later.
MAX_RETRY_AFTER = 30
# Seconds before a getFile call or a file download counts as failed (and is retried).
GET_FILE_TIMEOUT = 15
DOWNLOAD_TIMEOUT = 60


class GetRawUpdates(TelegramMethod[list[dict[str, Any]]]):
    """getUpdates returning plain dicts, so one malformed update cannot stall polling.

    aiogram's own GetUpdates validates the whole batch at once; a single update it
    cannot parse would fail every poll and block the queue behind it.
    """

    __returning__ = list[dict[str, Any]]
    __api_method__ = "getUpdates"

    offset: int | None = None
    limit: int | None = None
    timeout: int | None = None
    allowed_updates: list[str] | None = None


class RetryMiddleware(BaseRequestMiddleware):
    """Retry Bot API calls on flood waits, 5xx answers and network errors.

    A timed-out send may have arrived anyway, so a retry can show a reply twice;
    for replies that is better than none. getUpdates is left to the poller.
    """

    def __init__(self, delays: tuple[float, ...] = RETRY_DELAYS) -> None:
        self.delays = delays

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if method.__api_method__ == "getUpdates":
            return await make_request(bot, method)
        for attempt, delay in enumerate((*self.delays, None)):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if delay is None or error.retry_after > MAX_RETRY_AFTER:
                    raise
                pause = float(error.retry_after)
            except (TelegramServerError, TelegramNetworkError) as error:
                if delay is None:
                    raise
                logger.warning(
                    "%s failed (%s), retry %d",
                    method.__api_method__,
                    error,
                    attempt + 1,
                )
                pause = delay
            await asyncio.sleep(pause)
        raise AssertionError("unreachable")  # the last attempt returns or raises


class DownloadFailed(Exception):
    """The file could not be fetched from Telegram after retries."""


async def download(
    bot: Bot, file_id: str, *, delays: tuple[float, ...] = RETRY_DELAYS
) -> bytes:
    """Download a file by id (getFile, then the file itself), retrying transient errors.

    Raise `DownloadFailed` when Telegram refuses the file or keeps failing.
    """
    for attempt, delay in enumerate((*delays, None)):
        try:
            file = await bot.get_file(file_id, request_timeout=GET_FILE_TIMEOUT)
            if not file.file_path:
                raise DownloadFailed(f"no file_path for {file_id}")
            buffer = io.BytesIO()
            await bot.download_file(
                file.file_path, destination=buffer, timeout=DOWNLOAD_TIMEOUT
            )
            return buffer.getvalue()
        except TelegramBadRequest as error:
            raise DownloadFailed(str(error)) from error
        except (
            TelegramRetryAfter,
            TelegramServerError,
            TelegramNetworkError,
            ClientError,
            TimeoutError,
        ) as error:
            if delay is None:
                raise DownloadFailed(str(error)) from error
            logger.warning(
                "Download of %s failed (%s), retry %d", file_id, error, attempt + 1
            )
            pause = delay
            if isinstance(error, TelegramRetryAfter):
                pause = min(float(error.retry_after), MAX_RETRY_AFTER)
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")
