"""Message texts staff edit: saving and removing their versions of the defaults."""

from django.db import transaction

from core.models import User
from notifications.models import MessageTemplate


@transaction.atomic
def message_template_save(
    template: MessageTemplate, *, by: User | None
) -> MessageTemplate:
    """Save staff's wording of a text, checked against Telegram HTML and its variables.

    Raises `ValidationError` (shown on the form) when the wording is not usable.
    """
    template.full_clean()
    template.updated_by = by
    template.save()
    return template


@transaction.atomic
def message_template_reset(template: MessageTemplate, *, by: User | None) -> None:
    """Drop staff's wording: participants get the default text again."""
    template.delete()
