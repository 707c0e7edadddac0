"""Errors the services of `notifications` raise."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


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


class OutboxMessageRecipientErased(DomainError):
    message = _("The recipient of this message was erased: it is not sent again.")
