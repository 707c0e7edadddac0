"""Domain errors raised by services.

Each error carries its data as attributes. `str(error)` gives the staff-facing,
translated wording used by the admin; the bot maps error classes to its own texts.
"""

from typing import Any

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
        return str(self.message) % self.params if self.params else str(self.message)


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
