"""/start and the registration dialog: name, last name, birth date, city, phone."""

import datetime as dt
from collections.abc import Callable

from aiogram import F, Router
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import Message
from asgiref.sync import sync_to_async

from botrunner import keyboards, texts
from botrunner.handlers.applications import apply_and_reply
from botrunner.handlers.status import send_status
from botrunner.states import REGISTRATION_STEPS, Registration
from core.exceptions import DomainError, ParticipantAlreadyRegistered
from core.models import Participant
from core.services import (
    participant_birth_date_clean,
    participant_city_clean,
    participant_name_clean,
    participant_phone_clean,
    participant_register,
)

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


async def ask(message: Message, state: FSMContext, step: State, language: str) -> None:
    """Put the dialog at `step` and ask its question."""
    await state.set_state(step)
    keyboard = (
        keyboards.registration_phone(language)
        if step == Registration.phone
        else keyboards.registration_step(language)
    )
    await message.answer(texts.render(QUESTIONS[step], language), reply_markup=keyboard)


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
    await ask(message, state, Registration.first_name, language)


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
    try:
        phone = participant_phone_clean(
            contact.phone_number, contact_user_id=contact.user_id, sender_id=sender.id
        )
        participant = await sync_to_async(participant_register)(
            telegram_id=sender.id,
            telegram_username=sender.username or "",
            first_name=data["first_name"],
            last_name=data["last_name"],
            birth_date=dt.date.fromisoformat(data["birth_date"]),
            city=data["city"],
            phone=phone,
            language=language,
        )
    except ParticipantAlreadyRegistered as error:
        await state.clear()
        await message.answer(
            texts.render_error(error, language), reply_markup=keyboards.REMOVE
        )
        return
    except DomainError as error:
        await message.answer(texts.render_error(error, language))
        return
    await state.clear()
    await message.answer(
        texts.render("registered", language, name=participant.first_name),
        reply_markup=keyboards.REMOVE,
    )
    await apply_and_reply(message, participant)


def router_create() -> Router:
    router = Router(name="registration")
    in_dialog = StateFilter(Registration)
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_cancel, Command("cancel"))
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
