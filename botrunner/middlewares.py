"""Update middlewares: database connections, errors, the staff's bot texts, the
participant and language."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import Chat, TelegramObject, Update, User
from asgiref.sync import sync_to_async
from django.db import InterfaceError, OperationalError, close_old_connections

from botrunner import texts
from core.cleaners import participant_language
from core.selectors import participant_by_telegram_id
from core.services import participant_unblock
from notifications.services import participant_mark_blocked
from notifications.texts import staff_wordings_refresh, staff_wordings_refresh_due

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# Set by the poller on an update's last try; see ErrorMiddleware.
LAST_TRY = "last_try"
# The database could not be reached, or dropped the connection: worth retrying.
DATABASE_ERRORS = (OperationalError, InterfaceError)


class ConnectionsMiddleware(BaseMiddleware):
    """Treat each update as Django treats a request: connections that are broken
    or past their age are closed before and after it (given back to the pool on
    PostgreSQL), so a long-running bot survives a database restart."""

    async def __call__(
        self, handler: Handler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        await sync_to_async(close_old_connections)()
        try:
            return await handler(event, data)
        finally:
            await sync_to_async(close_old_connections)()


class ErrorMiddleware(BaseMiddleware):
    """Keep the bot alive whatever a handler raises: log it and apologise.

    A 403 means the participant blocked the bot meanwhile: they are marked,
    and nothing is sent to them. A database error (the server restarting or
    unreachable) propagates instead, unless the update is on its last try: the
    poller then keeps the update unconfirmed and handles it again once the
    database is back, and a webhook answers 500 so that Telegram retries.
    """

    async def __call__(
        self, handler: Handler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        try:
            return await handler(event, data)
        except TelegramForbiddenError:
            participant = data.get("participant")
            if participant is not None:
                await sync_to_async(participant_mark_blocked)(participant)
            logger.info("Chat %s blocked the bot", _chat_id(data))
        except Exception as error:
            if isinstance(error, DATABASE_ERRORS) and not data.get(LAST_TRY):
                raise
            logger.exception("Update %s failed", _update_id(event))
            await _apologise(data)
        return None


def _update_id(event: TelegramObject) -> int | None:
    return event.update_id if isinstance(event, Update) else None


def _chat_id(data: dict[str, Any]) -> int | None:
    chat: Chat | None = data.get("event_chat")
    return chat.id if chat is not None else None


async def _apologise(data: dict[str, Any]) -> None:
    bot: Bot | None = data.get("bot")
    chat: Chat | None = data.get("event_chat")
    if bot is None or chat is None or chat.type != "private":
        return
    language = data.get("language") or texts.language_or_default(None)
    try:
        await bot.send_message(chat.id, texts.render("error", language))
    except Exception as error:
        logger.warning("Could not apologise to chat %s: %s", chat.id, error)


class TextsMiddleware(BaseMiddleware):
    """Renew the in-process copy of the staff's wordings when it is stale."""

    async def __call__(
        self, handler: Handler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        if staff_wordings_refresh_due():
            await sync_to_async(staff_wordings_refresh)()
        return await handler(event, data)


def _blocks_bot(event: TelegramObject) -> bool:
    member = event.my_chat_member if isinstance(event, Update) else None
    return (
        member is not None and member.new_chat_member.status == ChatMemberStatus.KICKED
    )


class ParticipantMiddleware(BaseMiddleware):
    """Inject `participant` (or None) and the `language` to answer in.

    Writing to the bot again clears a participant's blocked mark: Telegram only
    delivers their messages once they have unblocked it.
    """

    async def __call__(
        self, handler: Handler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        user: User | None = data.get("event_from_user")
        participant = None
        if user is not None and not user.is_bot:
            participant = await sync_to_async(participant_by_telegram_id)(user.id)
        if (
            participant is not None
            and participant.has_blocked_bot
            and not _blocks_bot(event)
        ):
            participant = await sync_to_async(participant_unblock)(participant)
        data["participant"] = participant
        data["language"] = (
            participant.language
            if participant is not None
            else participant_language(user.language_code if user else None)
        )
        return await handler(event, data)
