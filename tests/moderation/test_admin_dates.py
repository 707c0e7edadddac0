"""Dates in the admin: one format per language, the same moment shown alike."""

import datetime as dt
import importlib
import zoneinfo

import pytest
from django.conf import settings
from django.utils import dateformat, translation

from moderation.models import Submission
from tests.factories import MembershipFactory, ReportFactory, ShiftFactory
from tests.factories import report_under_review as under_review
from tests.moderation.queue import QUEUE, change_url

pytestmark = pytest.mark.django_db

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")
DAY = dt.date(2026, 12, 6)
FIRST_SENT = dt.datetime(2026, 12, 6, 10, 5, 12, tzinfo=MOSCOW)
FIRST_REVIEWED = dt.datetime(2026, 12, 6, 11, 30, 2, tzinfo=MOSCOW)
SENT = dt.datetime(2026, 12, 6, 21, 18, 40, tzinfo=MOSCOW)
# The project's formats (core/formats/): what a coordinator reads.
EXPECTED = {
    "en": {"SENT": "Dec. 6, 2026, 21:18", "DAY": "Dec. 6, 2026"},
    "ru": {"SENT": "06.12.2026 21:18", "DAY": "06.12.2026"},
}


@pytest.fixture
def report(settings):
    settings.TIME_ZONE = "Europe/Moscow"
    shift = ShiftFactory(
        start_date=DAY - dt.timedelta(days=5),
        end_date=DAY + dt.timedelta(days=20),
        status="started",
    )
    report = ReportFactory(
        membership=MembershipFactory(shift=shift), day=shift.days.get(date=DAY)
    )
    first = under_review(report, at=FIRST_SENT)
    Submission.objects.filter(pk=first.pk).update(
        created_at=FIRST_SENT,
        verdict="declined",
        decline_reason="Blurred",
        reviewed_at=FIRST_REVIEWED,
    )
    latest = under_review(report, at=SENT)
    # The bot stores the photo and the report's time in one step.
    Submission.objects.filter(pk=latest.pk).update(created_at=SENT)
    return report


def page(client, url: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def django_default_renderings(moment: dt.datetime, language: str) -> set[str]:
    """The moment as Django's own locale formats would show it."""
    defaults = importlib.import_module(f"django.conf.locale.{language}.formats")
    local = moment.astimezone(MOSCOW)
    with translation.override(language):
        return {
            dateformat.format(local, getattr(defaults, name))
            for name in (
                "DATE_FORMAT",
                "DATETIME_FORMAT",
                "SHORT_DATE_FORMAT",
                "SHORT_DATETIME_FORMAT",
            )
        }


@pytest.mark.parametrize("language", ["en", "ru"])
def test_report_page_shows_the_sent_moment_alike_in_panel_and_fields(
    client_moderator, report, language
):
    expected = EXPECTED[language]

    html = page(client_moderator, change_url(report), language)

    panel, _, fields = html.partition("</section>")
    assert "data-review-panel" in panel
    # "Attempt 2, sent …" above the photo, and the attempts table.
    assert panel.count(expected["SENT"]) == 2
    assert f"({expected['DAY']})" in panel
    # The read-only "submitted at" field below the panel.
    assert expected["SENT"] in fields
    for other in django_default_renderings(SENT, language) - set(expected.values()):
        assert other not in html


@pytest.mark.parametrize("language", ["en", "ru"])
def test_report_page_attempts_table_uses_the_same_format(
    client_moderator, report, language
):
    first_sent, first_reviewed = {
        "en": ("Dec. 6, 2026, 10:05", "Dec. 6, 2026, 11:30"),
        "ru": ("06.12.2026 10:05", "06.12.2026 11:30"),
    }[language]

    html = page(client_moderator, change_url(report), language)

    assert first_sent in html
    assert first_reviewed in html


@pytest.mark.parametrize("language", ["en", "ru"])
def test_review_queue_lists_the_sent_moment_in_the_same_format(
    client_moderator, report, language
):
    html = page(client_moderator, QUEUE, language)

    assert EXPECTED[language]["SENT"] in html
    assert EXPECTED[language]["DAY"] in html
    for other in django_default_renderings(SENT, language) - set(
        EXPECTED[language].values()
    ):
        assert other not in html
