"""The dashboard in a real browser: the cards' numbers and the charts drawn."""

import pytest

from core import roles
from core.models import Membership, Shift
from moderation.models import Report, Submission
from notifications.models import OutboxMessage
from tests.factories import ApplicationFactory, MembershipFactory, ReportFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def closed_report(membership: Membership, day: int, status: str, *verdicts: str):
    """A report of day `day` (0-based) with one reviewed photo per verdict."""
    shift = membership.shift
    report = ReportFactory(
        membership=membership, day=shift.days.order_by("date")[day], status=status
    )
    for attempt, verdict in enumerate(verdicts, start=1):
        Submission.objects.create(
            report=report, attempt=attempt, photo="reports/x.jpg", verdict=verdict
        )
    return report


@pytest.fixture
def programme(running_shift, reports_under_review) -> dict:
    """A running shift with reviewed, skipped and queued reports, an excluded
    member, pending applications to the next shift and a mailing's messages."""
    alina, boris = MembershipFactory.create_batch(2, shift=running_shift)
    MembershipFactory(shift=running_shift, status=Membership.Status.EXCLUDED)
    closed_report(alina, 0, Report.Status.APPROVED, "approved")
    closed_report(alina, 1, Report.Status.APPROVED, "declined", "approved")
    closed_report(boris, 0, Report.Status.DECLINED, "declined")
    closed_report(boris, 1, Report.Status.SKIPPED)
    reports_under_review(2)
    ApplicationFactory.create_batch(2)
    for number, status in enumerate(["sent", "sent", "blocked", "pending"]):
        OutboxMessage.objects.create(
            participant=alina.participant,
            kind=OutboxMessage.Kind.MAILING,
            text="Hi",
            dedupe_key=f"mailing-{number}",
            status=status,
        )
    return {"next_shift": Shift.objects.preparing().get()}


def cards(page) -> dict[str, list[str]]:
    """Each card's title -> [value, note]."""
    result = {}
    for card in page.locator("[data-testid=kpi-cards] > a").all():
        title, *rest = (text.strip() for text in card.locator("span").all_inner_texts())
        result[title] = rest
    return result


def chart_data(page, testid: str) -> dict[str, list[float]]:
    """The datasets Chart.js drew on the canvas inside `testid`, by label."""
    selector = f"[data-testid={testid}] canvas"
    # Unfold draws the charts from a script: wait until Chart.js owns the canvas.
    page.wait_for_function(
        "selector => window.Chart && Chart.getChart(document.querySelector(selector))",
        arg=selector,
    )
    return page.locator(selector).evaluate(
        """canvas => {
            if (canvas.width === 0) return null;
            return Object.fromEntries(
                Chart.getChart(canvas).data.datasets.map(set => [set.label, set.data]));
        }"""
    )


def y_ticks(page, testid: str) -> list[float]:
    """The values on the y axis of the chart inside `testid`."""
    return page.locator(f"[data-testid={testid}] canvas").evaluate(
        "canvas => Chart.getChart(canvas).scales.y.ticks.map(tick => tick.value)"
    )


def test_dashboard_coordinator_sees_numbers_and_charts(login, screenshot, programme):
    page = login("coord", role=roles.COORDINATOR)

    screenshot("dashboard-charts")

    assert cards(page) == {
        "Running shifts": ["1", f"Preparing: {programme['next_shift'].title}"],
        "Active members": ["4", "Excluded: 1"],
        "Pending applications": ["2"],
        "Reports to review": ["2", "Oldest waits 1\xa0hour"],
        "Messages waiting to send": ["1", "Failed: 0 · in doubt: 0"],
    }
    per_day = chart_data(page, "chart-per-day")
    assert {status: sum(counts) for status, counts in per_day.items()} == {
        "Approved": 2,
        "Declined": 1,
        "Under review": 2,
        "Waiting for photo": 0,
        "Skipped": 1,
    }
    assert len(per_day["Approved"]) == 30
    # Reports are counted: no "0.5 reports" on the axis.
    assert all(tick == int(tick) for tick in y_ticks(page, "chart-per-day"))
    assert chart_data(page, "chart-attempts") == {"Approved, %": [33.3, 100, 0]}
    hardest = page.locator("[data-testid=hardest-tasks]").inner_text()
    assert hardest.count("(1 of 2)") == 2
    delivery = page.locator("[data-testid=mailing-delivery]").inner_text()
    assert "66.7%" in delivery
    assert "Delivered: 2" in delivery
    assert "Not delivered (failed, blocked, expired): 1" in delivery
    assert "Still sending: 1" in delivery


def test_dashboard_moderator_sees_only_the_review_part(login, screenshot, programme):
    page = login("mod", role=roles.MODERATOR)

    screenshot("dashboard-moderator-charts")

    assert list(cards(page)) == ["Reports to review"]
    assert cards(page)["Reports to review"][0] == "2"
    assert chart_data(page, "chart-per-day")["Under review"][-5] == 2
    assert chart_data(page, "chart-attempts") == {"Approved, %": [33.3, 100, 0]}
    assert page.locator("[data-testid=hardest-tasks]").count() == 0
    assert page.locator("[data-testid=mailing-delivery]").count() == 0
