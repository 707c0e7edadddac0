"""Retention and erasure as staff meet them in a real browser."""

import datetime as dt

import pytest
from django.urls import reverse

from core import roles
from core.models import Participant
from moderation.cycle.clock import tick
from tests.factories import ParticipantFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def broken_images(page) -> int:
    """Images on the page that the browser could not load."""
    return page.evaluate(
        "Array.from(document.images).filter(img => img.complete && "
        "img.naturalWidth === 0).length"
    )


def test_review_page_of_a_removed_photo_says_so(
    login, screenshot, reports_under_review, running_shift
):
    [report] = reports_under_review(1)
    old = report.submissions.get().photo.url
    page = login("mod", role=roles.MODERATOR)
    page.goto(reverse("admin:moderation_report_change", args=[report.pk]))
    assert page.locator("img.review-photo-large").count() == 1
    # Finished long ago: the next tick deletes its photos.
    type(running_shift).objects.filter(pk=running_shift.pk).update(
        status="finished", finished_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    tick(now=dt.datetime.now(dt.UTC))

    page.goto(reverse("admin:moderation_report_change", args=[report.pk]))

    assert (
        page.locator(".review-photo-removed")
        .inner_text()
        .startswith("Photo removed on")
    )
    assert page.locator("img.review-photo-large").count() == 0
    assert broken_images(page) == 0
    assert page.request.get(old).status == 404
    page.goto("/admin/moderation/report/")
    assert "photo removed" in page.locator("#result_list").inner_text()
    screenshot("review-photo-removed")


def test_administrator_erases_a_participant_after_confirming(login, screenshot):
    participant = ParticipantFactory(first_name="Masha", last_name="Petrova")
    page = login("admin", role=roles.ADMINISTRATOR)
    page.goto(reverse("admin:core_participant_change", args=[participant.pk]))

    page.get_by_role("link", name="Erase participant").click()
    page.wait_for_url("**/erase/")
    assert "deleted for good" in page.content()
    screenshot("erase-participant-confirm")
    page.get_by_role("button", name="Yes, I'm sure").click()
    page.wait_for_url(f"**/{participant.pk}/change/")

    assert "1 object done." in page.content()
    assert f"Erased participant #{participant.pk}" in page.content()
    assert page.locator("input[name=first_name]").count() == 0
    assert Participant.objects.get(pk=participant.pk).is_erased
    screenshot("erased-participant")


def test_coordinator_has_no_erase_button(login):
    participant = ParticipantFactory()
    page = login("coord", role=roles.COORDINATOR)

    page.goto(reverse("admin:core_participant_change", args=[participant.pk]))

    assert page.get_by_role("link", name="Erase participant").count() == 0
