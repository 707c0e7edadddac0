"""States of the bot's dialogs (kept in the FSM storage: Redis or memory)."""

from aiogram.fsm.state import State, StatesGroup


class Registration(StatesGroup):
    """The registration dialog: agreement to the privacy notice, then one state
    per question, in this order."""

    consent = State()
    first_name = State()
    last_name = State()
    birth_date = State()
    city = State()
    phone = State()


# The order of the questions, for "Back" (which never goes back to the notice).
REGISTRATION_STEPS: tuple[State, ...] = (
    Registration.first_name,
    Registration.last_name,
    Registration.birth_date,
    Registration.city,
    Registration.phone,
)
