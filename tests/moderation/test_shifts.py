import datetime as dt

import pytest

from core.models import Application, Shift
from moderation.exceptions import ShiftNotOver, ShiftWrongStatus
from moderation.models import Report
from moderation.shifts.applications import application_approve
from moderation.shifts.lifecycle import shift_cancel, shift_finish, shift_start
from notifications.models import OutboxMessage
from tests.factories import ApplicationFactory, ReportFactory, ShiftFactory

pytestmark = pytest.mark.django_db

START = dt.date(2027, 3, 1)


@pytest.fixture
def shift():
    return ShiftFactory(start_date=START, end_date=START + dt.timedelta(days=9))


def after_end(shift):
    return shift.moment_at(shift.end_date + dt.timedelta(days=1), shift.task_hour)


def test_shift_start_from_preparing(shift, admin_user):
    shift_start(shift, by=admin_user)

    shift.refresh_from_db()
    assert shift.status == Shift.Status.STARTED
    assert shift.started_at is not None


def test_shift_start_twice_raises(shift, admin_user):
    shift_start(shift, by=admin_user)

    with pytest.raises(ShiftWrongStatus):
        shift_start(shift, by=admin_user)


def test_shift_cancel_declines_pending_applications_and_tells(
    shift, admin_user, outbox
):
    pending = ApplicationFactory.create_batch(2, shift=shift)

    shift_cancel(shift, by=admin_user, reason="Cancelled")

    shift.refresh_from_db()
    assert shift.status == Shift.Status.CANCELLED
    statuses = {Application.objects.get(pk=app.pk).status for app in pending}
    assert statuses == {Application.Status.DECLINED}
    assert {message.participant_id for message in outbox()} == {
        app.participant_id for app in pending
    }
    assert all("cancelled" in message.text for message in outbox())


def test_shift_cancel_only_from_preparing(shift, admin_user):
    shift_start(shift, by=admin_user)

    with pytest.raises(ShiftWrongStatus):
        shift_cancel(shift, by=admin_user, reason="Cancelled")


def test_shift_finish_before_end_date_raises(shift, admin_user):
    shift_start(shift, by=admin_user)

    with pytest.raises(ShiftNotOver):
        shift_finish(shift, by=admin_user, now=shift.moment_at(shift.end_date, 23))


def test_shift_finish_waits_for_reviews(shift, admin_user, outbox):
    application_approve(ApplicationFactory(shift=shift), by=admin_user)
    shift_start(shift, by=admin_user)
    membership = shift.memberships.get()
    ReportFactory(membership=membership, status=Report.Status.REVIEWING)

    shift_finish(shift, by=admin_user, now=after_end(shift))

    shift.refresh_from_db()
    assert shift.status == Shift.Status.READY_FOR_COMPLETE
    assert [m.kind for m in outbox()] == [OutboxMessage.Kind.APPLICATION]


def test_shift_finish_ready_for_complete_sends_final_message(shift, admin_user, outbox):
    shift.final_message = (
        "Well done, {name}: {points} points! {unknown} {name.__class__}"
    )
    shift.save()
    application = ApplicationFactory(shift=shift, participant__first_name="Masha")
    application_approve(application, by=admin_user)
    shift_start(shift, by=admin_user)
    shift.memberships.update(points=7)
    ReportFactory(membership=shift.memberships.get(), status=Report.Status.REVIEWING)
    shift_finish(shift, by=admin_user, now=after_end(shift))

    shift_finish(shift, by=admin_user, now=after_end(shift))

    shift.refresh_from_db()
    assert shift.status == Shift.Status.FINISHED
    final = [m for m in outbox() if m.kind == OutboxMessage.Kind.SHIFT]
    assert [m.text for m in final] == [
        "Well done, Masha: 7 points! {unknown} {name.__class__}"
    ]


def test_shift_finish_skips_excluded_members(shift, admin_user, outbox):
    for _member in range(2):
        application_approve(ApplicationFactory(shift=shift), by=admin_user)
    shift_start(shift, by=admin_user)
    excluded = shift.memberships.first()
    excluded.status = "excluded"
    excluded.save()

    shift_finish(shift, by=admin_user, now=after_end(shift))

    final = [m for m in outbox() if m.kind == OutboxMessage.Kind.SHIFT]
    assert len(final) == 1
    assert final[0].participant_id != excluded.participant_id
