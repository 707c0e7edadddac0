"""Consent to the privacy notice: the question, and the gate for registered
participants who have not agreed to the version in force.

Such a participant (the notice got a new version, or they registered before
consent was asked) gets the question in answer to anything but /help, until they
agree: the bot takes no photo, application or other request from them meanwhile.
New users answer the same question at the start of the registration dialog
(`botrunner.handlers.registration`).
"""

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message, TelegramObject
from asgiref.sync import sync_to_async

from botrunner import keyboards, texts
from botrunner.handlers.status import send_status
from botrunner.replies import acknowledge, drop_buttons, reply
from core.exceptions import ConsentOutdated
from core.models import Participant
from core.selectors import privacy_notice_current
from core.services import participant_consent_record


async def consent_ask(
    event: Message | CallbackQuery, language: str, *, lead: str | None = None
) -> None:
    """Send the privacy notice in force with its buttons, after the text `lead`."""
    notice = await sync_to_async(privacy_notice_current)()
    link = notice.url or texts.render("consent_no_link", language)
    text = texts.render("consent_ask", language, version=notice.version, link=link)
    if lead is not None:
        text = f"{texts.render(lead, language)}\n\n{text}"
    await reply(
        event,
        text,
        reply_markup=keyboards.consent(language, notice.version),
    )


def needs_consent(participant: Participant | None) -> bool:
    """Tell whether a registered participant has not agreed to the notice in force."""
    return participant is not None and not participant.has_consent_to(
        participant.notice_version
    )


# Filters: aiogram passes the event first, then the data they name.
async def consent_missing(
    event: TelegramObject, participant: Participant | None
) -> bool:
    return needs_consent(participant)


async def registered(event: TelegramObject, participant: Participant | None) -> bool:
    return participant is not None


async def on_gated_message(message: Message, language: str) -> None:
    await consent_ask(message, language, lead="consent_renew")


async def on_gated_callback(callback: CallbackQuery, language: str) -> None:
    await acknowledge(callback)
    await consent_ask(callback, language, lead="consent_renew")


async def on_agree(
    callback: CallbackQuery, participant: Participant, language: str
) -> None:
    await acknowledge(callback)
    version = keyboards.consent_version(callback.data)
    try:
        participant = await sync_to_async(participant_consent_record)(
            participant, version=version or 0
        )
    except ConsentOutdated:
        await consent_ask(callback, language, lead="consent_changed")
        return
    await drop_buttons(callback)
    await reply(callback, texts.render("consent_recorded", language, version=version))
    await send_status(callback, participant)


async def on_decline(
    callback: CallbackQuery, participant: Participant, language: str
) -> None:
    await acknowledge(callback)
    await drop_buttons(callback)
    if needs_consent(participant):
        await reply(callback, texts.render("consent_declined_registered", language))
        return
    # A leftover button: they agreed to the notice in force already.
    await reply(
        callback,
        texts.render("consent_already", language, version=participant.consent_version),
    )


def router_create() -> Router:
    router = Router(name="consent")
    router.callback_query.register(
        on_agree, registered, F.data.startswith(f"{keyboards.CONSENT_YES}:")
    )
    router.callback_query.register(
        on_decline, registered, F.data == keyboards.CONSENT_NO
    )
    # /help stays open: it only explains the bot.
    router.message.register(on_gated_message, consent_missing, ~Command("help"))
    router.callback_query.register(on_gated_callback, consent_missing)
    return router
