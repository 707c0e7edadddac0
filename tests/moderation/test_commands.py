import io

import pytest
from django.core.management import CommandError, call_command

from core.models import Shift
from moderation.cycle import clock
from moderation.cycle.clock import tick
from notifications.models import OutboxMessage
from tests.moderation.days import at, make_shift, members_of, refreshed, sent

pytestmark = pytest.mark.django_db


def test_tick_command_at_moment(admin_user):
    shift = make_shift()
    members_of(shift, 1, admin_user)
    out = io.StringIO()

    call_command("tick", "--at", "2027-03-01T08:00:00+03:00", stdout=out)

    assert refreshed(shift).status == Shift.Status.STARTED
    assert "started 1, days opened 1, reminded 0, finished 0" in out.getvalue()


def test_tick_command_naive_moment_is_in_settings_time_zone(settings, admin_user):
    settings.TIME_ZONE = "Asia/Yekaterinburg"
    shift = make_shift(time_zone="Europe/Moscow")

    call_command("tick", "--at", "2027-03-01T09:59", stdout=io.StringIO())
    assert refreshed(shift).status == Shift.Status.PREPARING

    call_command("tick", "--at", "2027-03-01T10:00", stdout=io.StringIO())
    assert refreshed(shift).status == Shift.Status.STARTED


def test_tick_command_rejects_bad_moment():
    with pytest.raises(CommandError, match="not an ISO date-time"):
        call_command("tick", "--at", "tomorrow at eight")


def test_tick_reports_a_failing_job_and_runs_the_others(admin_user, monkeypatch):
    shift = make_shift()
    members_of(shift, 1, admin_user)

    def broken(shift, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(clock, "reminders_send", broken)

    result = tick(now=at(shift, 1, 8))

    assert result.failed == [f"remind: {shift}"]
    assert refreshed(shift).status == Shift.Status.STARTED
    assert len(sent(OutboxMessage.Kind.TASK)) == 1
    with pytest.raises(CommandError, match="failed: remind"):
        call_command("tick", "--at", at(shift, 1, 9).isoformat(), stdout=io.StringIO())
