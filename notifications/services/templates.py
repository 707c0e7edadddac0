"""Message texts staff edit: saving and removing their versions of the defaults."""

from django.db import transaction
from django.utils.translation import gettext_noop

from core.audit import ADDED, ADDITION, CHANGED, DELETION, audit_record, fields_changed
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
    added = template.pk is None
    changed = fields_changed(template)
    template.updated_by = by
    template.save()
    if added:
        audit_record(template, by=by, action=ADDED, flag=ADDITION)
    elif changed:
        audit_record(template, by=by, action=CHANGED, details={"fields": changed})
    return template


@transaction.atomic
def message_template_reset(template: MessageTemplate, *, by: User | None) -> None:
    """Drop staff's wording: participants get the default text again."""
    action = gettext_noop("Reset to the default text.")
    audit_record(template, by=by, action=action, flag=DELETION)
    template.delete()
