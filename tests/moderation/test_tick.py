import datetime as dt
import threading

import pytest
from django.db import connection

from core import heartbeats
from core.models import Heartbeat, Shift
from moderation.cycle.clock import tick
from moderation.models import Report
from moderation.review.reviews import report_approve, report_decline
from notifications.models import OutboxMessage
from tests.factories import report_under_review
from tests.moderation.days import at, make_shift, members_of, refreshed, sent, statuses

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def test_tick_starts_shift_at_task_hour_of_start_date(admin_user):
    shift = make_shift()
    members_of(shift, 2, admin_user)

    tick(now=at(shift, 1, 7, 59))
    assert refreshed(shift).status == Shift.Status.PREPARING
    assert sent(OutboxMessage.Kind.TASK) == []

    result = tick(now=at(shift, 1, 8))

    assert result.started == [shift]
    assert refreshed(shift).status == Shift.Status.STARTED
    assert shift.started_at == at(shift, 1, 8)
    assert len(sent(OutboxMessage.Kind.TASK)) == 2


def test_tick_twice_changes_nothing_more(admin_user):
    shift = make_shift()
    members_of(shift, 2, admin_user)
    tick(now=at(shift, 1, 8))
    tick(now=at(shift, 1, 20))
    messages, reports = OutboxMessage.objects.count(), Report.objects.count()

    result = tick(now=at(shift, 1, 20))

    assert (result.started, result.days_opened, result.reminded) == ([], [], 0)
    assert (OutboxMessage.objects.count(), Report.objects.count()) == (
        messages,
        reports,
    )


def test_tick_every_hour_runs_the_day(admin_user):
    shift = make_shift()
    first, second = members_of(shift, 2, admin_user)

    for hour in range(24 + 9):
        tick(now=at(shift, 1, 0) + dt.timedelta(hours=hour))
        if hour == 12:
            report_under_review(first.reports.get())

    assert statuses(first) == ["reviewing", "waiting"]
    assert statuses(second) == ["skipped", "waiting"]
    assert len(sent(OutboxMessage.Kind.TASK)) == 4
    reminders = sent(OutboxMessage.Kind.REMINDER)
    assert [m.participant_id for m in reminders] == [second.participant_id]


def test_tick_after_gap_catches_up_once(admin_user):
    shift = make_shift(skip_limit=3)
    member, _other = members_of(shift, 2, admin_user)
    tick(now=at(shift, 1, 8))

    result = tick(now=at(shift, 4, 10))
    tick(now=at(shift, 4, 10, 1))

    assert [day.date.day for day in result.days_opened] == [2, 3, 4]
    assert statuses(member) == [
        "skipped",
        "not_participate",
        "not_participate",
        "waiting",
    ]
    tasks = sent(OutboxMessage.Kind.TASK)
    assert [m.dedupe_key.split(":")[2] for m in tasks] == [
        "2027-03-01",
        "2027-03-01",
        "2027-03-04",
        "2027-03-04",
    ]


def test_tick_after_end_finishes_shift(admin_user):
    shift = make_shift()
    member, _other = members_of(shift, 2, admin_user)
    tick(now=at(shift, 1, 8))

    tick(now=at(shift, 5, 23))
    tick(now=at(shift, 6, 7, 59))
    assert refreshed(shift).status == Shift.Status.STARTED

    result = tick(now=at(shift, 6, 8))

    assert (result.days_opened, result.finished) == ([], [shift])
    assert refreshed(shift).status == Shift.Status.FINISHED
    assert statuses(member) == ["skipped"] + ["not_participate"] * 3 + ["skipped"]
    assert len(sent(OutboxMessage.Kind.SHIFT)) == 2


def test_tick_after_end_waits_for_reviews_then_finishes(admin_user, moderator):
    shift = make_shift()
    [member] = members_of(shift, 1, admin_user)
    tick(now=at(shift, 5, 8))
    report_under_review(member.reports.get(day__date=shift.end_date))

    tick(now=at(shift, 6, 8))
    assert refreshed(shift).status == Shift.Status.READY_FOR_COMPLETE
    assert sent(OutboxMessage.Kind.SHIFT) == []

    # A review that raced with the end left nothing to review: tick finishes it.
    Report.objects.filter(status=Report.Status.REVIEWING).update(
        status=Report.Status.APPROVED
    )
    tick(now=at(shift, 6, 8, 1))

    assert refreshed(shift).status == Shift.Status.FINISHED
    assert len(sent(OutboxMessage.Kind.SHIFT)) == 1


def test_tick_honours_each_shifts_time_zone(admin_user):
    yekaterinburg = make_shift(time_zone="Asia/Yekaterinburg")
    members_of(yekaterinburg, 1, admin_user)
    tick(now=at(yekaterinburg, 1, 8))
    moscow = make_shift(
        time_zone="Europe/Moscow",
        start_date=yekaterinburg.end_date + dt.timedelta(days=1),
        end_date=yekaterinburg.end_date + dt.timedelta(days=10),
    )
    members_of(moscow, 1, admin_user)
    handover = dt.datetime.combine(moscow.start_date, dt.time(3), tzinfo=UTC)

    # 08:00 in Yekaterinburg, 06:00 in Moscow.
    tick(now=handover)
    assert refreshed(yekaterinburg).status == Shift.Status.FINISHED
    assert refreshed(moscow).status == Shift.Status.PREPARING

    # 10:00 in Yekaterinburg, 07:59 in Moscow.
    tick(now=handover + dt.timedelta(hours=1, minutes=59))
    assert refreshed(moscow).status == Shift.Status.PREPARING

    # 08:00 in Moscow.
    tick(now=handover + dt.timedelta(hours=2))
    assert refreshed(moscow).status == Shift.Status.STARTED
    [task] = OutboxMessage.objects.filter(
        kind=OutboxMessage.Kind.TASK, participant__memberships__shift=moscow
    )
    assert task.dedupe_key.startswith(f"day:{moscow.pk}:{moscow.start_date}:")


def test_tick_runs_a_whole_shift(admin_user, moderator):
    """A shift starts, sends tasks, collects and reviews reports, reminds, skips,
    excludes and finishes under `tick` alone."""
    shift = make_shift(skip_limit=2, final_message="{name}: {points}")
    keen, lazy, tester = members_of(shift, 3, admin_user)
    tester.participant.is_test = True
    tester.participant.save(update_fields=["is_test"])

    for hour in range(0, 6 * 24 + 12, 1):
        now = at(shift, 1, 0) + dt.timedelta(hours=hour)
        tick(now=now)
        today = shift.task_date(now)
        if now.astimezone(shift.tz).hour == 12 and today <= shift.end_date:
            report = keen.reports.get(day__date=today)
            report_under_review(report)
            if today.day == 2:
                report_decline(report, by=moderator, reason="Blurred")
                report_under_review(report)
            if today < shift.end_date:
                report_approve(report, by=moderator)

    assert refreshed(shift).status == Shift.Status.READY_FOR_COMPLETE
    last = keen.reports.get(day__date=shift.end_date)
    report_approve(last, by=moderator)

    assert refreshed(shift).status == Shift.Status.FINISHED
    keen.refresh_from_db()
    lazy.refresh_from_db()
    tester.refresh_from_db()
    assert (keen.status, keen.points) == ("active", 5)
    assert statuses(keen) == ["approved"] * 5
    assert lazy.status == "excluded"
    assert statuses(lazy) == ["skipped", "skipped"]
    assert tester.status == "active"
    assert statuses(tester) == ["skipped"] * 5
    final = sent(OutboxMessage.Kind.SHIFT)
    assert sorted(m.text for m in final) == sorted(
        [
            f"{keen.participant.first_name}: 5",
            f"{tester.participant.first_name}: 0",
            # The exclusion notice.
            f"{lazy.participant.first_name}, tasks skipped: 2, so you are no "
            f"longer in the shift “{shift}”.",
        ]
    )
    reminders = sent(OutboxMessage.Kind.REMINDER)
    assert {m.participant_id for m in reminders} == {
        lazy.participant_id,
        tester.participant_id,
    }
    assert len(reminders) == 2 + 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_tick_run_concurrently_does_the_work_once(admin_user):
    """Beat and a hand-run `tick` at the same moment: no doubled report or message."""
    shift = make_shift()
    members_of(shift, 5, admin_user)
    results, errors = [], []

    def run(moment: dt.datetime, barrier: threading.Barrier) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(tick(now=moment))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    for moment in (at(shift, 1, 8), at(shift, 1, 20)):
        barrier = threading.Barrier(3)
        threads = [
            threading.Thread(target=run, args=(moment, barrier)) for _thread in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert errors == []
    assert [result.failed for result in results] == [[]] * 6
    assert refreshed(shift).status == Shift.Status.STARTED
    assert sum(len(result.started) for result in results) == 1
    assert sum(len(result.days_opened) for result in results) == 1
    assert Report.objects.filter(day__shift=shift).count() == 5
    assert len(sent(OutboxMessage.Kind.TASK)) == 5
    assert len(sent(OutboxMessage.Kind.REMINDER)) == 5


def test_tick_records_the_beat_heartbeat():
    heartbeats.throttle.forget()

    tick()

    assert heartbeats.heartbeat_age(heartbeats.BEAT) is not None
    assert Heartbeat.objects.filter(name=heartbeats.BEAT).exists()
