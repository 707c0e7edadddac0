"""Forgetting a participant's dialog with the bot (on erasure).

Registered as an erasure hook by `BotConfig.ready()`, so it runs in whichever
process erases (the admin's): kept light, aiogram is imported only when called.
"""

from asgiref.sync import async_to_sync
from django.conf import settings


def dialog_forget(telegram_id: int) -> None:
    """Delete the state and data of the user's private dialog from the FSM storage.

    Only the Redis storage (REDIS_URL) can be reached from another process; the
    memory storage lives in the bot's process and ends with it.
    """
    if not settings.REDIS_URL or not settings.TELEGRAM_BOT_TOKEN:
        return
    async_to_sync(_dialog_forget)(telegram_id)


async def _dialog_forget(telegram_id: int) -> None:
    from aiogram.fsm.storage.base import StorageKey
    from aiogram.utils.token import extract_bot_id

    from botrunner.bot import storage_create

    storage = storage_create()
    # The key of a private chat, as the Dispatcher's FSM builds it for updates.
    key = StorageKey(
        bot_id=extract_bot_id(settings.TELEGRAM_BOT_TOKEN),
        chat_id=telegram_id,
        user_id=telegram_id,
    )
    try:
        await storage.set_state(key, None)
        await storage.set_data(key, {})
    finally:
        await storage.close()
