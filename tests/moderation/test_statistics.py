import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Membership, Shift
from moderation.insights import statistics
from moderation.models import Report, Submission
from notifications.models import OutboxMessage
from tests.factories import MembershipFactory, ReportFactory, ShiftFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shift():
    today = timezone.localdate()
    return ShiftFactory(
        status=Shift.Status.STARTED,
        start_date=today - dt.timedelta(days=4),
        end_date=today + dt.timedelta(days=20),
    )


def report(membership, day_offset: int, status: str, *verdicts: str) -> Report:
    shift = membership.shift
    day = shift.days.get(date=shift.start_date + dt.timedelta(days=day_offset))
    result = ReportFactory(membership=membership, day=day, status=status)
    for attempt, verdict in enumerate(verdicts, start=1):
        Submission.objects.create(
            report=result, attempt=attempt, photo="reports/x.jpg", verdict=verdict
        )
    return result


@pytest.fixture
def programme(shift):
    """Two members with reports on the first days and one excluded member."""
    ann, bob = MembershipFactory.create_batch(2, shift=shift)
    MembershipFactory(shift=shift, status=Membership.Status.EXCLUDED)
    report(ann, 0, Report.Status.APPROVED, "approved")
    report(ann, 1, Report.Status.APPROVED, "declined", "approved")
    report(ann, 2, Report.Status.REVIEWING)
    report(bob, 0, Report.Status.DECLINED, "declined", "declined", "declined")
    report(bob, 1, Report.Status.SKIPPED)
    report(bob, 2, Report.Status.WAITING)
    Membership.objects.filter(pk=ann.pk).update(points=2)
    return {"shift": shift, "ann": ann, "bob": bob}


def test_member_counts_split_active_and_excluded(programme):
    assert statistics.member_counts(programme["shift"]) == {"active": 2, "excluded": 1}
    assert statistics.member_counts() == {"active": 2, "excluded": 1}


def test_review_queue_counts_reviewing_reports(programme):
    queue = statistics.review_queue(programme["shift"])

    assert queue["total"] == 1


def test_reports_per_day_counts_each_status(programme):
    scope = statistics.Scope.for_shift(programme["shift"])

    per_day = statistics.reports_per_day(scope)

    assert per_day["dates"][0] == programme["shift"].start_date
    assert per_day["counts"]["approved"][:3] == [1, 1, 0]
    assert per_day["counts"]["declined"][:3] == [1, 0, 0]
    assert per_day["counts"]["skipped"][:3] == [0, 1, 0]
    assert per_day["counts"]["reviewing"][:3] == [0, 0, 1]


def test_approval_by_attempt_uses_each_verdict(programme):
    scope = statistics.Scope.for_shift(programme["shift"])

    attempts = statistics.approval_by_attempt(scope)

    assert [(row["reviewed"], row["approved"]) for row in attempts] == [
        (3, 1),
        (2, 1),
        (1, 0),
    ]
    assert attempts[0]["rate"] == 33.3


def test_hardest_tasks_lowest_approval_first(programme):
    scope = statistics.Scope.for_shift(programme["shift"])

    hardest = statistics.hardest_tasks(scope)

    assert [task["rate"] for task in hardest] == [50.0, 50.0]
    assert {task["total"] for task in hardest} == {2}


def test_mailing_delivery_rate_from_outbox_statuses(programme):
    ann = programme["ann"].participant
    for number, status in enumerate(["sent", "sent", "sent", "blocked", "pending"]):
        OutboxMessage.objects.create(
            participant=ann,
            kind=OutboxMessage.Kind.MAILING,
            text="Hi",
            dedupe_key=f"m{number}",
            status=status,
        )
    OutboxMessage.objects.create(
        participant=ann, kind="task", text="Task", dedupe_key="t", status="failed"
    )

    delivery = statistics.mailing_delivery(statistics.Scope.recent())

    assert delivery["total"] == 5
    assert (delivery["delivered"], delivery["undelivered"]) == (3, 1)
    assert delivery["in_progress"] == 1
    assert delivery["rate"] == 75.0


def test_leaderboard_counts_points_in_period(programme):
    shift = programme["shift"]
    whole = statistics.Scope.for_shift(shift)
    first_day = statistics.Scope.for_shift(
        shift, start=shift.start_date, end=shift.start_date
    )

    board = statistics.leaderboard(whole)
    first = statistics.leaderboard(first_day)

    assert [(row["membership"], row["points"]) for row in board] == [
        (programme["ann"], 2)
    ]
    assert first[0]["points"] == 1
    assert first[0]["total_points"] == 2


def test_summary_query_count_does_not_grow_with_reports(shift):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            statistics.summary(statistics.Scope.for_shift(shift))
        return len(context)

    member = MembershipFactory(shift=shift)
    report(member, 0, Report.Status.APPROVED, "approved")
    few = queries()
    for offset in range(1, 4):
        other = MembershipFactory(shift=shift)
        report(other, offset, Report.Status.APPROVED, "approved")
        report(other, 0, Report.Status.DECLINED, "declined")

    assert queries() == few


@pytest.fixture
def client_admin(client, admin_user):
    client.force_login(admin_user)
    return client


def test_dashboard_shows_charts(client_admin, programme):
    response = client_admin.get(reverse("admin:index"))

    content = response.content.decode()
    assert 'data-testid="chart-per-day"' in content
    assert 'data-testid="hardest-tasks"' in content
    assert 'data-testid="mailing-delivery"' in content


def test_dashboard_moderator_sees_review_charts_only(client, moderator, programme):
    client.force_login(moderator)

    response = client.get(reverse("admin:index"))

    content = response.content.decode()
    titles = [card["title"] for card in response.context["kpi_cards"]]
    assert titles == ["Reports to review"]
    assert 'data-testid="chart-per-day"' in content
    assert 'data-testid="hardest-tasks"' not in content
    assert 'data-testid="mailing-delivery"' not in content


def test_dashboard_charts_are_computed_once_per_cache_period(client_admin, programme):
    client_admin.get(reverse("admin:index"))
    with CaptureQueriesContext(connection) as first:
        client_admin.get(reverse("admin:index"))
    cache.clear()

    with CaptureQueriesContext(connection) as uncached:
        client_admin.get(reverse("admin:index"))

    assert len(first) < len(uncached)
    assert not any(
        '"moderation_submission"' in q["sql"] for q in first.captured_queries
    )


def test_shift_statistics_page_filters_by_period(client_admin, programme):
    shift = programme["shift"]
    url = reverse("admin:core_shift_statistics_detail", args=[shift.pk])

    response = client_admin.get(
        url, {"start": shift.start_date.isoformat(), "end": shift.start_date}
    )

    assert response.status_code == 200
    stats = response.context["stats"]
    assert stats["scope"].end == shift.start_date
    assert [row["points"] for row in stats["leaderboard"]] == [1]
    assert 'data-testid="leaderboard"' in response.content.decode()


def test_shift_statistics_page_rejects_reversed_period(client_admin, shift):
    url = reverse("admin:core_shift_statistics_detail", args=[shift.pk])

    response = client_admin.get(url, {"start": "2030-01-02", "end": "2030-01-01"})

    assert "must start before it ends" in response.content.decode()
    assert response.context["stats"]["scope"].start == shift.start_date


def test_shift_page_links_to_statistics(client_admin, shift):
    response = client_admin.get(reverse("admin:core_shift_change", args=[shift.pk]))

    url = reverse("admin:core_shift_statistics_detail", args=[shift.pk])
    assert url in response.content.decode()
