"""The Bot and Dispatcher, configured from settings."""

import datetime as dt

from aiogram import Bot, Dispatcher, F
from aiogram.enums import ChatType
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import BotCommand
from django.conf import settings

from botrunner import texts
from botrunner.handlers import routers_create
from botrunner.middlewares import (
    ConnectionsMiddleware,
    ErrorMiddleware,
    ParticipantMiddleware,
    TextsMiddleware,
)
from botrunner.telegram import RetryMiddleware
from notifications.telegram import telegram_bot_create

# An unfinished registration is forgotten after a week.
FSM_TTL = dt.timedelta(days=7)
# How long a webhook worker holds a chat's lock at most (aiogram's default: 60 s).
# Telegram sends a chat's next update only once the previous one is answered, so
# the lock matters when an update is retried while its first delivery still
# runs; a worker killed mid-update holds its chats this long, not a minute.
ISOLATION_LOCK_SECONDS = 5
COMMANDS = ("start", "status", "apply", "help")


def bot_create(token: str | None = None, api_base: str | None = None) -> Bot:
    """Return the bot's Bot: notifications' one factory, with replies retried."""
    return telegram_bot_create(token, api_base, middlewares=[RetryMiddleware()])


def _key_builder(prefix: str) -> DefaultKeyBuilder:
    return DefaultKeyBuilder(prefix=f"smena-bot:{prefix}")


def storage_create(prefix: str = "fsm") -> BaseStorage:
    """Return the FSM storage: Redis when REDIS_URL is set (survives restarts), else memory."""
    if settings.REDIS_URL:
        return RedisStorage.from_url(
            settings.REDIS_URL,
            key_builder=_key_builder(prefix),
            state_ttl=FSM_TTL,
            data_ttl=FSM_TTL,
        )
    return MemoryStorage()


def isolation_create(storage: BaseStorage) -> BaseEventIsolation:
    """Return what handles one chat's updates one at a time across webhook
    workers: a lock in the Redis of `storage`, else one in the process."""
    if isinstance(storage, RedisStorage):
        return storage.create_isolation(lock_kwargs={"timeout": ISOLATION_LOCK_SECONDS})
    return SimpleEventIsolation()


def dispatcher_create(
    storage: BaseStorage | None = None,
    *,
    isolation: BaseEventIsolation | None = None,
) -> Dispatcher:
    """Return a Dispatcher with every handler and middleware of the bot.

    The poller orders a chat's updates itself; webhook workers pass `isolation`.
    """
    dispatcher = Dispatcher(
        storage=storage or storage_create(), events_isolation=isolation
    )
    # Outermost first: connections are looked after around everything, errors
    # are caught around the texts and participant work.
    for middleware in (
        ConnectionsMiddleware(),
        ErrorMiddleware(),
        TextsMiddleware(),
        ParticipantMiddleware(),
    ):
        dispatcher.update.outer_middleware(middleware)
    # Participants talk to the bot in private; group chats get no answers.
    dispatcher.message.filter(F.chat.type == ChatType.PRIVATE)
    dispatcher.include_routers(*routers_create())
    dispatcher.startup.register(commands_publish)
    return dispatcher


async def commands_publish(bot: Bot) -> None:
    """Publish the command menu in both languages (and the default one)."""
    for language in (None, *texts.LANGUAGES):
        commands = [
            BotCommand(
                command=name,
                description=texts.render(f"command_{name}", language, plain=True),
            )
            for name in COMMANDS
        ]
        await bot.set_my_commands(commands, language_code=language)
