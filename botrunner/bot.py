"""The Bot and Dispatcher, configured from settings."""

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from django.conf import settings

from botrunner.handlers import start
from botrunner.middlewares import DatabaseConnectionMiddleware


def bot_create(token: str | None = None, api_base: str | None = None) -> Bot:
    """Return a Bot for the configured token and Bot API server (a fake one in tests)."""
    server = TelegramAPIServer.from_base(api_base or settings.TELEGRAM_API_BASE)
    return Bot(
        token=token or settings.TELEGRAM_BOT_TOKEN,
        session=AiohttpSession(api=server),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def dispatcher_create() -> Dispatcher:
    dispatcher = Dispatcher()
    dispatcher.update.outer_middleware(DatabaseConnectionMiddleware())
    dispatcher.include_router(start.router)
    return dispatcher
