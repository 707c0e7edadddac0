import pytest

from moderation.cycle.days import day_open, membership_exclude, reminders_send
from notifications.models import OutboxMessage
from tests.factories import MembershipFactory, report_under_review
from tests.moderation.days import START, at, report_of, started_shift

pytestmark = pytest.mark.django_db


@pytest.fixture
def shift():
    return started_shift()


def kinds(outbox) -> list[str]:
    return [message.kind for message in outbox()]


def test_reminders_send_at_reminder_hour_to_waiting_only(shift, outbox):
    waiting, sent = MembershipFactory.create_batch(2, shift=shift)
    excluded = MembershipFactory(shift=shift)
    day_open(shift, now=at(shift, 1, 8))
    report_under_review(report_of(sent, 1))
    membership_exclude(excluded, skipped=5)

    assert reminders_send(shift, now=at(shift, 1, 19, 59)) == 0
    assert reminders_send(shift, now=at(shift, 1, 20)) == 1

    [reminder] = [m for m in outbox() if m.kind == OutboxMessage.Kind.REMINDER]
    assert reminder.participant_id == waiting.participant_id
    task = shift.days.get(date=START).task
    assert reminder.text == (
        f"⏰ {waiting.participant.first_name}, today's photo for “{task}” has not "
        "come yet. There is still time!"
    )
    assert reminder.dedupe_key == f"reminder:{shift.pk}:2027-03-01:{waiting.pk}"


def test_reminders_send_twice_reminds_once(shift, outbox):
    MembershipFactory(shift=shift)
    day_open(shift, now=at(shift, 1, 8))

    reminders_send(shift, now=at(shift, 1, 20))
    again = reminders_send(shift, now=at(shift, 1, 21))

    assert again == 0
    assert kinds(outbox).count(OutboxMessage.Kind.REMINDER) == 1


def test_reminders_send_not_for_a_day_not_opened(shift, outbox):
    MembershipFactory(shift=shift)

    assert reminders_send(shift, now=at(shift, 1, 20)) == 0


def test_reminders_send_none_when_day_opened_after_reminder_hour(shift, outbox):
    MembershipFactory(shift=shift)
    day_open(shift, now=at(shift, 1, 22))

    assert reminders_send(shift, now=at(shift, 1, 22, 1)) == 0
    assert kinds(outbox) == [OutboxMessage.Kind.TASK]


def test_reminders_send_hour_before_task_hour_is_next_morning(outbox):
    shift = started_shift(task_hour=9, reminder_hour=7)
    MembershipFactory(shift=shift)
    day_open(shift, now=at(shift, 1, 9))

    assert reminders_send(shift, now=at(shift, 1, 23)) == 0
    assert reminders_send(shift, now=at(shift, 2, 7)) == 1
