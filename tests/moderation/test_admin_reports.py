"""The review queue list and a report's review page in the admin."""

import datetime as dt

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from moderation.models import Report
from moderation.review.reviews import report_decline
from tests.factories import (
    ReportFactory,
    ShiftFactory,
    UserFactory,
    report_under_review,
)
from tests.moderation.queue import LIST, QUEUE, change_url, review_url, reviewing

pytestmark = pytest.mark.django_db

START = dt.date(2027, 3, 1)


@pytest.fixture
def shift():
    return ShiftFactory(
        start_date=START, end_date=START + dt.timedelta(days=9), status="started"
    )


def test_review_queue_lists_reports_under_review_oldest_first(client_moderator, shift):
    newer = reviewing(shift, minutes_ago=5)[0]
    older = reviewing(shift, minutes_ago=50)[0]
    ReportFactory(membership__shift=shift, status=Report.Status.APPROVED)

    response = client_moderator.get(QUEUE)

    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].result_list] == [older.pk, newer.pk]
    page = response.content.decode()
    assert older.submissions.get().photo.url in page
    assert "moderation/review.js" in page


def test_review_queue_query_count_does_not_grow_with_page(client_moderator, shift):
    reviewing(shift, 2)
    with CaptureQueriesContext(connection) as few:
        client_moderator.get(QUEUE)
    reviewing(shift, 12)
    with CaptureQueriesContext(connection) as many:
        response = client_moderator.get(QUEUE)

    assert len(response.context["cl"].result_list) == 14
    assert len(many.captured_queries) == len(few.captured_queries)


def test_review_queue_filters(client_moderator, shift, moderator):
    first, second = reviewing(shift, 2)
    client_moderator.post(review_url(first, "approve"))
    task = second.day.task

    by_moderator = client_moderator.get(f"{LIST}?reviewed_by__id__exact={moderator.pk}")
    by_task = client_moderator.get(f"{QUEUE}&day__task__id__exact={task.pk}")
    later = ShiftFactory(start_date=START + dt.timedelta(days=20))
    elsewhere = ReportFactory(membership__shift=later, day=later.days.first())
    by_shift = client_moderator.get(f"{LIST}?day__shift__id__exact={later.pk}")
    by_day = client_moderator.get(f"{LIST}?day__date_from=02.03.2027")

    assert [r.pk for r in by_moderator.context["cl"].result_list] == [first.pk]
    assert [r.pk for r in by_task.context["cl"].result_list] == [second.pk]
    assert list(by_shift.context["cl"].result_list) == [elsewhere]
    assert by_day.status_code == 200


def test_review_queue_flags_duplicates(client_moderator, shift):
    original, copy, lookalike = reviewing(shift, 3)
    copy_photo = copy.submissions.get()
    copy_photo.telegram_file_unique_id = (
        original.submissions.get().telegram_file_unique_id
    )
    copy_photo.save()
    lookalike_photo = lookalike.submissions.get()
    lookalike_photo.near_duplicate_of = original.submissions.get()
    lookalike_photo.save()

    response = client_moderator.get(QUEUE)

    rows = {r.pk: r for r in response.context["cl"].result_list}
    assert (rows[original.pk].file_reused, rows[copy.pk].file_reused) == (True, True)
    assert rows[lookalike.pk].near_duplicate == original.submissions.get().pk
    assert not rows[lookalike.pk].file_reused
    page = response.content.decode()
    assert page.count("same file sent before") == 2
    assert page.count("looks like an earlier photo") == 1


def test_review_page_shows_photo_context_and_attempts(client_moderator, shift):
    [report] = reviewing(
        shift, first_name="Masha", city="Perm", birth_date=dt.date(2015, 1, 1)
    )
    first_photo = report.submissions.get()
    report_decline(report, by=None, reason="Blurred")
    second_photo = report_under_review(report, near_duplicate_of=first_photo)

    response = client_moderator.get(change_url(report))

    page = response.content.decode()
    assert response.status_code == 200
    assert second_photo.photo.url in page
    assert first_photo.photo.url in page
    assert "Masha" in page
    assert "Perm" in page
    assert "12 years" in page
    assert report.day.task.description in page
    assert "day 1 of 10" in page
    assert "Blurred" in page
    assert "Looks nearly identical to an earlier photo" in page
    assert review_url(report, "approve") in page
    assert 'data-review="approve"' in page
    assert 'name="_save"' not in page


def test_review_photo_is_served_to_moderator_only(client, moderator, shift):
    [report] = reviewing(shift)
    url = report.submissions.get().photo.url
    assert url.startswith("/private-media/reports/")

    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory(username="nobody"))
    assert client.get(url).status_code == 403
    client.force_login(moderator)
    assert client.get(url).status_code == 200


def test_review_sidebar_has_queue_for_moderator(client_moderator):
    response = client_moderator.get(reverse("admin:index"))

    assert QUEUE in response.content.decode()


def test_review_static_shortcuts_file_is_served(client_moderator):
    path = finders.find("moderation/review.js")

    assert path is not None
    with open(path, encoding="utf-8") as script:
        source = script.read()
    assert 'find("approve")' in source
    assert 'find("next")' in source


def _member_and_reviewer_links(page: str, report: Report) -> tuple[bool, bool]:
    member = reverse("admin:core_membership_change", args=[report.membership_id])
    reviewer = reverse("admin:core_user_change", args=[report.reviewed_by_id])
    return f'href="{member}"' in page, f'href="{reviewer}"' in page


def test_report_page_names_member_without_link_for_moderator(client_moderator, shift):
    report = ReportFactory(
        membership__shift=shift,
        status=Report.Status.DECLINED,
        reviewed_by=UserFactory(username="reviewer"),
    )

    page = client_moderator.get(change_url(report)).content.decode()

    assert _member_and_reviewer_links(page, report) == (False, False)
    assert str(report.membership) in page
    assert "reviewer" in page
    member_page = reverse("admin:core_membership_change", args=[report.membership_id])
    assert client_moderator.get(member_page).status_code == 403


def test_report_page_links_member_for_coordinator(client, coordinator, shift):
    report = ReportFactory(
        membership__shift=shift,
        status=Report.Status.DECLINED,
        reviewed_by=UserFactory(username="reviewer"),
    )
    client.force_login(coordinator)

    page = client.get(change_url(report)).content.decode()

    # Coordinators manage members, not staff accounts.
    assert _member_and_reviewer_links(page, report) == (True, False)
    assert "reviewer" in page
    member_page = reverse("admin:core_membership_change", args=[report.membership_id])
    assert client.get(member_page).status_code == 200


def test_report_page_links_reviewer_for_administrator(client, administrator, shift):
    report = ReportFactory(
        membership__shift=shift,
        status=Report.Status.DECLINED,
        reviewed_by=UserFactory(username="reviewer"),
    )
    client.force_login(administrator)

    page = client.get(change_url(report)).content.decode()

    assert _member_and_reviewer_links(page, report) == (True, True)
