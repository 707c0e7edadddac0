"""The review queue in the admin, driven through the Django test client."""

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Shift
from moderation.models import Report
from moderation.services import report_decline
from notifications.models import OutboxMessage
from tests.factories import (
    MembershipFactory,
    ReportFactory,
    ShiftFactory,
    UserFactory,
    report_under_review,
)

pytestmark = pytest.mark.django_db

START = dt.date(2027, 3, 1)
LIST = reverse("admin:moderation_report_changelist")
QUEUE = f"{LIST}?status__exact=reviewing"


@pytest.fixture
def shift():
    return ShiftFactory(
        start_date=START, end_date=START + dt.timedelta(days=9), status="started"
    )


@pytest.fixture
def client_moderator(client, moderator):
    client.force_login(moderator)
    return client


def reviewing(shift, count=1, *, minutes_ago=60, **participant) -> list[Report]:
    """Reports under review, the first one sent longest ago."""
    reports = []
    for index in range(count):
        report = ReportFactory(
            membership=MembershipFactory(
                shift=shift,
                **{f"participant__{k}": v for k, v in participant.items()},
            ),
            day=shift.days.get(date=START),
        )
        at = timezone.now() - dt.timedelta(minutes=minutes_ago - index)
        report_under_review(report, at=at)
        reports.append(report)
    return reports


def change_url(report: Report) -> str:
    return reverse("admin:moderation_report_change", args=[report.pk])


def run_action(client, action: str, reports, **extra):
    return client.post(
        LIST,
        {"action": action, ACTION_CHECKBOX_NAME: [r.pk for r in reports], **extra},
        follow=True,
    )


def status_of(report: Report) -> str:
    report.refresh_from_db()
    return report.status


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
    client_moderator.post(reverse("admin:moderation_report_approve", args=[first.pk]))
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
    assert reverse("admin:moderation_report_approve", args=[report.pk]) in page
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


def test_review_approve_from_page_goes_to_next_report(client_moderator, shift):
    first, second = reviewing(shift, 2)

    response = client_moderator.post(
        reverse("admin:moderation_report_approve", args=[first.pk])
    )

    assert status_of(first) == Report.Status.APPROVED
    assert response.url == change_url(second)
    first.membership.refresh_from_db()
    assert first.membership.points == 1


def test_review_approve_last_goes_to_queue(client_moderator, shift):
    [report] = reviewing(shift)

    response = client_moderator.post(
        reverse("admin:moderation_report_approve", args=[report.pk])
    )

    assert response.url == QUEUE


def test_review_approve_needs_post(client_moderator, shift):
    [report] = reviewing(shift)

    client_moderator.get(reverse("admin:moderation_report_approve", args=[report.pk]))

    assert status_of(report) == Report.Status.REVIEWING


def test_review_approve_from_list_row_returns_to_list(client_moderator, shift):
    first, _second = reviewing(shift, 2)
    page = client_moderator.get(QUEUE).content.decode()
    assert 'form="changelist-form"' in page
    assert 'data-review="row-approve"' in page

    response = client_moderator.post(
        reverse("admin:moderation_report_approve", args=[first.pk]),
        {"next": QUEUE, ACTION_CHECKBOX_NAME: []},
    )

    assert status_of(first) == Report.Status.APPROVED
    assert response.url == QUEUE


def test_review_approve_ignores_foreign_next(client_moderator, shift):
    [report] = reviewing(shift)

    response = client_moderator.post(
        reverse("admin:moderation_report_approve", args=[report.pk]),
        {"next": "https://evil.example/"},
    )

    assert response.url == QUEUE


def test_review_approve_twice_is_refused_with_message(client_moderator, shift):
    [report] = reviewing(shift)
    url = reverse("admin:moderation_report_approve", args=[report.pk])
    client_moderator.post(url)

    response = client_moderator.post(url, follow=True)

    assert "not under review" in response.content.decode()
    report.membership.refresh_from_db()
    assert report.membership.points == 1


def test_review_decline_from_page_with_canned_reason_in_participant_language(
    client_moderator, shift, outbox
):
    [report] = reviewing(shift, language="ru")

    client_moderator.post(
        reverse("admin:moderation_report_decline", args=[report.pk]),
        {"decline": "1", "canned": "blurred", "text": "Сфотографируй при свете."},
    )

    report.refresh_from_db()
    assert report.status == Report.Status.DECLINED
    assert (
        report.decline_reason
        == "Фото размыто или слишком тёмное. Сфотографируй при свете."
    )
    assert "Осталось попыток: 2" in outbox()[-1].text


def test_review_decline_without_reason_asks_again(client_moderator, shift):
    [report] = reviewing(shift)

    response = client_moderator.post(
        reverse("admin:moderation_report_decline", args=[report.pk]),
        {"decline": "1", "text": "  "},
    )

    assert response.status_code == 200
    assert "Choose a reason or write one." in response.content.decode()
    assert status_of(report) == Report.Status.REVIEWING


def test_review_approve_selected_in_bulk(client_moderator, shift, outbox):
    reports = reviewing(shift, 3)
    waiting = ReportFactory(membership__shift=shift)

    response = run_action(client_moderator, "approve_selected", [*reports, waiting])

    assert {status_of(r) for r in reports} == {Report.Status.APPROVED}
    assert status_of(waiting) == Report.Status.WAITING
    page = response.content.decode()
    assert "3 objects done." in page
    assert "Refused" in page
    assert len(outbox()) == 3


def test_review_decline_selected_asks_for_reason(client_moderator, shift):
    reports = reviewing(shift, 2)

    response = run_action(client_moderator, "decline_selected", reports)

    page = response.content.decode()
    assert "The photo is blurred or too dark." in page
    assert {status_of(r) for r in reports} == {Report.Status.REVIEWING}


def test_review_decline_selected_with_free_text(client_moderator, shift, outbox):
    reports = reviewing(shift, 2)

    run_action(
        client_moderator,
        "decline_selected",
        reports,
        decline="1",
        text="Wrong task",
    )

    assert {status_of(r) for r in reports} == {Report.Status.DECLINED}
    assert {m.kind for m in outbox()} == {OutboxMessage.Kind.REVIEW}
    assert all("declined: Wrong task" in m.text for m in outbox())


def test_review_next_opens_oldest_report(client_moderator, shift):
    older, _newer = reviewing(shift, 2)

    response = client_moderator.get(reverse("admin:moderation_report_next"))

    assert response.url == change_url(older)


def test_review_page_next_skips_to_following_and_wraps(client_moderator, shift):
    first, second = reviewing(shift, 2)

    on_first = client_moderator.get(change_url(first)).context["review"]
    on_second = client_moderator.get(change_url(second)).context["review"]

    assert on_first["next_report"] == second
    assert on_second["next_report"] == first


def test_review_needs_review_permission(client, shift):
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_report"),
        Permission.objects.get(codename="change_report"),
    )
    client.force_login(viewer)
    [report] = reviewing(shift)

    page = client.get(change_url(report)).content.decode()
    response = client.post(reverse("admin:moderation_report_approve", args=[report.pk]))
    declined = client.post(
        reverse("admin:moderation_report_decline", args=[report.pk]),
        {"decline": "1", "text": "No"},
    )

    assert 'data-review="approve"' not in page
    assert (response.status_code, declined.status_code) == (403, 403)
    assert status_of(report) == Report.Status.REVIEWING


def test_review_coordinator_can_review(client, coordinator, shift):
    client.force_login(coordinator)
    [report] = reviewing(shift)

    client.post(reverse("admin:moderation_report_approve", args=[report.pk]))

    assert status_of(report) == Report.Status.APPROVED


def test_review_of_last_report_finishes_ready_shift(client_moderator, shift):
    [report] = reviewing(shift)
    Shift.objects.filter(pk=shift.pk).update(status=Shift.Status.READY_FOR_COMPLETE)

    client_moderator.post(reverse("admin:moderation_report_approve", args=[report.pk]))

    shift.refresh_from_db()
    assert shift.status == Shift.Status.FINISHED


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
