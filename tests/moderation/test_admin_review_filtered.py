"""The review queue as the moderator filtered it: "next" stays within the list."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from moderation.models import Report
from tests.factories import ShiftFactory
from tests.moderation.queue import (
    LIST,
    change_url,
    review_url,
    reviewing,
    status_of,
)

pytestmark = pytest.mark.django_db

START = dt.date(2027, 3, 1)
NO_MORE = "No more reports to review in this list."


@pytest.fixture
def shifts():
    """Two started shifts, the second one after the first."""
    first = ShiftFactory(
        start_date=START, end_date=START + dt.timedelta(days=9), status="started"
    )
    second = ShiftFactory(
        start_date=START + dt.timedelta(days=10),
        end_date=START + dt.timedelta(days=19),
        status="started",
    )
    return first, second


@pytest.fixture
def interleaved(shifts):
    """Reports under review sent in turns by the two shifts' members, oldest
    first: (first shift's, second's, first's, second's)."""
    first, second = shifts
    a1, a2 = reviewing(first, 2, minutes_ago=60)
    b1, b2 = reviewing(second, 2, minutes_ago=59.5)
    # Sent 60, 59.5, 59 and 58.5 minutes ago: a1, b1, a2, b2 in the queue's order.
    return a1, b1, a2, b2


def of_shift(shift, **more: str) -> str:
    """The list's query string filtered to the reports under review of `shift`."""
    return urlencode(
        {"status__exact": "reviewing", "day__shift__id__exact": shift.pk, **more}
    )


def within(url: str, filters: str) -> str:
    """`url` as Django's admin links it from a filtered list."""
    return f"{url}?{urlencode({'_changelist_filters': filters})}"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_review_approve_in_filtered_list_goes_to_next_of_that_list(
    client_moderator, shifts, interleaved
):
    a1, _b1, a2, _b2 = interleaved
    filters = of_shift(shifts[0])

    response = client_moderator.post(within(review_url(a1, "approve"), filters))

    assert status_of(a1) == Report.Status.APPROVED
    assert response.url == within(change_url(a2), filters)


def test_review_approve_last_of_filtered_list_returns_to_it_with_message(
    client_moderator, shifts, interleaved
):
    a1, _b1, a2, _b2 = interleaved
    filters = of_shift(shifts[0])
    client_moderator.post(within(review_url(a1, "approve"), filters))

    response = client_moderator.post(within(review_url(a2, "approve"), filters))

    assert status_of(a2) == Report.Status.APPROVED
    assert response.url == f"{LIST}?{filters}"
    assert NO_MORE in messages_of(response)


def test_review_decline_in_filtered_list_goes_to_next_of_that_list(
    client_moderator, shifts, interleaved
):
    _a1, b1, _a2, b2 = interleaved
    filters = of_shift(shifts[1])

    response = client_moderator.post(
        within(review_url(b1, "decline"), filters), {"decline": "1", "text": "No"}
    )

    assert status_of(b1) == Report.Status.DECLINED
    assert response.url == within(change_url(b2), filters)


def test_review_page_next_stays_in_filtered_list_and_wraps_in_it(
    client_moderator, shifts, interleaved
):
    a1, _b1, a2, _b2 = interleaved
    filters = of_shift(shifts[0])

    on_a1 = client_moderator.get(within(change_url(a1), filters)).context["review"]
    on_a2 = client_moderator.get(within(change_url(a2), filters)).context["review"]

    assert on_a1["next_report"] == a2
    assert on_a1["next_url"] == within(change_url(a2), filters)
    assert on_a2["next_report"] == a1
    assert on_a1["approve_url"] == within(review_url(a1, "approve"), filters)
    assert on_a1["queue_url"] == f"{LIST}?{filters}"


def test_review_page_next_follows_the_lists_order(
    client_moderator, shifts, interleaved
):
    a1, _b1, a2, _b2 = interleaved
    [a3] = reviewing(shifts[0], minutes_ago=30)
    # Sorted by the "submitted at" column (the 8th after the checkbox), newest
    # first: a3, a2, a1.
    filters = of_shift(shifts[0], o="-8")

    on_a2 = client_moderator.get(within(change_url(a2), filters)).context["review"]
    on_a1 = client_moderator.get(within(change_url(a1), filters)).context["review"]

    assert on_a2["next_report"] == a1
    assert on_a1["next_report"] == a3


def test_review_next_view_opens_first_report_of_filtered_list(
    client_moderator, shifts, interleaved
):
    _a1, b1, _a2, _b2 = interleaved
    filters = of_shift(shifts[1])

    response = client_moderator.get(
        within(reverse("admin:moderation_report_next"), filters)
    )

    assert response.url == within(change_url(b1), filters)


def test_review_next_view_of_empty_filtered_list_returns_to_it_with_message(
    client_moderator, shifts
):
    reviewing(shifts[1])
    filters = of_shift(shifts[0])

    response = client_moderator.get(
        within(reverse("admin:moderation_report_next"), filters)
    )

    assert response.url == f"{LIST}?{filters}"
    assert messages_of(response) == [NO_MORE]


def test_review_next_with_nonsense_filters_uses_whole_queue(
    client_moderator, shifts, interleaved
):
    a1, b1, _a2, _b2 = interleaved
    filters = "day__shift__id__exact=not-a-number"

    response = client_moderator.get(within(change_url(a1), filters))

    assert response.status_code == 200
    assert response.context["review"]["next_report"] == b1


def test_review_queue_links_carry_its_filters(client_moderator, shifts, interleaved):
    a1, _b1, _a2, _b2 = interleaved
    filters = of_shift(shifts[0])

    page = client_moderator.get(f"{LIST}?{filters}").content.decode()

    preserved = urlencode({"_changelist_filters": filters}).replace("&", "&amp;")
    assert f"{reverse('admin:moderation_report_next')}?{preserved}" in page
    assert f'href="{change_url(a1)}?{preserved}" class="review-button"' in page
