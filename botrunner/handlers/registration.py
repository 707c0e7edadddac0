"""/start and the registration dialog: agreement to the privacy notice, then
name, last name, birth date, city, phone.

The agreement (its version and moment) waits in the dialog's data with the
answers; nothing is stored in the database before the last step, and nothing at
all when the participant declines.
"""

import datetime as dt
from collections.abc import Callable

from aiogram import F, Router
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message, TelegramObject
from asgiref.sync import sync_to_async
from django.utils import timezone

from botrunner import keyboards, texts
from botrunner.handlers.applications import apply_and_reply
from botrunner.handlers.consent import consent_ask
from botrunner.handlers.status import send_status
from botrunner.replies import acknowledge, drop_buttons, reply
from botrunner.states import REGISTRATION_STEPS, Registration
from core.cleaners import (
    participant_birth_date_clean,
    participant_city_clean,
    participant_contact_phone,
    participant_name_clean,
)
from core.exceptions import (
    ConsentOutdated,
    DomainError,
    ParticipantAlreadyRegistered,
    PhoneTaken,
)
from core.models import Participant
from core.selectors import privacy_notice_current
from core.services import participant_register

QUESTIONS = {
    Registration.first_name: "ask_first_name",
    Registration.last_name: "ask_last_name",
    Registration.birth_date: "ask_birth_date",
    Registration.city: "ask_city",
    Registration.phone: "ask_phone",
}
# What each text step stores, and how the answer is checked.
TEXT_STEPS: dict[State, tuple[str, Callable[[str], object]]] = {
    Registration.first_name: ("first_name", participant_name_clean),
    Registration.last_name: ("last_name", participant_name_clean),
    Registration.birth_date: (
        "birth_date",
        lambda text: participant_birth_date_clean(text).isoformat(),
    ),
    Registration.city: ("city", participant_city_clean),
}
FIELDS = ("first_name", "last_name", "birth_date", "city")
CONSENT_FIELDS = ("consent_version", "consent_at")


async def ask(
    event: Message | CallbackQuery, state: FSMContext, step: State, language: str
) -> None:
    """Put the dialog at `step` and ask its question."""
    await state.set_state(step)
    keyboard = (
        keyboards.registration_phone(language)
        if step == Registration.phone
        else keyboards.registration_step(language)
    )
    await reply(event, texts.render(QUESTIONS[step], language), reply_markup=keyboard)


async def cmd_start(
    message: Message,
    state: FSMContext,
    participant: Participant | None,
    language: str,
) -> None:
    await state.clear()
    if participant is not None:
        await send_status(message, participant, greet=True)
        return
    await message.answer(texts.render("welcome", language))
    await ask_consent(message, state, language)


async def ask_consent(
    event: Message | CallbackQuery,
    state: FSMContext,
    language: str,
    *,
    lead: str | None = None,
) -> None:
    """Put the dialog at the privacy notice (answers given so far are kept)."""
    await state.set_state(Registration.consent)
    await consent_ask(event, language, lead=lead)


async def on_agree(callback: CallbackQuery, state: FSMContext, language: str) -> None:
    await acknowledge(callback)
    version = keyboards.consent_version(callback.data)
    notice = await sync_to_async(privacy_notice_current)()
    if version != notice.version:
        await ask_consent(callback, state, language, lead="consent_changed")
        return
    await drop_buttons(callback)
    await state.update_data(
        consent_version=version, consent_at=timezone.now().isoformat()
    )
    data = await state.get_data()
    # Asked again at the last step (the notice changed meanwhile): the answers stand.
    step = (
        Registration.phone
        if all(data.get(field) for field in FIELDS)
        else Registration.first_name
    )
    await ask(callback, state, step, language)


async def on_decline(callback: CallbackQuery, state: FSMContext, language: str) -> None:
    await acknowledge(callback)
    await drop_buttons(callback)
    await state.clear()
    await reply(
        callback,
        texts.render("consent_declined", language),
        reply_markup=keyboards.REMOVE,
    )


async def on_consent_other(message: Message, state: FSMContext, language: str) -> None:
    await ask_consent(message, state, language, lead="consent_use_buttons")


async def cmd_cancel(message: Message, state: FSMContext, language: str) -> None:
    if await state.get_state() is None:
        await message.answer(texts.render("nothing_to_cancel", language))
        return
    await state.clear()
    await message.answer(
        texts.render("registration_cancelled", language),
        reply_markup=keyboards.REMOVE,
    )


async def on_back(message: Message, state: FSMContext, language: str) -> None:
    current = await state.get_state()
    index = next(
        (i for i, step in enumerate(REGISTRATION_STEPS) if step.state == current), 0
    )
    await ask(message, state, REGISTRATION_STEPS[max(index - 1, 0)], language)


async def on_text_answer(message: Message, state: FSMContext, language: str) -> None:
    current = await state.get_state()
    index, step = next(
        (i, step) for i, step in enumerate(REGISTRATION_STEPS) if step.state == current
    )
    field, clean = TEXT_STEPS[step]
    try:
        value = clean(message.text or "")
    except DomainError as error:
        await message.answer(texts.render_error(error, language))
        return
    await state.update_data({field: value})
    await ask(message, state, REGISTRATION_STEPS[index + 1], language)


async def on_not_text(message: Message, language: str) -> None:
    await message.answer(texts.render("text_required", language))


async def on_phone_typed(message: Message, language: str) -> None:
    await message.answer(texts.render("phone_use_button", language))


async def on_contact(message: Message, state: FSMContext, language: str) -> None:
    contact, sender = message.contact, message.from_user
    if contact is None or sender is None:
        return
    data = await state.get_data()
    if not all(data.get(field) for field in FIELDS):
        # The answers expired from the storage: start over rather than guess.
        await ask(message, state, Registration.first_name, language)
        return
    if not all(data.get(field) for field in CONSENT_FIELDS):
        await ask_consent(message, state, language)
        return
    try:
        phone = participant_contact_phone(
            contact.phone_number, contact_user_id=contact.user_id, sender_id=sender.id
        )
        registration = await sync_to_async(participant_register)(
            telegram_id=sender.id,
            telegram_username=sender.username or "",
            first_name=data["first_name"],
            last_name=data["last_name"],
            birth_date=dt.date.fromisoformat(data["birth_date"]),
            city=data["city"],
            phone=phone,
            language=language,
            consent_version=data["consent_version"],
            consent_at=dt.datetime.fromisoformat(data["consent_at"]),
        )
    except ConsentOutdated:
        await ask_consent(message, state, language, lead="consent_changed")
        return
    except (ParticipantAlreadyRegistered, PhoneTaken) as error:
        await state.clear()
        await message.answer(
            texts.render_error(error, language), reply_markup=keyboards.REMOVE
        )
        return
    except DomainError as error:
        await message.answer(texts.render_error(error, language))
        return
    await state.clear()
    participant = registration.participant
    await message.answer(
        texts.render(
            "registered_linked" if registration.linked else "registered",
            language,
            name=participant.first_name,
        ),
        reply_markup=keyboards.REMOVE,
    )
    await apply_and_reply(message, participant)


async def unregistered(event: TelegramObject, participant: Participant | None) -> bool:
    return participant is None


def router_create() -> Router:
    router = Router(name="registration")
    in_dialog = StateFilter(Registration)
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_cancel, Command("cancel"))
    # Registered participants' answers to the notice are the consent router's.
    router.callback_query.register(
        on_agree, unregistered, F.data.startswith(f"{keyboards.CONSENT_YES}:")
    )
    router.callback_query.register(
        on_decline, unregistered, F.data == keyboards.CONSENT_NO
    )
    # Anything but the buttons (and commands) repeats the question.
    router.message.register(
        on_consent_other, Registration.consent, ~F.text.startswith("/")
    )
    router.message.register(
        cmd_cancel, in_dialog, F.text.in_(texts.variants("button_cancel"))
    )
    router.message.register(
        on_back, in_dialog, F.text.in_(texts.variants("button_back"))
    )
    router.message.register(on_contact, Registration.phone, F.contact)
    router.message.register(on_phone_typed, Registration.phone, ~F.text.startswith("/"))
    # Commands (/help, /status) fall through to the menu even during the dialog.
    router.message.register(on_text_answer, in_dialog, F.text, ~F.text.startswith("/"))
    router.message.register(on_not_text, in_dialog, ~F.text)
    return router
