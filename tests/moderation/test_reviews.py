import datetime as dt
import threading

import pytest
from django.db import connection

from core.models import Shift
from moderation.exceptions import ReasonRequired, ReportNotUnderReview
from moderation.models import Report, Submission
from moderation.review.reviews import report_approve, report_decline
from moderation.shifts.lifecycle import shift_finish
from notifications.models import OutboxMessage
from tests.factories import (
    MembershipFactory,
    ReportFactory,
    ShiftFactory,
    report_under_review,
)

pytestmark = pytest.mark.django_db

START = dt.date(2027, 3, 1)


@pytest.fixture
def shift():
    return ShiftFactory(
        start_date=START,
        end_date=START + dt.timedelta(days=9),
        status=Shift.Status.STARTED,
        max_attempts=3,
    )


@pytest.fixture
def report(shift):
    membership = MembershipFactory(shift=shift, participant__first_name="Masha")
    report = ReportFactory(membership=membership, day=shift.days.get(date=START))
    report_under_review(report)
    return report


def test_report_approve_adds_point_and_records_review(report, moderator):
    report_approve(report, by=moderator)

    report.refresh_from_db()
    assert report.status == Report.Status.APPROVED
    assert report.reviewed_by == moderator
    assert report.reviewed_at is not None
    assert report.membership.points == 1


def test_report_approve_records_verdict_on_latest_submission(report, moderator):
    report_decline(report, by=moderator, reason="Blurred")
    report_under_review(report)

    report_approve(report, by=moderator)

    verdicts = list(
        Submission.objects.filter(report=report)
        .order_by("attempt")
        .values_list("attempt", "verdict", "decline_reason", "reviewed_by")
    )
    assert verdicts == [
        (1, "declined", "Blurred", moderator.pk),
        (2, "approved", "", moderator.pk),
    ]


def test_report_approve_tells_participant(report, moderator, outbox):
    report_approve(report, by=moderator)

    [message] = outbox()
    assert message.kind == OutboxMessage.Kind.REVIEW
    assert message.participant == report.membership.participant
    assert message.text == "✅ Masha, your report for day 1 is approved! Points: 1."


def test_report_approve_twice_raises(report, moderator, outbox):
    report_approve(report, by=moderator)

    with pytest.raises(ReportNotUnderReview) as error:
        report_approve(report, by=moderator)

    report.membership.refresh_from_db()
    assert report.membership.points == 1
    assert len(outbox()) == 1
    assert "March 1, 2027" in str(error.value)
    assert "Approved" in str(error.value)


@pytest.mark.parametrize(
    "status",
    [
        Report.Status.WAITING,
        Report.Status.SKIPPED,
        Report.Status.DECLINED,
        Report.Status.NOT_PARTICIPATE,
    ],
)
def test_report_review_not_under_review_raises(shift, moderator, status):
    report = ReportFactory(membership__shift=shift, status=status)

    with pytest.raises(ReportNotUnderReview):
        report_approve(report, by=moderator)
    with pytest.raises(ReportNotUnderReview):
        report_decline(report, by=moderator, reason="No")

    report.refresh_from_db()
    assert report.status == status
    assert report.reviewed_by is None


def test_report_decline_requires_reason(report, moderator):
    with pytest.raises(ReasonRequired):
        report_decline(report, by=moderator, reason="  ")

    report.refresh_from_db()
    assert report.status == Report.Status.REVIEWING


def test_report_decline_records_reason_and_tells_attempts_left(
    report, moderator, outbox
):
    report_decline(report, by=moderator, reason=" Blurred ")

    report.refresh_from_db()
    assert report.status == Report.Status.DECLINED
    assert report.decline_reason == "Blurred"
    assert (report.reviewed_by, report.membership.points) == (moderator, 0)
    [message] = outbox()
    assert message.text == (
        "❌ Masha, your report for day 1 was declined: Blurred\nAttempts left: 2."
    )


def test_report_decline_last_attempt_tells_none_left(report, moderator, outbox):
    for _attempt in range(2):
        report_decline(report, by=moderator, reason="Blurred")
        report_under_review(report)

    report_decline(report, by=moderator, reason="Still blurred")

    assert report.attempts == 3
    texts = [message.text for message in outbox()]
    assert [text.rsplit(" ", 1)[1] for text in texts] == ["2.", "1.", "0."]


def test_report_decline_twice_raises(report, moderator, outbox):
    report_decline(report, by=moderator, reason="Blurred")

    with pytest.raises(ReportNotUnderReview):
        report_decline(report, by=moderator, reason="Blurred")

    assert len(outbox()) == 1


def test_report_review_in_russian(shift, moderator, outbox):
    report = ReportFactory(
        membership__shift=shift,
        membership__participant__language="ru",
        membership__participant__first_name="Маша",
    )
    report_under_review(report)

    report_decline(report, by=moderator, reason="Размыто")

    assert outbox()[0].text.startswith("❌ Маша, твой отчёт за день 1 отклонён")


def after_end(shift):
    return shift.moment_at(shift.end_date + dt.timedelta(days=1), shift.task_hour)


def test_report_review_of_last_one_finishes_ready_shift(shift, report, moderator):
    other = ReportFactory(
        membership__shift=shift, day=shift.days.get(date=START + dt.timedelta(days=1))
    )
    report_under_review(other)
    shift_finish(shift, by=None, now=after_end(shift))
    shift.refresh_from_db()
    assert shift.status == Shift.Status.READY_FOR_COMPLETE

    report_approve(report, by=moderator)
    shift.refresh_from_db()
    assert shift.status == Shift.Status.READY_FOR_COMPLETE

    report_decline(other, by=moderator, reason="Blurred")
    shift.refresh_from_db()
    assert shift.status == Shift.Status.FINISHED


def test_report_review_of_last_one_sends_final_messages(
    shift, report, moderator, outbox
):
    shift_finish(shift, by=None, now=after_end(shift))

    report_approve(report, by=moderator)

    kinds = [message.kind for message in outbox()]
    assert kinds == [OutboxMessage.Kind.REVIEW, OutboxMessage.Kind.SHIFT]
    assert "Your points: 1" in outbox()[1].text


def test_report_review_leaves_started_shift_alone(shift, report, moderator):
    report_approve(report, by=moderator)

    shift.refresh_from_db()
    assert shift.status == Shift.Status.STARTED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_report_approve_by_two_moderators_at_once_counts_once(moderator, admin_user):
    shift = ShiftFactory(
        start_date=START, end_date=START + dt.timedelta(days=9), status="started"
    )
    report = ReportFactory(membership__shift=shift, day=shift.days.get(date=START))
    report_under_review(report)
    barrier = threading.Barrier(2)
    outcomes = []

    def review(user) -> None:
        try:
            barrier.wait(timeout=10)
            report_approve(Report.objects.get(pk=report.pk), by=user)
            outcomes.append("approved")
        except ReportNotUnderReview:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=review, args=(user,))
        for user in (moderator, admin_user)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["approved", "refused"]
    report.membership.refresh_from_db()
    assert report.membership.points == 1
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.REVIEW).count() == 1
