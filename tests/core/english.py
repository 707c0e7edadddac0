"""The English sources of what the admin can show, and a finder of them in a page.

The sources are read, never listed by hand: every msgid of the catalogues of Django
and of each installed app (`locale/*/LC_MESSAGES/*.po`), every string marked for
translation in the sources of the apps that ship no catalogue (django-unfold) and of
the project itself (so a string marked but missing from `locale/ru` is found too),
and the labels Django and django-import-export derive from identifiers (a field
`birth_date` is shown as "birth date", an export column as "Birth Date").

A page is English where one of its visible texts (a text node, or an attribute
people read: placeholder, title, aria-label, alt, a button's value) is such a
source, fills one of its patterns ("Add %(name)s" with anything for the name), or
holds a run of Latin words that is one (or one literal piece of one).
"""

import functools
import io
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import cron_descriptor
import django
from babel.messages.extract import extract_python
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.text import camel_case_to_spaces
from django.utils.translation.template import templatize
from lxml import html

# Words that are the same in Russian text, or names (checked as whole runs).
SAME_IN_BOTH = {
    # Names of products and of this project.
    "Telegram",
    "Smena",
    "Celery",
    "Django",
    "Chart.js",
    "Excel",
    # File formats and abbreviations Russian writes in Latin letters too.
    "CSV",
    "XLSX",
    "JSON",
    "HTML",
    "URL",
    "ID",
    "UTC",
    "IP",
    "HTTP",
    "UUID",
    "Email",
    "E-mail",
    "email",
}
# Functions whose first (or only) string argument is a msgid.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
# Variables left in a text for people to use ("Variables: {name}, {points}").
VARIABLE = re.compile(r"\{\w+\}|%\(\w+\)[sd]")
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr]|\{\w*\}")
TAG = re.compile(r"<[^>]+>")
WORD = re.compile(r"[A-Za-z]{3,}")
# Runs of Latin words; not a bot command ("/status") nor the later part of a path
# or of a hyphenated identifier.
LATIN_RUN = re.compile(
    r"(?<![/\w-])[A-Za-z][\w./'\u2019-]*(?:[ \t]+[A-Za-z][\w./'\u2019-]*)*", re.ASCII
)
# Attributes whose text people read.
READ_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "label")
BUTTON_TYPES = {"submit", "button", "reset"}
INVISIBLE = {"script", "style", "head", "meta", "link", "noscript"}
# Code people type or read as code: column names of a file, variables, keys.
CODE = {"code", "kbd", "samp", "pre"}
# A Python repr a library's model gives as its name ("<Task: 3f2e... (SUCCESS)>").
REPR = re.compile(r"<\w+: .*>")
# Icon ligatures ("delete", "search") are drawn as icons, never read as words.
ICON_CLASS = re.compile(r"\bmaterial-symbols")


def normalise(text: str) -> str:
    """Collapse white space and drop trailing punctuation a label may add."""
    text = " ".join(text.split())
    return text.strip().rstrip(":.…").rstrip()


class EnglishSources:
    """The English texts, literal and as patterns, with a way to find them."""

    def __init__(self, messages: Iterable[str]) -> None:
        self.literals: set[str] = set()
        self.fragments: set[str] = set()
        patterns = []
        for message in messages:
            plain = normalise(TAG.sub(" ", message))
            if not re.search("[A-Za-z]{2}", plain):
                continue
            pieces = [normalise(piece) for piece in PLACEHOLDER.split(plain)]
            if len(pieces) == 1:
                self.literals.add(plain)
            elif sum(len(re.findall("[A-Za-z]", piece)) for piece in pieces) >= 4:
                patterns.append(
                    r"\s*".join(re.escape(piece) + ".+?" for piece in pieces[:-1])
                    + re.escape(pieces[-1])
                )
            self.fragments.update(
                piece
                for piece in pieces
                if re.search("[A-Za-z]{3}", piece)
                and LATIN_RUN.fullmatch(piece.strip())
            )
        self.fragments -= SAME_IN_BOTH
        self.literals -= SAME_IN_BOTH
        # A text can fill a pattern only if it has one of the pattern's words.
        self._pattern_words = {
            word.lower() for pattern in patterns for word in WORD.findall(pattern)
        }
        self._patterns = [
            re.compile(chunk)
            for chunk in (
                "|".join(f"(?:{p})" for p in patterns[i : i + 200])
                for i in range(0, len(patterns), 200)
            )
        ]

    def _is_literal(self, text: str) -> bool:
        return text in self.literals or (
            text[:1].isupper() and text[:1].lower() + text[1:] in self.literals
        )

    def english_in(self, text: str) -> str | None:
        """The English source that `text` (one visible text) shows, if any."""
        text = normalise(text)
        if not re.search("[A-Za-z]{2}", text) or set(text.split()) <= SAME_IN_BOTH:
            return None
        if self._is_literal(text):
            return text
        words = {word.lower() for word in WORD.findall(text)}
        if words & self._pattern_words:
            for pattern in self._patterns:
                if pattern.fullmatch(text):
                    return text
        for run in LATIN_RUN.findall(VARIABLE.sub(" ", REPR.sub(" ", text))):
            run = normalise(run)
            if set(run.split()) <= SAME_IN_BOTH:
                continue
            if self._is_literal(run) or run in self.fragments:
                return run
        return None


def visible_texts(page: str) -> Iterator[str]:
    """The texts of an HTML page (or fragment) people read."""
    if not page.strip():
        return
    root = html.fromstring(page)
    for title in root.iter("title"):
        yield title.text_content()
    language = _language(root.get("lang"))
    yield from _texts(root, hidden=False, language=language)


def _language(code: str | None) -> str:
    return (code or "").split("-")[0].lower()


def _texts(element, *, hidden: bool, language: str) -> Iterator[str]:
    """The texts in and under `element`, unless they are not shown, are code, or
    are marked as being in another language than the page's on purpose
    (`lang="en"` on a Russian page: the English text of a participant's message)."""
    tag = element.tag
    if element.get("lang"):
        hidden = _language(element.get("lang")) != language
    if tag in INVISIBLE or tag in CODE:
        hidden = True
    if tag == "input" and element.get("type") == "hidden":
        hidden = True
    if tag == "script" and element.get("type") == "application/json":
        # Data a script draws, such as the labels of a chart.
        yield from _json_strings(element.text or "")
    if not hidden:
        if element.text and not _is_icon(element):
            yield element.text
        yield from (element.get(name) for name in READ_ATTRIBUTES if element.get(name))
        if tag == "input" and element.get("type") in BUTTON_TYPES:
            yield element.get("value") or ""
    for child in element:
        if isinstance(child.tag, str):
            yield from _texts(child, hidden=hidden, language=language)
        if child.tail and not hidden:
            yield child.tail


def _is_icon(element) -> bool:
    return bool(ICON_CLASS.search(element.get("class", "")))


def _json_strings(text: str) -> Iterator[str]:
    try:
        data = json.loads(text)
    except ValueError:
        return
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


@functools.cache
def english_sources() -> EnglishSources:
    """Every English source the admin may show (read once per test run)."""
    return EnglishSources(_all_messages())


def _all_messages() -> Iterator[str]:
    yield from _catalogue_messages(Path(django.__file__).parent / "conf" / "locale")
    for locale_path in settings.LOCALE_PATHS:
        yield from _catalogue_messages(Path(locale_path))
    project = Path(settings.BASE_DIR)
    for app_config in apps.get_app_configs():
        path = Path(app_config.path)
        if (path / "locale").is_dir():
            yield from _catalogue_messages(path / "locale")
        else:
            yield from _source_messages(path)
        if path.parent == project:
            yield from _source_messages(path)
        yield from _identifier_labels(app_config)
    yield from _source_messages(project / "templates")
    yield from _admin_labels()
    # Libraries whose words the admin shows: django-celery-beat describes a
    # schedule with cron-descriptor, which ships compiled catalogues only.
    yield from _compiled_messages(Path(cron_descriptor.__file__).parent / "locale")


def _catalogue_messages(locale: Path) -> Iterator[str]:
    """The msgids of one language's catalogues (they are the same in each)."""
    languages = sorted(path.name for path in locale.iterdir() if path.is_dir())
    for language in ("en", "ru", *languages):
        files = sorted((locale / language / "LC_MESSAGES").glob("*.po"))
        if files:
            break
    for file in files:
        with file.open("rb") as po:
            for message in read_po(po):
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                yield from (msgid for msgid in ids if msgid)


def _source_messages(path: Path) -> Iterator[str]:
    """Strings marked for translation in the Python files and templates under `path`."""
    for file in sorted(path.rglob("*")):
        if "migrations" in file.parts or "tests" in file.parts:
            continue
        if file.suffix == ".py":
            code = file.read_bytes()
        elif file.suffix in (".html", ".txt") and "templates" in file.parts:
            # Django's makemessages step: a template as Python-like code with
            # gettext() calls (indentation dropped, the tokenizer wants none).
            code = templatize(file.read_text(encoding="utf-8"))
            code = "\n".join(line.lstrip() for line in code.splitlines()).encode()
        else:
            continue
        for _line, _function, message, _comments in extract_python(
            io.BytesIO(code), KEYWORDS, [], {}
        ):
            ids = message if isinstance(message, tuple) else (message,)
            yield from (msgid for msgid in ids if isinstance(msgid, str) and msgid)


def _compiled_messages(locale: Path) -> Iterator[str]:
    with (locale / "en_US.mo").open("rb") as mo:
        for message in read_mo(mo):
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            yield from (msgid for msgid in ids if msgid)


def _admin_labels() -> Iterator[str]:
    """The column and field labels of the registered admins, in English: also
    those Django makes from the name of a method or property ("Human readable")."""
    with translation.override("en"):
        for model, model_admin in admin.site._registry.items():
            names = [*model_admin.list_display, *model_admin.readonly_fields]
            for name in names:
                if not isinstance(name, str) or name in ("__str__", "action_checkbox"):
                    continue
                try:
                    yield str(label_for_field(name, model, model_admin))
                except (AttributeError, FieldDoesNotExist):
                    continue


def _identifier_labels(app_config) -> Iterator[str]:
    """Labels made from names: Django's default verbose names of models and fields
    and the names of its default permissions ("Can add participant", stored in
    English), the names of the tables that link two models ("Mailing-shift
    relationship", made in English), and django-import-export's export-field
    labels ("Birth Date")."""
    for model in app_config.get_models(include_auto_created=True):
        if model._meta.auto_created:
            with translation.override(None):
                yield str(model._meta.verbose_name)
                yield str(model._meta.verbose_name_plural)
            continue
        yield camel_case_to_spaces(model.__name__)
        for action in model._meta.default_permissions:
            yield f"Can {action} {model._meta.verbose_name_raw}"
        for field in model._meta.get_fields():
            words = field.name.replace("_", " ")
            yield from (words, words.title())
