"""Participant-facing message texts, rendered in the participant's language."""

from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.models import Participant
from notifications.formatting import template_fill

__all__ = [
    "REGISTRY",
    "TEXTS",
    "message_render",
    "template_fill",
    "text_render",
    "texts_register",
]

TEXTS = {
    "application_approved": _(
        "🎉 {name}, you are in the shift “{shift}”! The first task comes on "
        "{first_task_at}."
    ),
    "application_declined": _(
        "{name}, your application to the shift “{shift}” was declined. Reason: {reason}"
    ),
    "application_cancelled": _(
        "{name}, the shift “{shift}” was cancelled, so your application is closed."
    ),
    "day_task": _(
        "📅 Day {day}: {task}\n\n{description}\n\nSend a photo when it is done."
    ),
    "reminder": _(
        "⏰ {name}, today's photo for “{task}” has not come yet. There is still time!"
    ),
    "report_approved": _(
        "✅ {name}, your report for day {day} is approved! Points: {points}."
    ),
    "report_declined": _(
        "❌ {name}, your report for day {day} was declined: {reason}\n"
        "Attempts left: {attempts_left}."
    ),
    "member_excluded": _(
        "{name}, tasks skipped: {skipped}, so you are no longer in the shift “{shift}”."
    ),
    "shift_finished": _(
        "🏁 {name}, the shift “{shift}” is over. Your points: {points}. Thank you!"
    ),
    # Labels of the day's task keyboard; the bot answers their callback data
    # ("skip", "balance").
    "button_skip_task": _("Skip task"),
    "button_balance": _("My balance"),
}


@dataclass(frozen=True)
class TextSpec:
    """A participant-facing text: its code default and the variables it may use."""

    key: str
    default: str | Promise
    variables: tuple[str, ...]
    description: str | Promise = ""


# Every editable text, by key; staff override them per language in the admin
# (`MessageTemplate`). Apps register theirs with `texts_register`.
REGISTRY: dict[str, TextSpec] = {}


def texts_register(
    key: str,
    default: str | Promise,
    *,
    variables: tuple[str, ...] | list[str] = (),
    description: str | Promise = "",
) -> str | Promise:
    """Register an editable text with its default and allowed variables; return the default.

    Call it at import time of a module loaded at start-up (e.g. from
    `AppConfig.ready`), so the admin lists the text.
    """
    REGISTRY[key] = TextSpec(key, default, tuple(variables), description)
    TEXTS[key] = default
    return default


def text_default(key: str, language: str) -> str:
    with translation.override(language):
        return str(REGISTRY[key].default)


def text_template(key: str, language: str) -> str:
    """Return the staff's version of text `key` in `language`, else the code default."""
    from notifications.models import MessageTemplate

    override = (
        MessageTemplate.objects.filter(key=key, language=language)
        .values_list("text", flat=True)
        .first()
    )
    return override if override is not None else text_default(key, language)


def text_render(key: str, language: str, **context: Any) -> str:
    """Return text `key` in `language` with `context` filled in (values escaped)."""
    return template_fill(text_template(key, language), context)


def message_render(key: str, participant: Participant, **context: Any) -> str:
    """Return the text `key` in the participant's language with `context` filled in."""
    return text_render(
        key, participant.language, **{"name": participant.first_name, **context}
    )


_VARIABLES = {
    "application_approved": ("name", "shift", "first_task_at"),
    "application_declined": ("name", "shift", "reason"),
    "application_cancelled": ("name", "shift", "reason"),
    "day_task": ("name", "day", "task", "description", "date", "shift"),
    "reminder": ("name", "task", "day", "shift"),
    "report_approved": ("name", "day", "points", "task", "shift"),
    "report_declined": ("name", "day", "reason", "attempts_left", "task", "shift"),
    "member_excluded": ("name", "skipped", "shift", "points"),
    "shift_finished": ("name", "shift", "points"),
}
_DESCRIPTIONS = {
    "application_approved": _("An application is approved."),
    "application_declined": _("An application is declined, with the reason."),
    "application_cancelled": _(
        "A pending application closes as the shift is cancelled."
    ),
    "day_task": _("The day's task, at the task hour."),
    "reminder": _("Reminder at the reminder hour while the photo is missing."),
    "report_approved": _("A photo report is approved."),
    "report_declined": _("A photo report is declined, with the reason."),
    "member_excluded": _("A member is excluded for skipped tasks."),
    "shift_finished": _(
        "The shift is over (unless the shift has its own final message)."
    ),
}
for _key, _default in list(TEXTS.items()):
    texts_register(
        _key,
        _default,
        variables=_VARIABLES.get(_key, ("name",)),
        description=_DESCRIPTIONS.get(_key, ""),
    )
