"""Errors the services of `moderation` raise."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


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


class ParticipantNotRegistered(DomainError):
    message = _("The participant is not registered.")


class ParticipantNotMember(DomainError):
    message = _("%(participant)s is not an active member of a shift.")


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


class ParticipantAlreadyErased(DomainError):
    message = _("%(participant)s was already erased (%(erased_at)s); nothing was done.")


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


class ExportFilterUnknown(DomainError):
    message = _(
        "The export cannot filter by “%(parameter)s”; remove that filter from the "
        "list and export again."
    )


class ExportFilterInvalid(DomainError):
    message = _("“%(value)s” is not a value the export's filter “%(parameter)s” takes.")
