"""The rules for participant data, shared by every way in: the bot's registration,
the spreadsheet import and the admin form.

Each cleaner returns the value as it is stored, or raises a `DomainError`
subclass: its `str()` is the staff wording (import, admin), and the bot maps the
class to its own text.
"""

import datetime as dt
import re

from django.conf import settings
from django.utils import timezone

from core.exceptions import (
    BirthDateInFuture,
    BirthDateInvalid,
    BirthDateOutOfRange,
    CityInvalid,
    LanguageInvalid,
    NameInvalid,
    PhoneInvalid,
    PhoneNotOwn,
    PhoneTaken,
)
from core.models import Participant

NAME_MAX_LENGTH = 64
CITY_MAX_LENGTH = 100
BIRTH_AGE_RANGE = (3, 100)
# Letters in groups joined by one space, hyphen or apostrophe: "Anna-Maria", "O'Neil".
# \u2019 is the typographic apostrophe phones insert.
SEPARATOR = "[ '\u2019-]"
NAME_PATTERN = re.compile(rf"[^\W\d_]+(?:{SEPARATOR}[^\W\d_]+)*")
CITY_PATTERN = re.compile(rf"[^\W\d_]+(?:(?:{SEPARATOR}|\. ?)[^\W\d_]+)*\.?")
# The separators and the words between them, for capitalising word by word.
WORDS = re.compile(r"([ '\u2019.-]+)")
# Linking words that stay lower case inside a city's name: Ростов-на-Дону,
# Комсомольск-на-Амуре, Rostov-on-Don, Frankfurt am Main, Rio de Janeiro.
CITY_PARTICLES = frozenset(
    {"на", "над", "под", "при", "on", "upon", "am", "an", "der", "de", "la", "en"}
)
DATE_PATTERN = re.compile(r"(\d{1,2})[./ -](\d{1,2})[./ -](\d{4})")
# After normalisation: "+", then 10 to 15 digits (E.164 allows 15), no leading 0.
PHONE_PATTERN = re.compile(r"\+[1-9][0-9]{9,14}")
PHONE_PUNCTUATION = re.compile(r"[\s().-]")


def _squeeze(value: str) -> str:
    return " ".join(str(value).split())


def _capitalised(text: str, *, particles: frozenset[str] = frozenset()) -> str:
    """Capitalise each word typed all in lower case; other words stay as typed.

    `particles` stay lower case unless they start the text.
    """
    parts = WORDS.split(text)
    for index in range(0, len(parts), 2):
        word = parts[index]
        if not word.islower() or (index > 0 and word in particles):
            continue
        parts[index] = word[0].upper() + word[1:]
    return "".join(parts)


def participant_name_clean(value: str) -> str:
    """Return a first or last name tidied up, or raise `NameInvalid`."""
    name = _squeeze(value)
    if not 0 < len(name) <= NAME_MAX_LENGTH or not NAME_PATTERN.fullmatch(name):
        raise NameInvalid(max_length=NAME_MAX_LENGTH)
    # "anna-maria" -> "Anna-Maria"; "McDonald" stays as typed.
    return _capitalised(name)


def participant_city_clean(value: str) -> str:
    """Return a city name tidied up, or raise `CityInvalid`.

    Words typed in lower case get a capital, except the linking words of
    `CITY_PARTICLES` inside the name: "ростов-на-дону" -> "Ростов-на-Дону".
    """
    city = _squeeze(value)
    if not 2 <= len(city) <= CITY_MAX_LENGTH or not CITY_PATTERN.fullmatch(city):
        raise CityInvalid(max_length=CITY_MAX_LENGTH)
    return _capitalised(city, particles=CITY_PARTICLES)


def participant_birth_date_parse(value: str) -> dt.date:
    """Parse a typed date: DD.MM.YYYY (also with / - or spaces) or YYYY-MM-DD."""
    text = str(value).strip()
    match = DATE_PATTERN.fullmatch(text)
    try:
        if match:
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise BirthDateInvalid(value=text) from error


def participant_birth_date_check(
    birth_date: dt.date, *, today: dt.date | None = None
) -> dt.date:
    """Refuse a date of birth in the future or giving an implausible age today."""
    today = today or timezone.localdate()
    if birth_date > today:
        raise BirthDateInFuture(value=birth_date.strftime("%d.%m.%Y"))
    age = (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )
    min_age, max_age = BIRTH_AGE_RANGE
    if not min_age <= age <= max_age:
        raise BirthDateOutOfRange(min_age=min_age, max_age=max_age)
    return birth_date


def participant_birth_date_clean(value: str | dt.date) -> dt.date:
    """Return a plausible date of birth from a typed text or a date."""
    if isinstance(value, dt.datetime):
        value = value.date()  # spreadsheet date cells come as datetimes
    birth_date = (
        value if isinstance(value, dt.date) else participant_birth_date_parse(value)
    )
    return participant_birth_date_check(birth_date)


def participant_phone_clean(value: str | int) -> str:
    """Return a phone number as "+" and digits, or raise `PhoneInvalid`.

    Spaces, brackets, dots and hyphens are dropped. A number written without "+"
    may be Russian as people write it at home: 8 900 123-45-67 becomes
    +79001234567, and ten digits starting with 9 get +7. A number with "+" is
    taken as written.
    """
    text = str(value).strip()
    digits = PHONE_PUNCTUATION.sub("", text)
    if not digits.startswith("+"):
        if len(digits) == 11 and digits.startswith("8"):
            digits = "7" + digits[1:]
        elif len(digits) == 10 and digits.startswith("9"):
            digits = "7" + digits
        digits = "+" + digits
    if not PHONE_PATTERN.fullmatch(digits):
        raise PhoneInvalid(value=text)
    return digits


def participant_contact_phone(
    value: str, *, contact_user_id: int | None, sender_id: int
) -> str:
    """Return the phone of a contact shared in Telegram, cleaned.

    Only the sender's own contact counts: Telegram sets its `user_id` to the
    sender when the "share my phone" button is used. Telegram's numbers always
    carry the country code (often without "+"), so none is guessed.
    """
    if contact_user_id != sender_id:
        raise PhoneNotOwn()
    return participant_phone_clean("+" + str(value).strip().removeprefix("+"))


def participant_phone_check_free(
    phone: str, *, participant: Participant | None = None
) -> str:
    """Refuse a phone that another participant has: a phone finds one participant."""
    others = Participant.objects.filter(phone=phone)
    if participant is not None and participant.pk is not None:
        others = others.exclude(pk=participant.pk)
    holder = others.first()
    if holder is not None:
        raise PhoneTaken(phone=phone, participant=str(holder))
    return phone


def _default_language() -> str:
    default = settings.LANGUAGE_CODE.split("-")[0]
    return default if default in Participant.Language.values else "ru"


def participant_language_clean(value: str | None) -> str:
    """Return a participant language (ru, en); empty means Russian, as a
    participant added without one (the model's default)."""
    code = (value or "").strip().lower()
    if not code:
        return Participant.Language.RU
    if code not in Participant.Language.values:
        raise LanguageInvalid(
            value=code, choices=", ".join(Participant.Language.values)
        )
    return code


def participant_language(language_code: str | None) -> str:
    """Map Telegram's `language_code` to a participant language (ru or en)."""
    code = (language_code or "").split("-")[0].lower()
    if code in Participant.Language.values:
        return code
    return _default_language()
