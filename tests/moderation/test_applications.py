import datetime as dt

import pytest

from core.models import Application, Membership, Shift
from moderation.exceptions import (
    ApplicationAlreadyMember,
    ApplicationAlreadyPending,
    ApplicationLimitReached,
    ApplicationNotPending,
    NoOpenShift,
    ReasonRequired,
    RegistrationClosed,
)
from moderation.models import Report
from moderation.shifts.applications import (
    application_approve,
    application_decline,
    application_submit,
)
from notifications.models import OutboxMessage
from tests.factories import ApplicationFactory, ParticipantFactory, ShiftFactory

pytestmark = pytest.mark.django_db

START = dt.date(2027, 3, 1)


@pytest.fixture
def shift():
    return ShiftFactory(start_date=START, time_zone="Europe/Moscow", task_hour=8)


def at(shift, day, hour=12):
    return shift.moment_at(day, hour)


def test_application_submit_goes_to_open_shift(shift):
    participant = ParticipantFactory()

    application = application_submit(
        participant, now=at(shift, START - dt.timedelta(days=5))
    )

    assert application.shift == shift
    assert application.status == Application.Status.PENDING


def test_application_submit_without_open_shift_raises():
    with pytest.raises(NoOpenShift):
        application_submit(ParticipantFactory())


def test_application_submit_after_registration_window_raises(shift):
    Shift.objects.filter(pk=shift.pk).update(status=Shift.Status.STARTED)
    shift.refresh_from_db()

    with pytest.raises(RegistrationClosed):
        application_submit(
            ParticipantFactory(),
            shift=shift,
            now=at(shift, START + dt.timedelta(days=2)),
        )


def test_application_submit_twice_while_pending_raises(shift):
    participant = ParticipantFactory()
    application_submit(participant, shift=shift)

    with pytest.raises(ApplicationAlreadyPending):
        application_submit(participant, shift=shift)


def test_application_submit_by_member_raises(shift):
    participant = ParticipantFactory()
    application_approve(application_submit(participant, shift=shift), by=None)

    with pytest.raises(ApplicationAlreadyMember):
        application_submit(participant, shift=shift)


def test_application_submit_after_three_declines_raises(shift, admin_user):
    participant = ParticipantFactory()
    for _attempt in range(3):
        application = application_submit(participant, shift=shift)
        application_decline(application, by=admin_user, reason="No consent form")

    with pytest.raises(ApplicationLimitReached):
        application_submit(participant, shift=shift)


def test_application_approve_makes_member_with_zero_points(shift, admin_user):
    application = ApplicationFactory(shift=shift)

    application_approve(
        application, by=admin_user, now=at(shift, START - dt.timedelta(days=3))
    )

    application.refresh_from_db()
    membership = Membership.objects.get(
        participant=application.participant, shift=shift
    )
    assert membership.status == Membership.Status.ACTIVE
    assert membership.points == 0
    assert application.status == Application.Status.APPROVED
    assert application.reviewed_by == admin_user
    assert application.reviewed_at is not None


def test_application_approve_tells_when_first_task_comes(shift, admin_user, outbox):
    application = ApplicationFactory(shift=shift)

    application_approve(
        application, by=admin_user, now=at(shift, START - dt.timedelta(days=3))
    )

    (message,) = outbox()
    assert message.participant == application.participant
    assert message.kind == OutboxMessage.Kind.APPLICATION
    assert "01.03.2027 08:00" in message.text


def test_application_approve_gives_late_joiner_not_participate_days(shift, admin_user):
    Shift.objects.filter(pk=shift.pk).update(status=Shift.Status.STARTED)
    application = ApplicationFactory(shift=shift)

    # Day 2, after the task hour: days 1 and 2 are gone; the first task is on day 3.
    application_approve(
        application, by=admin_user, now=at(shift, START + dt.timedelta(days=1), 10)
    )

    reports = Report.objects.filter(membership__participant=application.participant)
    assert sorted(report.day.date for report in reports) == [
        START,
        START + dt.timedelta(days=1),
    ]
    assert {report.status for report in reports} == {Report.Status.NOT_PARTICIPATE}


def test_application_approve_twice_raises(shift, admin_user):
    application = ApplicationFactory(shift=shift)
    application_approve(application, by=admin_user)

    with pytest.raises(ApplicationNotPending):
        application_approve(application, by=admin_user)

    assert Membership.objects.count() == 1


def test_application_decline_requires_reason(shift, admin_user):
    application = ApplicationFactory(shift=shift)

    with pytest.raises(ReasonRequired):
        application_decline(application, by=admin_user, reason="   ")

    application.refresh_from_db()
    assert application.is_pending


def test_application_decline_sends_reason(shift, admin_user, outbox):
    application = ApplicationFactory(shift=shift)

    application_decline(application, by=admin_user, reason="No consent form")

    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED
    assert application.decline_reason == "No consent form"
    (message,) = outbox()
    assert "No consent form" in message.text


def test_application_messages_follow_participant_language(shift, admin_user, outbox):
    application = ApplicationFactory(shift=shift, participant__language="ru")

    application_decline(application, by=admin_user, reason="Нет согласия")

    (message,) = outbox()
    assert "заявк" in message.text


def test_message_to_participant_who_blocked_bot_is_not_sent(shift, admin_user, outbox):
    from django.utils import timezone

    application = ApplicationFactory(
        shift=shift, participant__blocked_bot_at=timezone.now()
    )

    application_decline(application, by=admin_user, reason="Full")

    (message,) = outbox()
    assert message.status == OutboxMessage.Status.BLOCKED
