"""Reports under review for the admin tests, and the admin's review URLs."""

import datetime as dt

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from core.models import Shift
from moderation.models import Report
from tests.factories import MembershipFactory, ReportFactory, report_under_review

LIST = reverse("admin:moderation_report_changelist")
QUEUE = f"{LIST}?status__exact=reviewing"


def reviewing(shift: Shift, count=1, *, minutes_ago=60, **participant) -> list[Report]:
    """Reports of the shift's first day under review, the first one sent longest
    ago; `participant` sets fields of their participants."""
    reports = []
    for index in range(count):
        report = ReportFactory(
            membership=MembershipFactory(
                shift=shift, **{f"participant__{k}": v for k, v in participant.items()}
            ),
            day=shift.days.get(date=shift.start_date),
        )
        sent_at = timezone.now() - dt.timedelta(minutes=minutes_ago - index)
        report_under_review(report, at=sent_at)
        reports.append(report)
    return reports


def change_url(report: Report) -> str:
    return reverse("admin:moderation_report_change", args=[report.pk])


def review_url(report: Report, verdict: str) -> str:
    """The admin URL that approves or declines `report` (`verdict`: approve/decline)."""
    return reverse(f"admin:moderation_report_{verdict}", args=[report.pk])


def run_action(client, action: str, reports, **extra):
    return client.post(
        LIST,
        {"action": action, ACTION_CHECKBOX_NAME: [r.pk for r in reports], **extra},
        follow=True,
    )


def status_of(report: Report) -> str:
    report.refresh_from_db()
    return report.status
