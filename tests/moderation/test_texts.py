"""Staff may use every variable a moderation text offers: each is filled in."""

import datetime as dt

import pytest

from core.models import Shift
from moderation.cycle.days import day_open, membership_exclude, reminders_send
from moderation.review.reviews import report_approve, report_decline
from moderation.shifts.applications import application_approve, application_decline
from moderation.shifts.lifecycle import shift_cancel, shift_finish
from notifications.models import MessageTemplate
from notifications.texts import REGISTRY
from tests.factories import ApplicationFactory, report_under_review
from tests.moderation.days import START, at, make_shift, report_of

pytestmark = pytest.mark.django_db

KEYS = [
    "application_approved",
    "application_declined",
    "application_cancelled",
    "day_task",
    "reminder",
    "report_approved",
    "report_declined",
    "member_excluded",
    "shift_finished",
]


@pytest.fixture
def every_variable_used():
    """Staff wordings (English) that use every variable their text offers."""
    for key in KEYS:
        variables = " ".join(f"{{{name}}}" for name in REGISTRY[key].variables)
        MessageTemplate.objects.create(
            key=key, language="en", text=f"{key}: {variables}"
        )


def test_every_offered_variable_is_filled_in(every_variable_used, admin_user, outbox):
    shift = make_shift()
    before = shift.moment_at(START - dt.timedelta(days=2), 12)
    member, excluded = (
        application_approve(ApplicationFactory(shift=shift), by=admin_user, now=before)
        for _member in range(2)
    )
    application_decline(ApplicationFactory(shift=shift), by=admin_user, reason="Full")
    shift.status = Shift.Status.STARTED
    shift.save(update_fields=["status"])
    day_open(shift, now=at(shift, 1, 8))
    reminders_send(shift, now=at(shift, 1, 20))
    report = report_of(shift.memberships.get(participant=member.participant), 1)
    report_under_review(report)
    report_decline(report, by=admin_user, reason="Blurred")
    report_under_review(report)
    report_approve(report, by=admin_user)
    membership_exclude(
        shift.memberships.get(participant=excluded.participant), skipped=5
    )
    shift_finish(shift, by=admin_user, now=at(shift, 6, 9))
    later = make_shift(
        start_date=START + dt.timedelta(weeks=2),
        end_date=START + dt.timedelta(weeks=2, days=4),
    )
    ApplicationFactory(shift=later)
    shift_cancel(later, by=admin_user, reason="No season")

    texts = [message.text for message in outbox()]

    assert {text.partition(":")[0] for text in texts} == set(KEYS)
    assert [text for text in texts if "{" in text] == []
