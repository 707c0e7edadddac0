"""The review queue in a real browser: photos from private storage and the keys."""

import datetime as dt

import pytest
from django.urls import reverse

from core import roles
from core.models import User
from moderation.admin.review import CANNED_REASONS
from moderation.models import Report
from notifications.models import OutboxMessage
from tests.browser.conftest import PHOTO_SIDE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

QUEUE = "/admin/moderation/report/?status__exact=reviewing"


def change_url(report: Report) -> str:
    return reverse("admin:moderation_report_change", args=[report.pk])


def photo_width(page) -> int:
    """The decoded width of the large photo, once the browser has loaded it."""
    photo = page.locator("img.review-photo-large")
    photo.wait_for()
    return photo.evaluate(
        "img => img.complete ? img.naturalWidth : new Promise(done =>"
        " { img.onload = () => done(img.naturalWidth); img.onerror = () => done(0); })"
    )


def test_review_queue_opens_report_with_its_private_photo(
    login, screenshot, reports_under_review
):
    first, _ = reports_under_review(2)
    page = login("mod", role=roles.MODERATOR)

    page.goto(QUEUE)
    assert page.locator("img.review-thumb").count() == 2
    # Rows link to the report within the list (its preserved filters).
    page.locator(f'a[href^="{change_url(first)}?_changelist_filters="]').first.click()
    page.wait_for_url(f"**{change_url(first)}?_changelist_filters=*")

    assert photo_width(page) == PHOTO_SIDE
    source = page.locator("img.review-photo-large").get_attribute("src")
    assert source.startswith("/private-media/reports/")
    answer = page.request.get(source)
    assert answer.status == 200
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.body()[:3] == b"\xff\xd8\xff"
    screenshot("review-report")


def test_review_photo_is_not_served_without_login(
    browser, live_server, reports_under_review
):
    [report] = reports_under_review(1)
    photo = report.submissions.get().photo.url
    context = browser.new_context(base_url=live_server.url)

    answer = context.request.get(photo, max_redirects=0)

    assert answer.status == 302
    assert "/admin/login/" in answer.headers["location"]
    context.close()


def test_review_keys_approve_decline_and_next(login, screenshot, reports_under_review):
    approve_me, decline_me, skip_me, last = reports_under_review(4)
    page = login("mod", role=roles.MODERATOR)
    moderator = User.objects.get(username="mod")
    page.goto(change_url(approve_me))
    assert photo_width(page) == PHOTO_SIDE

    # given the first report: A approves it and the next one opens
    page.keyboard.press("a")
    page.wait_for_url(f"**{change_url(decline_me)}")

    approve_me.refresh_from_db()
    assert approve_me.status == Report.Status.APPROVED
    assert approve_me.reviewed_by == moderator
    assert approve_me.membership.points == 1
    assert approve_me.submissions.get().reviewed_by == moderator
    [told] = OutboxMessage.objects.filter(participant=approve_me.membership.participant)
    assert told.kind == OutboxMessage.Kind.REVIEW
    assert told.status == OutboxMessage.Status.PENDING

    # D, then 2 picks the second reason, Enter declines
    assert photo_width(page) == PHOTO_SIDE
    page.keyboard.press("d")
    page.keyboard.press("2")
    assert page.locator("input[name=canned]:checked").get_attribute("value") == (
        "not_visible"
    )
    screenshot("review-decline-reason")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{change_url(skip_me)}")

    decline_me.refresh_from_db()
    assert decline_me.status == Report.Status.DECLINED
    assert decline_me.decline_reason == str(CANNED_REASONS["not_visible"])
    assert decline_me.reviewed_by == moderator
    assert decline_me.membership.points == 0
    assert OutboxMessage.objects.filter(
        participant=decline_me.membership.participant, kind=OutboxMessage.Kind.REVIEW
    ).exists()

    # N moves on and leaves the report as it was
    page.keyboard.press("n")
    page.wait_for_url(f"**{change_url(last)}")

    skip_me.refresh_from_db()
    assert skip_me.status == Report.Status.REVIEWING
    assert skip_me.reviewed_by is None


def test_review_keys_stay_within_filtered_queue(
    login, screenshot, running_shift, reports_under_review
):
    first_day = running_shift.start_date
    # Sent in turns with the second day's: the whole queue alternates the days.
    first, second, third = reports_under_review(3)
    others = reports_under_review(2, on=first_day + dt.timedelta(days=1))
    page = login("mod", role=roles.MODERATOR)
    page.goto(
        f"{QUEUE}&day__date_from={first_day:%Y-%m-%d}&day__date_to={first_day:%Y-%m-%d}"
    )
    assert page.locator("img.review-thumb").count() == 3

    # given the first day's queue: its first report opens from the list
    page.locator(f'a[href^="{change_url(first)}?_changelist_filters="]').first.click()
    page.wait_for_url(f"**{change_url(first)}?_changelist_filters=*")

    # N skips to the next report of that day, not to the other day's in between
    page.keyboard.press("n")
    page.wait_for_url(f"**{change_url(second)}?_changelist_filters=*")
    # A approves and opens the next one of the day, then wraps to the skipped one
    page.keyboard.press("a")
    page.wait_for_url(f"**{change_url(third)}?_changelist_filters=*")
    page.keyboard.press("a")
    page.wait_for_url(f"**{change_url(first)}?_changelist_filters=*")
    # the last one of the day: back to the day's list, which says so
    page.keyboard.press("a")
    page.wait_for_url(f"**{QUEUE}&day__date_from=*")

    assert page.get_by_text("No more reports to review in this list.").is_visible()
    screenshot("review-filtered-queue-done")
    statuses = {r.pk: r.status for r in Report.objects.all()}
    assert {statuses[r.pk] for r in (first, second, third)} == {Report.Status.APPROVED}
    assert {statuses[r.pk] for r in others} == {Report.Status.REVIEWING}


def test_review_keys_typed_into_reason_text_do_nothing(login, reports_under_review):
    report, _ = reports_under_review(2)
    page = login("mod", role=roles.MODERATOR)
    page.goto(change_url(report))

    page.fill("textarea[name=text]", "")
    page.locator("textarea[name=text]").press_sequentially("and")
    page.wait_for_load_state("networkidle")

    assert page.input_value("textarea[name=text]") == "and"
    assert page.url.endswith(change_url(report))
    report.refresh_from_db()
    assert report.status == Report.Status.REVIEWING


@pytest.mark.parametrize(
    "url",
    [
        "/admin/notifications/mailing/",
        "/admin/notifications/mailing/add/",
        "/admin/moderation/report/export/",
        "/admin/core/participant/export/",
    ],
)
def test_moderator_cannot_open_mailings_or_exports(login, url):
    page = login("mod", role=roles.MODERATOR)

    response = page.goto(url)

    assert response.status == 403
