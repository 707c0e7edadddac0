"""Applying to the open shift: after registration, by /apply or its button."""

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from asgiref.sync import sync_to_async

from botrunner import keyboards, texts
from botrunner.replies import acknowledge, drop_buttons, reply, reply_error
from core.exceptions import DomainError
from core.models import Participant
from moderation.exceptions import ParticipantNotRegistered
from moderation.participants.services import participant_apply


async def apply_and_reply(
    event: Message | CallbackQuery, participant: Participant
) -> None:
    """Apply the participant to the open shift and tell them the outcome."""
    language = participant.language
    try:
        application = await sync_to_async(participant_apply)(participant)
    except DomainError as error:
        await reply_error(event, error, language)
        return
    await reply(
        event,
        texts.render("application_sent", language, shift=application.shift.title),
    )


async def cmd_apply(
    message: Message, participant: Participant | None, language: str
) -> None:
    if participant is None:
        await reply_error(message, ParticipantNotRegistered(), language)
        return
    await apply_and_reply(message, participant)


async def on_apply(
    callback: CallbackQuery, participant: Participant | None, language: str
) -> None:
    await acknowledge(callback)
    if participant is None:
        await reply_error(callback, ParticipantNotRegistered(), language)
        return
    await drop_buttons(callback)
    await apply_and_reply(callback, participant)


def router_create() -> Router:
    router = Router(name="applications")
    router.message.register(cmd_apply, Command("apply"))
    router.callback_query.register(on_apply, F.data == keyboards.APPLY)
    return router
