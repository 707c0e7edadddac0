"""From the admin to Telegram: a coordinator sends a filtered, scheduled mailing."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core import roles
from core.models import Membership
from notifications.models import Mailing, OutboxMessage
from notifications.sender import outbox_drain
from notifications.services import mailings_dispatch_due
from tests.factories import MembershipFactory, ShiftFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def coordinator():
    # The factory restores the role groups that flushes of earlier transactional
    # tests removed.
    return UserFactory(username="coordinator", role=roles.COORDINATOR)


def test_coordinator_schedules_a_filtered_mailing_and_watches_it_deliver(
    client, coordinator, telegram, settings
):
    settings.TELEGRAM_RATE_GLOBAL = 30
    settings.TELEGRAM_RATE_PER_CHAT = 1
    telegram.rate_limit(30, 1)
    shift = ShiftFactory()
    in_kazan = MembershipFactory.create_batch(5, shift=shift, participant__city="Kazan")
    MembershipFactory(shift=shift, participant__city="Perm")
    MembershipFactory(
        shift=shift, participant__city="Kazan", status=Membership.Status.EXCLUDED
    )
    client.force_login(coordinator)
    send_at = timezone.localtime() + dt.timedelta(hours=1)
    form = {
        "title": "Kazan meetup",
        "text": "{name}, see you on Sunday!",
        "buttons": "Map | https://example.org/map",
        "shifts": [shift.pk],
        "membership": "active",
        "participant_kind": "real",
        "cities": "kazan",
        "scheduled_at_0": send_at.strftime("%Y-%m-%d"),
        "scheduled_at_1": send_at.strftime("%H:%M:%S"),
    }
    client.post(reverse("admin:notifications_mailing_add"), form)
    mailing = Mailing.objects.get()
    client.post(
        reverse("admin:notifications_mailing_schedule_detail", args=[mailing.pk])
    )

    mailings_dispatch_due()
    assert not mailing.deliveries.exists()  # not yet its time
    mailings_dispatch_due(now=send_at + dt.timedelta(seconds=1))
    # The hour was simulated; the rows are due at it, which is now for the sender.
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    outbox_drain()
    mailings_dispatch_due()

    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DONE
    assert {call.chat_id for call in telegram.sent} == {
        member.participant.telegram_id for member in in_kazan
    }
    assert telegram.too_many_requests == 0
    page = client.get(
        reverse("admin:notifications_mailing_change", args=[mailing.pk])
    ).content.decode()
    assert "5 of 5 done" in page
    assert "5</span> sent" in page
