"""`DomainError`, the base of every refusal by a service, and core's own errors.

Each app declares the errors its services raise in its own `exceptions.py`
(`moderation.exceptions`, `notifications.exceptions`).

Each error carries its data as attributes. `str(error)` gives the staff-facing,
translated wording used by the admin; the bot maps error classes to its own texts.
"""

import datetime as dt
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule of the domain refused the operation."""

    message: Any = _("The operation is not allowed.")

    def __init__(self, **params: Any) -> None:
        self.params = params
        for name, value in params.items():
            setattr(self, name, value)
        super().__init__(str(self))

    def __str__(self) -> str:
        if not self.params:
            return str(self.message)
        return str(self.message) % {
            name: _shown(value) for name, value in self.params.items()
        }


def _shown(value: Any) -> Any:
    """Show dates as the admin does: the active language's format (core/formats/)."""
    if isinstance(value, dt.datetime):
        return formats.localize(timezone.template_localtime(value))
    if isinstance(value, dt.date):
        return formats.localize(value)
    return value


# --- Participants (registration in the bot) ------------------------------------


class ParticipantAlreadyRegistered(DomainError):
    message = _("Telegram user %(telegram_id)s is already registered.")


class NameInvalid(DomainError):
    message = _(
        "A name must be 1 to %(max_length)d letters (spaces, hyphens and "
        "apostrophes allowed)."
    )


class BirthDateInvalid(DomainError):
    message = _("“%(value)s” is not a date; write it like 31.12.2014.")


class BirthDateInFuture(DomainError):
    message = _("The date of birth %(value)s is in the future.")


class BirthDateOutOfRange(DomainError):
    message = _("The date of birth must give an age from %(min_age)d to %(max_age)d.")


class CityInvalid(DomainError):
    message = _("A city must be 2 to %(max_length)d letters.")


class PhoneInvalid(DomainError):
    message = _("“%(value)s” is not a phone number; write it like +7 900 123-45-67.")


class PhoneNotOwn(DomainError):
    message = _("The shared contact is not the sender's own phone number.")


class PhoneTaken(DomainError):
    message = _("The phone %(phone)s already belongs to %(participant)s.")


class LanguageInvalid(DomainError):
    message = _("Unknown language “%(value)s”; use one of: %(choices)s.")


class ConsentOutdated(DomainError):
    message = _(
        "Agreement to version %(current)d of the privacy notice is needed "
        "(given: %(version)s)."
    )


# --- Photos (the image pipeline) ---------------------------------------------------


class PhotoTooLarge(DomainError):
    message = _("The image is larger than allowed (%(limit)s).")


class PhotoUnreadable(DomainError):
    message = _("The file is not an image that can be read.")
