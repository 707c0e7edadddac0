"""Participant-facing message texts, rendered in the participant's language."""

import re

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.models import Participant

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


def message_render(key: str, participant: Participant, **context: object) -> str:
    """Return the text `key` in the participant's language with `context` filled in."""
    with translation.override(participant.language):
        return str(TEXTS[key]).format(name=participant.first_name, **context)


VARIABLE = re.compile(r"\{(\w+)\}")


def template_fill(template: str, context: dict[str, object]) -> str:
    """Fill `{variable}`s of a staff-written text; unknown ones stay as written.

    Deliberately not `str.format`: staff text must not reach attributes such as
    `{name.__class__}`.
    """
    return VARIABLE.sub(lambda match: str(context.get(match[1], match[0])), template)
