import pytest
from django.utils.safestring import mark_safe

from notifications.formatting import (
    buttons_parse,
    plain_text,
    preview_html,
    telegram_html_errors,
    telegram_length,
    template_fill,
    text_problems,
)


@pytest.mark.parametrize(
    "text",
    [
        "Plain text",
        "<b>bold</b> <i>it</i> <u>u</u> <s>s</s> <tg-spoiler>x</tg-spoiler>",
        '<a href="https://example.org/a?b=1&amp;c=2">link</a>',
        '<pre><code class="language-python">x &lt; 1</code></pre>',
        "<blockquote expandable>quote</blockquote> 5 &gt; 3 &#128512;",
        "Arrows -> are fine",
    ],
)
def test_telegram_html_errors_accepts_what_telegram_parses(text):
    assert telegram_html_errors(text) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<div>block</div>", "does not support the tag <div>"),
        ("<b>open", "<b> is not closed"),
        ("<b><i>x</b></i>", "</b> matches no open tag"),
        ("1 < 2", "write &lt;"),
        ("Tom & Jerry", "write &amp;"),
        ('<a href="javascript:alert(1)">x</a>', 'href="https://'),
        ("<a>x</a>", 'href="https://'),
        ('<b onclick="x()">x</b>', "cannot have onclick"),
        ('<a href="https://x/{name}">x</a>', "Variables cannot be used inside a tag"),
    ],
)
def test_telegram_html_errors_explains_what_telegram_refuses(text, problem):
    errors = telegram_html_errors(text)

    assert any(problem in error for error in errors), errors


def test_template_fill_escapes_values_and_keeps_unknown_variables():
    text = template_fill(
        "Hi {name}, {unknown} {safe}",
        {"name": "<Tom & Co>", "safe": mark_safe("<b>ok</b>")},
    )

    assert text == "Hi &lt;Tom &amp; Co&gt;, {unknown} <b>ok</b>"


def test_template_fill_does_not_reach_attributes():
    assert template_fill("{name.__class__}", {"name": "x"}) == "{name.__class__}"


def test_telegram_length_counts_visible_utf16_units():
    assert plain_text("<b>a</b> &amp;") == "a &"
    assert telegram_length("<b>a</b>😀") == 3


def test_text_problems_lists_unknown_variables_and_length():
    problems = text_problems("{name} {age}", variables=("name",), limit=50)

    assert any("{age}" in problem for problem in problems)
    assert any("too long" in problem for problem in problems)


def test_text_problems_empty_text():
    assert text_problems("  ", variables=()) == ["The text is empty."]


def test_buttons_parse_reads_lines_and_reports_bad_ones():
    rows, errors = buttons_parse(
        "Rules | https://example.org/rules\n\nbroken line\nX | ftp://nope"
    )

    assert rows == [[{"text": "Rules", "url": "https://example.org/rules"}]]
    assert errors == [
        "Line 3: write “Text | https://link”.",
        "Line 4: write “Text | https://link”.",
    ]


def test_preview_html_renders_checked_html_and_escapes_the_rest():
    assert preview_html("<b>Hi</b>\nthere") == "<b>Hi</b><br>there"
    assert "&lt;script&gt;" in preview_html("<script>alert(1)</script>")
