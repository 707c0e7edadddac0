"""Services of the shared domain: shifts and their plan, participant registration.

Services that notify participants (applications, the shift lifecycle) live in
`moderation.services`, because `core` may not import the outbox.
"""

import calendar
import datetime as dt
import itertools
import random
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import (
    BirthDateInvalid,
    BirthDateOutOfRange,
    CityInvalid,
    NameInvalid,
    ParticipantAlreadyRegistered,
    PhoneInvalid,
    PhoneNotOwn,
    ShiftAlreadyPreparing,
    ShiftDatesInvalid,
    ShiftNoTasks,
    ShiftOverlapsRunning,
    ShiftTooLong,
    ShiftWrongStatus,
)
from core.models import Participant, Shift, ShiftDay, Task, User

SHIFT_MAX_MONTHS = 4
SHIFT_EDITABLE_FIELDS = frozenset(
    {
        "title",
        "start_date",
        "end_date",
        "time_zone",
        "task_hour",
        "reminder_hour",
        "max_attempts",
        "skip_limit",
        "final_message",
    }
)


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last_day))


def shift_validate(shift: Shift) -> None:
    """Check the dates of a new or preparing shift against the shift rules."""
    if shift._state.adding and not Task.objects.filter(is_archived=False).exists():
        raise ShiftNoTasks()
    if shift.start_date >= shift.end_date:
        raise ShiftDatesInvalid()
    if shift.end_date >= add_months(shift.start_date, SHIFT_MAX_MONTHS):
        raise ShiftTooLong(months=SHIFT_MAX_MONTHS)
    others = Shift.objects.exclude(pk=shift.pk)
    preparing = others.preparing().first()
    if shift.status == Shift.Status.PREPARING and preparing is not None:
        raise ShiftAlreadyPreparing(other=preparing.title)
    running = others.running().order_by("-end_date").first()
    if running is not None and shift.start_date <= running.end_date:
        raise ShiftOverlapsRunning(other=running.title, end_date=running.end_date)


@transaction.atomic
def shift_create(shift: Shift, *, by: User | None) -> Shift:
    """Save a new (unsaved) shift as preparing and give it a day->task plan."""
    shift.status = Shift.Status.PREPARING
    shift_validate(shift)
    shift.full_clean(exclude=["status"], validate_constraints=False)
    try:
        with transaction.atomic():
            shift.save()
    except IntegrityError as error:
        # Two coordinators creating a shift at once: the partial unique index wins.
        other = Shift.objects.preparing().first()
        raise ShiftAlreadyPreparing(other=other.title if other else "?") from error
    shift_plan_generate(shift)
    return shift


@transaction.atomic
def shift_update(shift: Shift, *, by: User | None, **fields) -> Shift:
    """Change a shift's settings; new dates of a preparing shift re-plan its days."""
    unknown = set(fields) - SHIFT_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Unknown shift fields: {sorted(unknown)}")
    dates_changed = any(
        getattr(shift, name) != fields[name]
        for name in ("start_date", "end_date")
        if name in fields
    )
    if dates_changed and shift.status != Shift.Status.PREPARING:
        raise ShiftWrongStatus(
            shift=shift.title,
            status=shift.get_status_display(),
            expected=Shift.Status.PREPARING.label,
        )
    for name, value in fields.items():
        setattr(shift, name, value)
    if dates_changed:
        shift_validate(shift)
    shift.full_clean(exclude=["status"], validate_constraints=False)
    shift.save(update_fields=[*fields, "updated_at"])
    if dates_changed:
        shift_plan_generate(shift)
    return shift


def shift_plan_generate(shift: Shift, *, seed: int | None = None) -> list[ShiftDay]:
    """Replace the shift's plan: non-archived tasks shuffled, then cycled over its days."""
    tasks = list(Task.objects.filter(is_archived=False).order_by("pk"))
    if not tasks:
        raise ShiftNoTasks()
    random.Random(seed if seed is not None else shift.pk).shuffle(tasks)
    ShiftDay.objects.filter(shift=shift).delete()
    days = [
        ShiftDay(
            shift=shift, date=shift.start_date + dt.timedelta(days=offset), task=task
        )
        for offset, task in zip(
            range(shift.duration_days), itertools.cycle(tasks), strict=False
        )
    ]
    return ShiftDay.objects.bulk_create(days)


# --- Participants --------------------------------------------------------------------

NAME_MAX_LENGTH = 64
CITY_MAX_LENGTH = 100
BIRTH_AGE_RANGE = (3, 100)
# Letters in groups joined by one space, hyphen or apostrophe: "Anna-Maria", "O'Neil".
# \u2019 is the typographic apostrophe phones insert.
SEPARATOR = "[ '\u2019-]"
NAME_PATTERN = re.compile(rf"[^\W\d_]+(?:{SEPARATOR}[^\W\d_]+)*")
CITY_PATTERN = re.compile(rf"[^\W\d_]+(?:(?:{SEPARATOR}|\. ?)[^\W\d_]+)*\.?")
DATE_PATTERN = re.compile(r"(\d{1,2})[./ -](\d{1,2})[./ -](\d{4})")
PHONE_PATTERN = re.compile(r"\+[0-9]{7,15}")


def _squeeze(value: str) -> str:
    return " ".join(value.split())


def participant_name_clean(value: str) -> str:
    """Return a first or last name tidied up, or raise `NameInvalid`."""
    name = _squeeze(value)
    if not 0 < len(name) <= NAME_MAX_LENGTH or not NAME_PATTERN.fullmatch(name):
        raise NameInvalid(max_length=NAME_MAX_LENGTH)
    if name.islower():
        # "anna-maria" -> "Anna-Maria"; names typed with capitals stay as typed.
        name = re.sub(rf"(^|{SEPARATOR})(\w)", lambda m: m[1] + m[2].upper(), name)
    return name


def participant_birth_date_clean(value: str) -> dt.date:
    """Parse DD.MM.YYYY (or YYYY-MM-DD) into a plausible date of birth."""
    text = value.strip()
    match = DATE_PATTERN.fullmatch(text)
    try:
        if match:
            day, month, year = (int(part) for part in match.groups())
            birth_date = dt.date(year, month, day)
        else:
            birth_date = dt.date.fromisoformat(text)
    except ValueError as error:
        raise BirthDateInvalid() from error
    return participant_birth_date_check(birth_date)


def participant_birth_date_check(birth_date: dt.date) -> dt.date:
    """Refuse a date of birth that gives an implausible age today."""
    today = timezone.localdate()
    age = (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )
    min_age, max_age = BIRTH_AGE_RANGE
    if not min_age <= age <= max_age:
        raise BirthDateOutOfRange(min_age=min_age, max_age=max_age)
    return birth_date


def participant_city_clean(value: str) -> str:
    """Return a city name tidied up, or raise `CityInvalid`."""
    city = _squeeze(value)
    if not 2 <= len(city) <= CITY_MAX_LENGTH or not CITY_PATTERN.fullmatch(city):
        raise CityInvalid(max_length=CITY_MAX_LENGTH)
    return city[0].upper() + city[1:]


def participant_phone_clean(
    value: str, *, contact_user_id: int | None, sender_id: int
) -> str:
    """Return the phone of a shared contact as +digits.

    Only the sender's own contact counts: Telegram sets its `user_id` to the
    sender when the "share my phone" button is used.
    """
    if contact_user_id != sender_id:
        raise PhoneNotOwn()
    phone = "+" + re.sub(r"[\s()+-]", "", value)
    if not PHONE_PATTERN.fullmatch(phone):
        raise PhoneInvalid()
    return phone


def participant_language(language_code: str | None) -> str:
    """Map Telegram's `language_code` to a participant language (ru or en)."""
    code = (language_code or "").split("-")[0].lower()
    if code in Participant.Language.values:
        return code
    default = settings.LANGUAGE_CODE.split("-")[0]
    return default if default in Participant.Language.values else "ru"


def participant_register(
    *,
    telegram_id: int,
    first_name: str,
    last_name: str,
    birth_date: dt.date,
    city: str,
    phone: str,
    language: str,
    telegram_username: str = "",
) -> Participant:
    """Create a participant from the bot's registration dialog.

    Every field is validated again here, so no caller can store what the dialog
    would refuse. A second registration of the same Telegram user is refused.
    """
    if not PHONE_PATTERN.fullmatch(phone):
        raise PhoneInvalid()
    if Participant.objects.filter(telegram_id=telegram_id).exists():
        raise ParticipantAlreadyRegistered(telegram_id=telegram_id)
    participant = Participant(
        telegram_id=telegram_id,
        telegram_username=(telegram_username or "")[:64],
        first_name=participant_name_clean(first_name),
        last_name=participant_name_clean(last_name),
        birth_date=participant_birth_date_check(birth_date),
        city=participant_city_clean(city),
        phone=phone,
        language=language if language in Participant.Language.values else "ru",
    )
    try:
        with transaction.atomic():
            participant.save()
    except IntegrityError as error:
        # The same dialog finished twice at once (a redelivered update).
        raise ParticipantAlreadyRegistered(telegram_id=telegram_id) from error
    return participant


def participant_unblock(participant: Participant) -> Participant:
    """Clear the blocked mark: the participant wrote to the bot again."""
    if participant.blocked_bot_at is not None:
        participant.blocked_bot_at = None
        participant.save(update_fields=["blocked_bot_at", "updated_at"])
    return participant


def user_telegram_chat_set(user: User, *, chat_id: int | None, by: User | None) -> User:
    """Set where a staff member's test messages go (their Telegram user ID)."""
    user.telegram_chat_id = chat_id
    user.save(update_fields=["telegram_chat_id"])
    return user
