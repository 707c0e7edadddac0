"""Commands and the member menu: /help, /status, skip the task, my balance."""

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from asgiref.sync import sync_to_async

from botrunner import keyboards, texts
from botrunner.handlers.status import send_status
from botrunner.replies import acknowledge, drop_buttons, reply, reply_error
from core.exceptions import DomainError
from core.models import Participant
from moderation.cycle import callbacks
from moderation.exceptions import ParticipantNotRegistered
from moderation.models import Report
from moderation.participants.services import participant_balance
from moderation.review.reports import (
    membership_skipped_count,
    report_skip,
    report_skip_check,
    report_today,
)


async def cmd_help(message: Message, language: str) -> None:
    await message.answer(texts.render("help", language))


async def cmd_status(
    message: Message, participant: Participant | None, language: str
) -> None:
    if participant is None:
        await reply_error(message, ParticipantNotRegistered(), language)
        return
    await send_status(message, participant)


async def on_balance(
    event: Message | CallbackQuery, participant: Participant | None, language: str
) -> None:
    if isinstance(event, CallbackQuery):
        await acknowledge(event)
    try:
        points = await sync_to_async(participant_balance)(participant)
    except DomainError as error:
        await reply_error(event, error, language)
        return
    await reply(event, texts.render("balance", language, count=points))


def _skip_counts(report: Report) -> dict[str, int]:
    return {
        "skipped": membership_skipped_count(report.membership),
        "limit": report.day.shift.skip_limit,
    }


async def on_skip(
    event: Message | CallbackQuery, participant: Participant | None, language: str
) -> None:
    """Ask to confirm skipping today's task (nothing changes yet)."""
    if isinstance(event, CallbackQuery):
        await acknowledge(event)
    try:
        report = await sync_to_async(report_today)(participant)
        report_skip_check(report)
    except DomainError as error:
        await reply_error(event, error, language)
        return
    counts = await sync_to_async(_skip_counts)(report)
    await reply(
        event,
        texts.render("skip_confirm", language, task=report.day.task.title, **counts),
        reply_markup=keyboards.skip_confirm(language, report.pk),
    )


async def on_skip_yes(
    callback: CallbackQuery, participant: Participant | None, language: str
) -> None:
    await acknowledge(callback)
    await drop_buttons(callback)
    report_id = (callback.data or "").removeprefix(f"{keyboards.SKIP_YES}:")
    try:
        report = await sync_to_async(report_today)(participant)
        if str(report.pk) != report_id:
            # A confirmation left over from an earlier day skips nothing now.
            await reply(callback, texts.render("skip_expired", language))
            return
        report = await sync_to_async(report_skip)(report)
    except DomainError as error:
        await reply_error(callback, error, language)
        return
    counts = await sync_to_async(_skip_counts)(report)
    await reply(
        callback,
        texts.render("skip_done", language, **counts),
        reply_markup=keyboards.main_menu(language),
    )


async def on_skip_no(callback: CallbackQuery, language: str) -> None:
    await acknowledge(callback)
    await drop_buttons(callback)
    await reply(callback, texts.render("skip_kept", language))


async def on_unknown_command(message: Message, language: str) -> None:
    await message.answer(texts.render("help", language))


async def on_unknown_button(callback: CallbackQuery, language: str) -> None:
    """Answer a press no handler knows (an old keyboard), so it stops spinning."""
    await acknowledge(callback, texts.render("stale_button", language))


def router_create() -> Router:
    router = Router(name="menu")
    router.message.register(cmd_help, Command("help"))
    router.message.register(cmd_status, Command("status"))
    router.message.register(on_skip, F.text.in_(texts.variants("button_skip")))
    router.message.register(on_balance, F.text.in_(texts.variants("button_balance")))
    router.message.register(on_unknown_command, F.text.startswith("/"))
    router.callback_query.register(on_skip, F.data == callbacks.SKIP)
    router.callback_query.register(
        on_skip_yes, F.data.startswith(f"{keyboards.SKIP_YES}:")
    )
    router.callback_query.register(on_skip_no, F.data == keyboards.SKIP_NO)
    router.callback_query.register(on_balance, F.data == callbacks.BALANCE)
    # Last of all callback handlers: the routers after this one take messages only.
    router.callback_query.register(on_unknown_button)
    return router
