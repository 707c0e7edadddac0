"""Telegram HTML: checking staff-written texts, filling variables, previews.

Telegram refuses a whole message whose HTML it cannot parse, so texts staff write
(mailings, message templates) are checked when they are saved, not when the
sender meets them.
"""

import html
import re
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# The tags Telegram's HTML parse mode understands.
ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "blockquote",
        "code",
        "del",
        "em",
        "i",
        "ins",
        "pre",
        "s",
        "span",
        "strike",
        "strong",
        "tg-spoiler",
        "u",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href"},
    "code": {"class"},
    "span": {"class"},
    "blockquote": {"expandable"},
}
LINK_SCHEMES = ("http://", "https://", "tg://")
CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096

TAG = re.compile(
    r"<(?P<close>/?)(?P<name>[a-zA-Z][a-zA-Z0-9-]*)"
    r"(?P<attrs>(?:\s+[a-zA-Z-]+(?:\s*=\s*\"[^\"<>]*\")?)*)\s*>"
)
ATTRIBUTE = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*\"([^\"]*)\")?")
ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
VARIABLE = re.compile(r"\{(\w+)\}")


def html_escape(value: Any) -> str:
    """Escape a value for Telegram HTML, unless it is already marked safe HTML."""
    if isinstance(value, SafeString):
        return str(value)
    return html.escape(str(value), quote=False)


def template_fill(
    template: str, context: dict[str, Any], *, escape: bool = True
) -> str:
    """Fill `{variable}`s of a text with values; unknown ones stay as written.

    Values are HTML-escaped unless `escape` is false (texts Telegram shows as
    they are, such as button labels). The one way every text is filled, default
    or staff-written: deliberately not `str.format`, so staff text cannot reach
    attributes such as `{name.__class__}`.
    """
    value = html_escape if escape else str
    return VARIABLE.sub(
        lambda match: value(context[match[1]]) if match[1] in context else match[0],
        template,
    )


def template_variables(text: str) -> set[str]:
    return set(VARIABLE.findall(text))


def telegram_html_errors(text: str) -> list[str]:
    """Return what Telegram would refuse in `text` (empty when it is fine)."""
    errors: list[str] = []
    stack: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == "<":
            match = TAG.match(text, position)
            if match is None:
                errors.append(
                    _("A “<” that starts no tag at position %(position)d: write &lt;")
                    % {"position": position + 1}
                )
                position += 1
                continue
            errors += _tag_errors(match, stack)
            position = match.end()
        elif char == "&":
            if ENTITY.match(text, position) is None:
                errors.append(
                    _(
                        "An “&” that starts no entity at position %(position)d: "
                        "write &amp;"
                    )
                    % {"position": position + 1}
                )
            position += 1
        else:
            position += 1
    errors += [_("The tag <%(tag)s> is not closed.") % {"tag": tag} for tag in stack]
    return errors


def _tag_errors(match: re.Match, stack: list[str]) -> list[str]:
    name = match["name"].lower()
    if name not in ALLOWED_TAGS:
        return [
            _("Telegram does not support the tag <%(tag)s>; use %(allowed)s.")
            % {"tag": name, "allowed": ", ".join(sorted(ALLOWED_TAGS))}
        ]
    if match["close"]:
        if not stack or stack[-1] != name:
            return [
                _("The closing tag </%(tag)s> matches no open tag.") % {"tag": name}
            ]
        stack.pop()
        return []
    stack.append(name)
    errors = []
    attributes = dict(ATTRIBUTE.findall(match["attrs"]))
    if VARIABLE.search(match["attrs"]):
        errors.append(_("Variables cannot be used inside a tag."))
    unknown = set(attributes) - ALLOWED_ATTRIBUTES.get(name, set())
    if unknown:
        errors.append(
            _("The tag <%(tag)s> cannot have %(attributes)s.")
            % {"tag": name, "attributes": ", ".join(sorted(unknown))}
        )
    if name == "a" and not attributes.get("href", "").startswith(LINK_SCHEMES):
        errors.append(_('A link needs href="https://…".'))
    return errors


def text_problems(
    text: str, *, variables: tuple[str, ...] | list[str], limit: int = TEXT_LIMIT
) -> list[str]:
    """Return everything wrong with a staff-written text (empty list: fine).

    Checks Telegram HTML, the variables the text may use, and the length, with
    64 characters allowed for each variable's value.
    """
    problems = list(telegram_html_errors(text))
    if not text.strip():
        problems.append(_("The text is empty."))
    used = template_variables(text)
    unknown = used - set(variables)
    if unknown:
        problems.append(
            _("Unknown variables: %(unknown)s. Allowed: %(allowed)s.")
            % {
                "unknown": ", ".join(f"{{{name}}}" for name in sorted(unknown)),
                "allowed": ", ".join(f"{{{name}}}" for name in variables) or "—",
            }
        )
    if telegram_length(text) + 64 * len(used) > limit:
        problems.append(
            _("The text is too long: at most %(limit)d characters.") % {"limit": limit}
        )
    return problems


def plain_text(text: str) -> str:
    """Return the text a recipient sees: tags removed, entities decoded."""
    return html.unescape(TAG.sub("", text))


def telegram_length(text: str) -> int:
    """Count like Telegram: UTF-16 code units of the visible text."""
    return len(plain_text(text).encode("utf-16-le")) // 2


def preview_html(text: str) -> SafeString:
    """Render Telegram HTML for the admin; texts with errors are shown escaped."""
    if telegram_html_errors(text):
        return format_html('<span style="white-space:pre-wrap">{}</span>', text)
    # Checked above: only Telegram's tags, links with safe schemes, entities.
    body = text.replace("\n", "<br>")
    body = body.replace("<tg-spoiler>", '<span class="tg-spoiler">')
    body = body.replace("</tg-spoiler>", "</span>")
    return mark_safe(body)


def buttons_parse(text: str) -> tuple[list[list[dict[str, str]]], list[str]]:
    """Parse "Text | https://link" lines into keyboard rows; return (rows, errors)."""
    rows, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        label, separator, url = (part.strip() for part in line.partition("|"))
        if not separator or not label or not url.startswith(("http://", "https://")):
            errors.append(
                _("Line %(number)d: write “Text | https://link”.") % {"number": number}
            )
            continue
        if len(label) > 64:
            errors.append(
                _("Line %(number)d: a button text has at most 64 characters.")
                % {"number": number}
            )
            continue
        rows.append([{"text": label, "url": url}])
    return rows, errors
