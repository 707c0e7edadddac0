"""The audit trail: who did what, when, to which object.

Services record each change they make on behalf of staff with `audit_record`,
inside their own transaction, so whatever starts the change (the admin, a
management command, a Celery worker) leaves the same entry. An entry is Django's admin `LogEntry`:
the object's History page in the admin shows it, and so does the "Audit" list
(`core.admin.audit`).

An entry's action is stored as its English text and shown in the reader's
language (`audit_message`), like Django's own "Changed title." entries.
"""

import json
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import translation
from django.utils.text import get_text_list
from django.utils.translation import gettext, gettext_noop

from core.models import User

__all__ = [
    "ADDED",
    "ADDITION",
    "CHANGE",
    "CHANGED",
    "DELETED",
    "DELETION",
    "audit_message",
    "audit_record",
    "fields_changed",
]

# The key of an audit action in `LogEntry.change_message`, a JSON list of which
# Django's own entries use the keys "added", "changed" and "deleted".
AUDIT_KEY = "audit"

# The actions of services that save what staff typed into a form.
ADDED = gettext_noop("Added.")
CHANGED = gettext_noop("Changed %(fields)s.")
DELETED = gettext_noop("Deleted.")


def audit_record(
    obj: Model | type[Model],
    *,
    by: User | None,
    action: str,
    details: dict[str, Any] | None = None,
    flag: int = CHANGE,
) -> LogEntry | None:
    """Record that `by` did `action` to `obj`; return the entry.

    `obj` is the object acted on, or a model when the action concerns a whole
    list (an export or an import). `action` is an English text marked with
    `gettext_noop`, with `%(name)s` placeholders filled from `details` when it is
    shown. A detail that is a list holds names to translate (field names, as
    Django's entries do), shown joined: "title and text". `flag` is Django's
    ADDITION, CHANGE (default) or DELETION; a deletion is recorded before the
    object is deleted, while it still has its id.
    """
    if by is None:
        # Nobody acted: beat, a worker or the participant through the bot. An
        # entry needs a user (`LogEntry.user` is required), so none is written.
        return None
    is_model = isinstance(obj, type)
    # `_meta.model`, not `type(obj)`: `request.user` is a lazy stand-in.
    model = obj if is_model else obj._meta.model
    if is_model:
        # Shown by its model's name in the reader's language (the "Audit" list).
        with translation.override(None):
            name = str(model._meta.verbose_name_plural)
    else:
        # As Django's own entries: the object's name when it was acted on.
        name = str(obj)
    return LogEntry.objects.create(
        user_id=by.pk,
        content_type=ContentType.objects.get_for_model(model),
        object_id=None if is_model else str(obj.pk),
        object_repr=name[:200],
        action_flag=flag,
        change_message=json.dumps(
            [{AUDIT_KEY: {"action": action, "details": details or {}}}],
            ensure_ascii=False,
            default=str,
        ),
    )


def fields_changed(obj: Model) -> list[str]:
    """The names of the fields of `obj` (an unsaved change) that differ from its
    stored row, for `CHANGED`; every field when it is not stored yet."""
    stored = (
        obj._meta.model._default_manager.filter(pk=obj.pk).first() if obj.pk else None
    )
    with translation.override(None):
        return [
            str(field.verbose_name)
            for field in obj._meta.get_fields()
            if field.concrete
            and not field.many_to_many
            and field.editable
            and not field.primary_key
            and (
                stored is None
                or field.value_from_object(obj) != field.value_from_object(stored)
            )
        ]


def audit_message(entry: LogEntry) -> str:
    """The entry's message in the reader's language: an audit action, or Django's."""
    try:
        parts = json.loads(entry.change_message)
    except ValueError:
        parts = None
    if not isinstance(parts, list):
        return entry.get_change_message()
    actions = [part[AUDIT_KEY] for part in parts if AUDIT_KEY in part]
    if not actions:
        return entry.get_change_message()
    return " ".join(_action_text(**action) for action in actions)


def _action_text(action: str, details: dict[str, Any]) -> str:
    text = gettext(action)
    if not details:
        return text
    return text % {
        name: (
            get_text_list([gettext(item) for item in value], gettext("and"))
            if isinstance(value, list)
            else value
        )
        for name, value in details.items()
    }
