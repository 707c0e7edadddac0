"""Domain errors raised by services.

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


class ShiftDatesInvalid(DomainError):
    message = _("The shift must start before it ends.")


class ShiftTooLong(DomainError):
    message = _("A shift must be shorter than %(months)d months.")


class ShiftAlreadyPreparing(DomainError):
    message = _("Shift “%(other)s” is already being prepared; only one may be.")


class ShiftOverlapsRunning(DomainError):
    message = _("A new shift must start after “%(other)s” ends (%(end_date)s).")


class ShiftNoTasks(DomainError):
    message = _("The task catalogue has no active tasks to plan the shift with.")


class ShiftWrongStatus(DomainError):
    message = _("Shift “%(shift)s” is %(status)s; this needs it %(expected)s.")


class ShiftNotOver(DomainError):
    message = _("Shift “%(shift)s” runs until %(end_date)s; it cannot finish before.")


class RegistrationClosed(DomainError):
    message = _("Registration for shift “%(shift)s” is closed.")


class NoOpenShift(DomainError):
    message = _("No shift is open for registration.")


class ApplicationAlreadyPending(DomainError):
    message = _("%(participant)s already has a pending application to this shift.")


class ApplicationAlreadyMember(DomainError):
    message = _("%(participant)s is already a member of this shift.")


class ApplicationLimitReached(DomainError):
    message = _("%(participant)s has used all %(limit)d applications to this shift.")


class ApplicationNotPending(DomainError):
    message = _("The application of %(participant)s is already %(status)s.")


class ReasonRequired(DomainError):
    message = _("A reason is required.")


class DigestNoRecipients(DomainError):
    message = _("Digest “%(digest)s” has no recipient with an email address.")


class ReportNotUnderReview(DomainError):
    message = _(
        "The report of %(participant)s for %(date)s is %(status)s, not under "
        "review; it cannot be reviewed."
    )


class ExportFilterUnknown(DomainError):
    message = _(
        "The export cannot filter by “%(parameter)s”; remove that filter from the "
        "list and export again."
    )


class ExportFilterInvalid(DomainError):
    message = _("“%(value)s” is not a value the export's filter “%(parameter)s” takes.")


# --- Participants (registration in the bot) ------------------------------------


class ParticipantNotRegistered(DomainError):
    message = _("The participant is not registered.")


class ParticipantAlreadyRegistered(DomainError):
    message = _("Telegram user %(telegram_id)s is already registered.")


class ParticipantNotMember(DomainError):
    message = _("%(participant)s is not an active member of a shift.")


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


# --- Photo reports ---------------------------------------------------------------


class NoTaskToday(DomainError):
    message = _("%(participant)s has no task awaiting a photo today.")


class ReportUnderReview(DomainError):
    message = _("The report is already under review.")


class ReportAlreadyApproved(DomainError):
    message = _("The report is already approved.")


class ReportAlreadySkipped(DomainError):
    message = _("The task was skipped.")


class ReportAttemptsExhausted(DomainError):
    message = _("All %(limit)d attempts of this report are used.")


class ReportNotWaiting(DomainError):
    message = _(
        "The report is %(status)s; only a report waiting for a photo can be skipped."
    )


class PhotoRequired(DomainError):
    message = _("A report needs a photo, not %(kind)s.")


class PhotoAlreadySent(DomainError):
    message = _("This photo was already sent.")


class PhotoTooLarge(DomainError):
    message = _("The image is larger than allowed (%(limit)s).")


class PhotoUnreadable(DomainError):
    message = _("The file is not an image that can be read.")


class MailingWrongStatus(DomainError):
    message = _("Mailing “%(mailing)s” is %(status)s; this needs it %(expected)s.")


class MailingInvalid(DomainError):
    message = _("Mailing “%(mailing)s” cannot be sent: %(problems)s")


class MailingNoRecipients(DomainError):
    message = _("No participant matches the audience of mailing “%(mailing)s”.")


class StaffChatUnknown(DomainError):
    message = _(
        "%(user)s has no Telegram chat ID; set it to receive test messages "
        "(write /start to the bot first)."
    )


class OutboxMessageWrongStatus(DomainError):
    message = _(
        "The message to %(recipient)s is %(status)s; this needs it %(expected)s."
    )


class ParticipantAlreadyErased(DomainError):
    message = _("%(participant)s was already erased (%(erased_at)s); nothing was done.")


class OutboxMessageRecipientErased(DomainError):
    message = _("The recipient of this message was erased: it is not sent again.")
