"""Participant-facing texts: one registry, one renderer, staff wordings cached.

Each app declares its own texts (key, default wording through gettext, the
variables it may use) with `texts_register`, in its `texts` module, which its
`AppConfig.ready` imports. Staff may reword an editable text per language in the
admin (`MessageTemplate`). Every text, default or staff's, is filled the same way
(`template_fill`: plain `{variable}`s, values HTML-escaped) and checked the same
way (`text_problems`: the admin form checks staff's wording, the `texts` system
check and the tests check the defaults).

Staff wordings are read from the database into one copy per process. Saving or
deleting one drops this process's copy at once and, after commit, changes a
version in Django's cache: other processes sharing the cache (Redis) read the
wordings again at their next check, at most `RECHECK_SECONDS` later. A cache
that is not shared (locmem, the embedded default) cannot tell them, so every
copy is also read again after `MAX_AGE_SECONDS`.
"""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core import checks
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import translation
from django.utils.functional import Promise

from core.models import Participant
from notifications.formatting import VARIABLE, template_fill, text_problems
from notifications.models import MessageTemplate

RECHECK_SECONDS = 1.0
MAX_AGE_SECONDS = 30.0
VERSION_CACHE_KEY = "texts:staff-wordings-version"


@dataclass(frozen=True, slots=True)
class Plural:
    """A wording that depends on a number in the context (`count_key`)."""

    count_key: str
    choose: Callable[[int], str]


@dataclass(frozen=True)
class TextSpec:
    """A registered text: its default wording and the variables it is given."""

    key: str
    default: str | Promise | Plural
    variables: tuple[str, ...]
    description: str | Promise = ""
    # Plural wordings and labels recognised when pressed stay as the code says.
    editable: bool = True

    def default_wording(self, context: dict[str, Any]) -> str:
        """Return the default in the active language (for the count in `context`)."""
        if isinstance(self.default, Plural):
            return self.default.choose(int(context[self.default.count_key]))
        return str(self.default)


# Every text, by key. Apps add theirs with `texts_register`.
REGISTRY: dict[str, TextSpec] = {}


def texts_register(
    key: str,
    default: str | Promise | Plural,
    *,
    variables: tuple[str, ...] | list[str] | None = None,
    description: str | Promise = "",
    editable: bool = True,
) -> None:
    """Register a text with its default wording and the variables it is given.

    Without `variables`, they are the ones the English default uses. Call it
    when the app's `texts` module is imported from its `AppConfig.ready`, so the
    admin lists the text.
    """
    if variables is None:
        if isinstance(default, Plural):
            variables = (default.count_key,)
        else:
            with translation.override("en"):
                variables = tuple(dict.fromkeys(VARIABLE.findall(str(default))))
    REGISTRY[key] = TextSpec(key, default, tuple(variables), description, editable)


def editable_texts() -> dict[str, TextSpec]:
    """Return the texts staff may reword, by key, sorted."""
    return {key: spec for key, spec in sorted(REGISTRY.items()) if spec.editable}


def text_default(key: str, language: str) -> str:
    """Return the default wording of an editable text in `language`."""
    with translation.override(language):
        return REGISTRY[key].default_wording({})


def text_render(
    key: str,
    language: str,
    /,
    *,
    plain: bool = False,
    refresh: bool = True,
    **context: Any,
) -> str:
    """Return text `key` in `language`, staff's wording or the default, filled in.

    Context values are HTML-escaped unless `plain` (button labels, which Telegram
    shows as they are); a variable not given stays as written. With
    `refresh=False` the copy of staff wordings is used as it is, without touching
    the database: for async code, which renews it with `staff_wordings_refresh`
    outside the event loop.
    """
    spec = REGISTRY[key]
    with translation.override(language):
        wording = None
        if spec.editable:
            wording = _staff_wordings.current(refresh=refresh).get((key, language))
        if wording is None:
            wording = spec.default_wording(context)
        # Lazy values (model choice labels) are translated into the same language.
        values = {name: str(value) for name, value in context.items()}
    return template_fill(wording, values, escape=not plain)


def message_render(key: str, participant: Participant, **context: Any) -> str:
    """Return text `key` in the participant's language, their name filled in too."""
    return text_render(
        key, participant.language, **{"name": participant.first_name, **context}
    )


class _StaffWordings:
    """This process's copy of staff wordings: (key, language) -> text."""

    def __init__(self) -> None:
        self.forget()

    def forget(self) -> None:
        self.texts: dict[tuple[str, str], str] | None = None
        self.version: str | None = None
        self.loaded_at = self.checked_at = float("-inf")

    def refresh_due(self) -> bool:
        return (
            self.texts is None or time.monotonic() - self.checked_at >= RECHECK_SECONDS
        )

    def refresh(self) -> None:
        """Read the wordings again if the copy is missing, changed or old."""
        if not self.refresh_due():
            return
        now = time.monotonic()
        self.checked_at = now
        version = _shared_version()
        if (
            self.texts is None
            or version != self.version
            or now - self.loaded_at >= MAX_AGE_SECONDS
        ):
            # Read after the version: a change made meanwhile bumps it again.
            rows = MessageTemplate.objects.values_list("key", "language", "text")
            self.texts = {(key, language): text for key, language, text in rows}
            self.version, self.loaded_at = version, now

    def current(self, *, refresh: bool) -> dict[tuple[str, str], str]:
        if refresh:
            self.refresh()
        return self.texts or {}


_staff_wordings = _StaffWordings()


def _shared_version() -> str | None:
    # None while the cache is unreachable: only the age renews copies then.
    return cache.get_or_set(VERSION_CACHE_KEY, lambda: uuid.uuid4().hex, None)


def staff_wordings_refresh_due() -> bool:
    """Tell whether `staff_wordings_refresh` may have work (no I/O: async-safe)."""
    return _staff_wordings.refresh_due()


def staff_wordings_refresh() -> None:
    """Renew this process's copy of staff wordings if it may be stale (sync)."""
    _staff_wordings.refresh()


def staff_wordings_forget() -> None:
    """Drop this process's copy: the next render reads the wordings again."""
    _staff_wordings.forget()


@receiver(post_save, sender=MessageTemplate, dispatch_uid="texts_staff_wording_saved")
@receiver(
    post_delete, sender=MessageTemplate, dispatch_uid="texts_staff_wording_deleted"
)
def staff_wordings_changed(sender: type, **kwargs: Any) -> None:
    """Drop this process's copy now and, once committed, every other process's."""
    staff_wordings_forget()
    transaction.on_commit(_version_bump, robust=True)


def _version_bump() -> None:
    cache.set(VERSION_CACHE_KEY, uuid.uuid4().hex, None)
    # This process may have read the wordings before the commit, under the old version.
    staff_wordings_forget()


@checks.register("texts")
def texts_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check every default wording, in every language, as staff's wording is checked."""
    errors = []
    for key, spec in sorted(REGISTRY.items()):
        counts = (1, 2, 5) if isinstance(spec.default, Plural) else (0,)
        for language in Participant.Language.values:
            with translation.override(language):
                wordings = {
                    spec.default_wording(dict.fromkeys(spec.variables, count))
                    for count in counts
                }
            for wording in wordings:
                errors += [
                    checks.Error(
                        f"Text {key!r} ({language}): {problem}", id="texts.E001"
                    )
                    for problem in text_problems(wording, variables=spec.variables)
                ]
    return errors
