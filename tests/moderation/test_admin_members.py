"""The members' admin: the list with report counts, and each member's calendar."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from moderation.models import Report
from tests.factories import MembershipFactory, ReportFactory, ShiftFactory

pytestmark = pytest.mark.django_db

START = dt.date(2027, 3, 1)
LIST = reverse("admin:core_membership_changelist")


@pytest.fixture
def shift():
    return ShiftFactory(
        start_date=START, end_date=START + dt.timedelta(days=6), status="started"
    )


def with_reports(shift, statuses: list[str]):
    membership = MembershipFactory(shift=shift)
    for day, status in zip(shift.days.order_by("date"), statuses, strict=False):
        ReportFactory(membership=membership, day=day, status=status)
    return membership


def test_membership_list_counts_reports(client, coordinator, shift):
    member = with_reports(shift, ["approved", "skipped", "approved", "declined"])
    client.force_login(coordinator)

    response = client.get(LIST)

    [row] = response.context["cl"].result_list
    assert row == member
    assert (row.approved, row.skipped) == (2, 1)


def test_membership_list_query_count_does_not_grow_with_page(
    client, coordinator, shift
):
    client.force_login(coordinator)
    with_reports(shift, ["approved"])
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _member in range(8):
        with_reports(shift, ["approved", "skipped"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)

    assert len(response.context["cl"].result_list) == 9
    assert len(many.captured_queries) == len(few.captured_queries)


def test_membership_page_shows_calendar_points_and_streak(client, coordinator, shift):
    member = with_reports(
        shift,
        ["not_participate", "approved", "skipped", "approved", "approved", "reviewing"],
    )
    member.points = 3
    member.save()
    with time_machine.travel(shift.moment_at(START + dt.timedelta(days=5), 12)):
        client.force_login(coordinator)
        response = client.get(reverse("admin:core_membership_change", args=[member.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    for status in ["not_participate", "approved", "skipped", "reviewing"]:
        assert f"member-day member-day-{status}" in page
    assert page.count('class="member-day member-day-approved"') == 3 + 1  # + legend
    assert "2 approved days in a row now; best 2" in page
    report = Report.objects.get(
        membership=member, day__date=START + dt.timedelta(days=1)
    )
    assert reverse("admin:moderation_report_change", args=[report.pk]) in page
