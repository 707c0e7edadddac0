"""Answering a message or a button press the same way."""

import contextlib
from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InaccessibleMessage, Message

from botrunner import texts
from core.exceptions import DomainError


async def reply(event: Message | CallbackQuery, text: str, **kwargs: Any) -> None:
    """Send `text` to the chat of a message or of a pressed button."""
    if isinstance(event, Message):
        await event.answer(text, **kwargs)
        return
    message = event.message
    if message is not None and not isinstance(message, InaccessibleMessage):
        await message.answer(text, **kwargs)
    elif event.bot is not None:
        await event.bot.send_message(event.from_user.id, text, **kwargs)


async def reply_error(
    event: Message | CallbackQuery, error: DomainError, language: str, **kwargs: Any
) -> None:
    """Send the participant's wording of a refusal."""
    await reply(event, texts.render_error(error, language), **kwargs)


async def drop_buttons(callback: CallbackQuery) -> None:
    """Remove the inline buttons of a pressed message, so it is not pressed twice."""
    message = callback.message
    if isinstance(message, Message):
        # Already edited (a double tap) or too old to edit: nothing to undo.
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=None)


async def acknowledge(callback: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's loading spinner, with `text` as a short notice if given;
    a stale query is no reason to fail."""
    with contextlib.suppress(TelegramBadRequest):
        await callback.answer(text)
