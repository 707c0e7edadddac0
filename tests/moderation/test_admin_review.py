"""Reviews in the admin: approve and decline on the page, per row and in bulk."""

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.models import Shift
from moderation.models import Report
from notifications.models import OutboxMessage
from tests.factories import ReportFactory, ShiftFactory, UserFactory
from tests.moderation.queue import (
    QUEUE,
    change_url,
    review_url,
    reviewing,
    run_action,
    status_of,
)

pytestmark = pytest.mark.django_db

START = dt.date(2027, 3, 1)


@pytest.fixture
def shift():
    return ShiftFactory(
        start_date=START, end_date=START + dt.timedelta(days=9), status="started"
    )


def test_review_approve_from_page_goes_to_next_report(client_moderator, shift):
    first, second = reviewing(shift, 2)

    response = client_moderator.post(review_url(first, "approve"))

    assert status_of(first) == Report.Status.APPROVED
    assert response.url == change_url(second)
    first.membership.refresh_from_db()
    assert first.membership.points == 1


def test_review_approve_last_goes_to_queue(client_moderator, shift):
    [report] = reviewing(shift)

    response = client_moderator.post(review_url(report, "approve"))

    assert response.url == QUEUE


def test_review_approve_needs_post(client_moderator, shift):
    [report] = reviewing(shift)

    client_moderator.get(review_url(report, "approve"))

    assert status_of(report) == Report.Status.REVIEWING


def test_review_approve_from_list_row_returns_to_list(client_moderator, shift):
    first, _second = reviewing(shift, 2)
    page = client_moderator.get(QUEUE).content.decode()
    assert 'form="changelist-form"' in page
    assert 'data-review="row-approve"' in page

    response = client_moderator.post(
        review_url(first, "approve"), {"next": QUEUE, ACTION_CHECKBOX_NAME: []}
    )

    assert status_of(first) == Report.Status.APPROVED
    assert response.url == QUEUE


def test_review_approve_ignores_foreign_next(client_moderator, shift):
    [report] = reviewing(shift)

    response = client_moderator.post(
        review_url(report, "approve"), {"next": "https://evil.example/"}
    )

    assert response.url == QUEUE


def test_review_approve_twice_is_refused_with_message(client_moderator, shift):
    [report] = reviewing(shift)
    url = review_url(report, "approve")
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
        review_url(report, "decline"),
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
        review_url(report, "decline"), {"decline": "1", "text": "  "}
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
        client_moderator, "decline_selected", reports, decline="1", text="Wrong task"
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
    response = client.post(review_url(report, "approve"))
    declined = client.post(
        review_url(report, "decline"), {"decline": "1", "text": "No"}
    )

    assert 'data-review="approve"' not in page
    assert (response.status_code, declined.status_code) == (403, 403)
    assert status_of(report) == Report.Status.REVIEWING


def test_review_coordinator_can_review(client, coordinator, shift):
    client.force_login(coordinator)
    [report] = reviewing(shift)

    client.post(review_url(report, "approve"))

    assert status_of(report) == Report.Status.APPROVED


def test_review_of_last_report_finishes_ready_shift(client_moderator, shift):
    [report] = reviewing(shift)
    Shift.objects.filter(pk=shift.pk).update(status=Shift.Status.READY_FOR_COMPLETE)

    client_moderator.post(review_url(report, "approve"))

    shift.refresh_from_db()
    assert shift.status == Shift.Status.FINISHED
