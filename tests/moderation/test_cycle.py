import datetime as dt

import pytest
from django.core.files.base import ContentFile

from core.models import Membership, Shift
from moderation.cycle.days import day_open, membership_exclude
from moderation.exceptions import ShiftWrongStatus
from moderation.models import Report
from moderation.shifts.applications import application_approve
from notifications.models import OutboxMessage
from tests.factories import ApplicationFactory, MembershipFactory, report_under_review
from tests.moderation.days import (
    START,
    at,
    date_of,
    make_shift,
    report_of,
    started_shift,
    statuses,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def shift():
    return started_shift()


def day_key(shift: Shift, day: int) -> str:
    """The start of the deduplication key of day `day`'s task messages."""
    return f"day:{shift.pk}:{date_of(shift, day)}:"


def kinds(outbox) -> list[str]:
    return [message.kind for message in outbox()]


def test_day_open_creates_waiting_reports_and_sends_task(shift, outbox):
    members = MembershipFactory.create_batch(2, shift=shift)
    day = shift.days.get(date=START)
    day.task.title, day.task.description = "Brush teeth", "Twice a day."
    day.task.image.save("teeth.jpg", ContentFile(b"jpeg"), save=False)
    day.task.save()

    opened = day_open(shift, now=at(shift, 1, 8))

    assert [d.date for d in opened] == [START]
    assert [statuses(member) for member in members] == [["waiting"], ["waiting"]]
    messages = outbox()
    assert [m.participant_id for m in messages] == [
        member.participant_id for member in members
    ]
    first = messages[0]
    assert first.kind == OutboxMessage.Kind.TASK
    assert first.text == (
        "📅 Day 1: Brush teeth\n\nTwice a day.\n\nSend a photo when it is done."
    )
    assert first.photo == day.task.image.name
    assert first.photo.startswith("tasks/")
    assert first.buttons == [
        [
            {"text": "Skip task", "callback_data": "skip"},
            {"text": "My balance", "callback_data": "balance"},
        ]
    ]
    assert first.dedupe_key == f"day:{shift.pk}:2027-03-01:{members[0].pk}"


def test_day_open_task_without_image_has_no_photo(shift, outbox):
    MembershipFactory(shift=shift)

    day_open(shift, now=at(shift, 1, 8))

    assert outbox()[0].photo == ""


def test_day_open_before_task_hour_opens_nothing(shift, outbox):
    member = MembershipFactory(shift=shift)

    assert day_open(shift, now=at(shift, 1, 7, 59)) == []
    assert statuses(member) == []

    day_open(shift, now=at(shift, 1, 8))
    assert statuses(member) == ["waiting"]


def test_day_open_twice_does_nothing_more(shift, outbox):
    member = MembershipFactory(shift=shift)
    day_open(shift, now=at(shift, 1, 8))

    again = day_open(shift, now=at(shift, 1, 8, 1))

    assert again == []
    assert statuses(member) == ["waiting"]
    assert len(outbox()) == 1


def test_day_open_needs_started_shift():
    shift = make_shift()

    with pytest.raises(ShiftWrongStatus):
        day_open(shift, now=at(shift, 1, 8))


def test_day_open_skips_only_yesterdays_unsent_reports(shift):
    waiting, reviewing, declined = MembershipFactory.create_batch(3, shift=shift)
    day_open(shift, now=at(shift, 1, 8))
    report_under_review(report_of(reviewing, 1))
    Report.objects.filter(pk=report_of(declined, 1).pk).update(
        status=Report.Status.DECLINED, attempts=1
    )

    day_open(shift, now=at(shift, 2, 7, 59))
    assert report_of(waiting, 1).status == Report.Status.WAITING

    day_open(shift, now=at(shift, 2, 8))
    assert statuses(waiting) == ["skipped", "waiting"]
    assert statuses(reviewing) == ["reviewing", "waiting"]
    assert statuses(declined) == ["declined", "waiting"]


def test_day_open_excludes_at_skip_limit_and_tells(outbox):
    shift = started_shift(skip_limit=2)
    lazy = MembershipFactory(shift=shift, participant__first_name="Petya")
    once = MembershipFactory(shift=shift)
    day_open(shift, now=at(shift, 1, 8))
    report_under_review(report_of(once, 1))
    day_open(shift, now=at(shift, 2, 8))

    day_open(shift, now=at(shift, 3, 8))

    lazy.refresh_from_db()
    once.refresh_from_db()
    assert (lazy.status, once.status) == ("excluded", "active")
    assert lazy.excluded_at == at(shift, 3, 8)
    assert statuses(lazy) == ["skipped", "skipped"]
    assert statuses(once) == ["reviewing", "skipped", "waiting"]
    excluded = [m for m in outbox() if m.kind == OutboxMessage.Kind.SHIFT]
    assert [m.text for m in excluded] == [
        f"Petya, tasks skipped: 2, so you are no longer in the shift “{shift}”."
    ]
    day_three = [m for m in outbox() if m.dedupe_key.startswith(day_key(shift, 3))]
    assert [m.participant_id for m in day_three] == [once.participant_id]


def test_day_open_never_excludes_test_participants(outbox):
    shift = started_shift(skip_limit=1)
    tester = MembershipFactory(shift=shift, participant__is_test=True)
    day_open(shift, now=at(shift, 1, 8))

    day_open(shift, now=at(shift, 2, 8))
    day_open(shift, now=at(shift, 3, 8))

    tester.refresh_from_db()
    assert tester.is_active
    assert statuses(tester) == ["skipped", "skipped", "waiting"]
    assert OutboxMessage.Kind.SHIFT not in kinds(outbox)


def test_membership_exclude_twice_tells_once(shift, outbox):
    member = MembershipFactory(shift=shift)

    membership_exclude(member, skipped=5)
    membership_exclude(member, skipped=5)

    member.refresh_from_db()
    assert member.status == Membership.Status.EXCLUDED
    assert kinds(outbox) == [OutboxMessage.Kind.SHIFT]


def test_day_open_late_joiner_gets_tasks_from_next_day(shift, admin_user, outbox):
    day_open(shift, now=at(shift, 1, 8))
    application = ApplicationFactory(shift=shift)
    application_approve(application, by=admin_user, now=at(shift, 2, 10))
    day_open(shift, now=at(shift, 2, 8))
    late = Membership.objects.get(participant=application.participant)

    day_open(shift, now=at(shift, 3, 8))

    assert statuses(late) == ["not_participate", "not_participate", "waiting"]
    tasks = [m for m in outbox() if m.participant_id == late.participant_id]
    assert [m.dedupe_key for m in tasks if m.kind == "task"] == [
        f"day:{shift.pk}:2027-03-03:{late.pk}"
    ]


def test_day_open_joiner_before_task_hour_gets_that_days_task(shift, admin_user):
    day_open(shift, now=at(shift, 1, 8))
    application = ApplicationFactory(shift=shift)
    application_approve(application, by=admin_user, now=at(shift, 2, 7, 30))
    member = Membership.objects.get(participant=application.participant)

    day_open(shift, now=at(shift, 2, 8))

    assert statuses(member) == ["not_participate", "waiting"]


def test_day_open_catch_up_after_gap(shift, outbox):
    member = MembershipFactory(shift=shift)
    day_open(shift, now=at(shift, 1, 8))

    opened = day_open(shift, now=at(shift, 4, 9, 30))

    assert [day.date.day for day in opened] == [2, 3, 4]
    assert all(day.opened_at == at(shift, 4, 9, 30) for day in opened)
    assert statuses(member) == [
        "skipped",
        "not_participate",
        "not_participate",
        "waiting",
    ]
    assert [m.dedupe_key.split(":")[2] for m in outbox()] == [
        "2027-03-01",
        "2027-03-04",
    ]


def test_day_open_catch_up_excludes_in_order():
    shift = started_shift(skip_limit=1)
    member = MembershipFactory(shift=shift)
    day_open(shift, now=at(shift, 1, 8))

    day_open(shift, now=at(shift, 4, 9))

    member.refresh_from_db()
    assert member.status == Membership.Status.EXCLUDED
    # Excluded while day 2 opened: no report of that day or later.
    assert statuses(member) == ["skipped"]


@pytest.mark.parametrize(
    ("time_zone", "opens_at_utc"),
    [("Asia/Yekaterinburg", dt.time(3)), ("Europe/Moscow", dt.time(5))],
)
def test_day_open_at_task_hour_of_shift_time_zone(time_zone, opens_at_utc):
    shift = started_shift(time_zone=time_zone)
    member = MembershipFactory(shift=shift)
    opens = dt.datetime.combine(START, opens_at_utc, tzinfo=UTC)

    day_open(shift, now=opens - dt.timedelta(seconds=1))
    assert statuses(member) == []

    day_open(shift, now=opens)
    assert statuses(member) == ["waiting"]
