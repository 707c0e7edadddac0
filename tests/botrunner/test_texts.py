# ruff: noqa: RUF001 - Russian texts are meant
import re

import pytest
from django.utils import translation

from botrunner import texts
from moderation import exceptions as moderation_exceptions
from moderation.models import Report

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def sample_context(name: str) -> dict[str, object]:
    template = texts.TEXTS[name]
    if isinstance(template, texts.Plural):
        return {template.count_key: 2}
    return dict.fromkeys(PLACEHOLDER.findall(str(template)), 2)


@pytest.mark.parametrize("name", sorted(texts.TEXTS))
def test_render_every_text_in_both_languages(name):
    context = sample_context(name)

    english, russian = (texts.render(name, lang, **context) for lang in ("en", "ru"))

    assert english
    assert russian
    assert "{" not in english
    assert "{" not in russian
    if not name.startswith("status_registered"):
        assert english != russian


@pytest.mark.parametrize(
    ("count", "english", "russian"),
    [
        (0, "💰 You have 0 points.", "💰 У тебя 0 баллов."),
        (1, "💰 You have 1 point.", "💰 У тебя 1 балл."),
        (2, "💰 You have 2 points.", "💰 У тебя 2 балла."),
        (5, "💰 You have 5 points.", "💰 У тебя 5 баллов."),
        (11, "💰 You have 11 points.", "💰 У тебя 11 баллов."),
        (21, "💰 You have 21 points.", "💰 У тебя 21 балл."),
        (104, "💰 You have 104 points.", "💰 У тебя 104 балла."),
    ],
)
def test_render_balance_plurals(count, english, russian):
    assert texts.render("balance", "en", count=count) == english
    assert texts.render("balance", "ru", count=count) == russian


def test_render_escapes_context_but_not_labels():
    assert texts.render("registered", "en", name="<b>&") == (
        "✅ Thank you, &lt;b&gt;&amp;, you are registered!"
    )
    assert texts.render("button_apply", "en", plain=True, shift="A & B") == (
        "📨 Apply to «A & B»"
    )


def test_render_unknown_language_falls_back_to_the_default(settings):
    settings.LANGUAGE_CODE = "en"

    assert texts.render("help", "de") == texts.render("help", "en")


def test_render_error_has_a_text_for_each_bot_refusal():
    refusals = [
        moderation_exceptions.NoTaskToday(participant="x"),
        moderation_exceptions.ReportUnderReview(),
        moderation_exceptions.ReportAlreadyApproved(),
        moderation_exceptions.ReportAlreadySkipped(),
        moderation_exceptions.ReportAttemptsExhausted(limit=3),
        moderation_exceptions.PhotoRequired(kind="text"),
        moderation_exceptions.PhotoAlreadySent(),
        moderation_exceptions.ParticipantNotRegistered(),
        moderation_exceptions.ParticipantNotMember(participant="x"),
    ]

    replies = [texts.render_error(error, "en") for error in refusals]

    assert len(set(replies)) == len(refusals)
    assert texts.render_error(
        moderation_exceptions.ReportAttemptsExhausted(limit=3), "en"
    ) == (texts.render("attempts_exhausted", "en", limit=3))


def test_render_error_maps_only_known_texts():
    assert set(texts.ERROR_TEXTS.values()) <= set(texts.TEXTS)


def test_variants_cover_both_languages():
    assert texts.variants("button_skip") == {"⏭ Skip task", "⏭ Пропустить задание"}


def test_render_error_words_statuses_in_the_participants_language():
    error = moderation_exceptions.ReportNotWaiting(status=Report.Status.DECLINED.label)
    with translation.override("ru"):
        declined_ru = str(Report.Status.DECLINED.label)

    with translation.override("en"):
        text = texts.render_error(error, "ru")

    assert declined_ru != "Declined"
    assert declined_ru in text
