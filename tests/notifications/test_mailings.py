import datetime as dt

import pytest
from django.utils import timezone

from core.models import Shift
from notifications.exceptions import (
    MailingInvalid,
    MailingNoRecipients,
    MailingWrongStatus,
    StaffChatUnknown,
)
from notifications.models import Mailing, OutboxMessage
from notifications.services import (
    mailing_cancel,
    mailing_duplicate,
    mailing_finish_if_done,
    mailing_pause,
    mailing_resume,
    mailing_save_draft,
    mailing_schedule,
    mailing_send_test,
    mailing_stats,
    mailings_dispatch_due,
    message_claim_next,
    outbox_sweep,
)
from tests.factories import (
    MembershipFactory,
    ShiftFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Status = Mailing.Status
Outbox = OutboxMessage.Status
NOW = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)  # 12:00 in Moscow


def draft(shifts=(), **fields):
    fields.setdefault("text", "Hi {name}!")
    mailing = mailing_save_draft(Mailing(title="News", **fields), by=None)
    mailing.shifts.set(shifts)
    return mailing


def sent_out(mailing):
    mailing_schedule(mailing, by=None, now=NOW)
    mailings_dispatch_due(now=NOW)
    mailing.refresh_from_db()
    return mailing


@pytest.fixture
def shift():
    return ShiftFactory()


def test_mailing_fans_out_one_personal_message_per_recipient(shift):
    ann = MembershipFactory(
        shift=shift, points=7, participant__first_name="<Ann>"
    ).participant
    blocked = MembershipFactory(
        shift=shift, participant__blocked_bot_at=timezone.now()
    ).participant
    mailing = draft(
        [shift],
        text="Hi <b>{name}</b>, {points} points in {shift}",
        buttons="Rules | https://example.org/rules",
        send_until=NOW + dt.timedelta(hours=2),
    )

    mailing = sent_out(mailing)

    assert mailing.status == Status.SENDING
    assert mailing.recipients_count == 2
    message = mailing.deliveries.get(participant=ann)
    assert message.text == f"Hi <b>&lt;Ann&gt;</b>, 7 points in {shift.title}"
    assert message.buttons == [[{"text": "Rules", "url": "https://example.org/rules"}]]
    assert message.priority == OutboxMessage.PRIORITY_BULK
    assert message.expires_at == NOW + dt.timedelta(hours=2)
    assert message.status == Outbox.PENDING
    assert mailing.deliveries.get(participant=blocked).status == Outbox.BLOCKED
    assert mailings_dispatch_due(now=NOW) == {"recipients": 0, "finished": 0}
    assert mailing.deliveries.count() == 2


def test_mailing_waits_for_its_time(shift):
    MembershipFactory(shift=shift)
    mailing = draft([shift], scheduled_at=NOW + dt.timedelta(hours=1))
    mailing_schedule(mailing, by=None, now=NOW)

    mailings_dispatch_due(now=NOW)
    assert not mailing.deliveries.exists()

    mailings_dispatch_due(now=NOW + dt.timedelta(hours=1))
    assert mailing.deliveries.count() == 1


def test_mailing_respects_quiet_hours_in_each_recipients_shift_zone():
    moscow = ShiftFactory(time_zone="Europe/Moscow", status=Shift.Status.STARTED)
    vladivostok = ShiftFactory(
        time_zone="Asia/Vladivostok", start_date=moscow.end_date + dt.timedelta(days=1)
    )
    in_moscow = MembershipFactory(shift=moscow).participant
    in_vladivostok = MembershipFactory(shift=vladivostok).participant
    mailing = draft([moscow, vladivostok], quiet_from=22, quiet_to=9)

    sent_out(mailing)

    times = dict(mailing.deliveries.values_list("participant", "next_attempt_at"))
    assert times[in_moscow.pk] == NOW  # 12:00 in Moscow
    # 19:00 in Vladivostok is not quiet; 22:00 there is 12:00 UTC.
    assert times[in_vladivostok.pk] == NOW
    late = NOW + dt.timedelta(hours=4)  # 16:00 Moscow, 23:00 Vladivostok
    mailing_two = draft([moscow, vladivostok], quiet_from=22, quiet_to=9)
    mailing_schedule(mailing_two, by=None, now=late)
    mailings_dispatch_due(now=late)
    times = dict(mailing_two.deliveries.values_list("participant", "next_attempt_at"))
    assert times[in_moscow.pk] == late
    assert times[in_vladivostok.pk] == dt.datetime(2027, 3, 1, 23, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"text": "Hi <div>"}, MailingInvalid),
        ({"text": "Hi {age}"}, MailingInvalid),
        ({"buttons": "no link here"}, MailingInvalid),
    ],
)
def test_mailing_schedule_refuses_what_telegram_would(shift, fields, error):
    MembershipFactory(shift=shift)
    mailing = draft([shift], **fields)

    with pytest.raises(error):
        mailing_schedule(mailing, by=None)

    mailing.refresh_from_db()
    assert mailing.status == Status.DRAFT


def test_mailing_schedule_refuses_an_empty_audience(shift):
    with pytest.raises(MailingNoRecipients):
        mailing_schedule(draft([shift]), by=None)


def test_mailing_schedule_twice_raises(shift):
    MembershipFactory(shift=shift)
    mailing = draft([shift])
    mailing_schedule(mailing, by=None)

    with pytest.raises(MailingWrongStatus):
        mailing_schedule(mailing, by=None)


def test_mailing_save_draft_refuses_a_scheduled_mailing(shift):
    MembershipFactory(shift=shift)
    mailing = draft([shift])
    mailing_schedule(mailing, by=None)
    mailing.text = "Changed"
    mailing.status = Status.DRAFT  # a stale form

    with pytest.raises(MailingWrongStatus):
        mailing_save_draft(mailing, by=None)


def test_mailing_pause_holds_its_messages_and_resume_releases_them(shift):
    MembershipFactory.create_batch(2, shift=shift)
    mailing = sent_out(draft([shift]))

    mailing_pause(mailing, by=None)
    assert message_claim_next(now=NOW + dt.timedelta(minutes=1)) is None

    mailing_resume(mailing, by=None, now=NOW)
    mailing.refresh_from_db()
    assert mailing.status == Status.SENDING
    assert message_claim_next(now=NOW + dt.timedelta(minutes=1)).mailing == mailing


def test_mailing_resume_before_fan_out_schedules_again(shift):
    MembershipFactory(shift=shift)
    mailing = draft([shift], scheduled_at=NOW + dt.timedelta(days=1))
    mailing_schedule(mailing, by=None, now=NOW)
    mailing_pause(mailing, by=None)

    mailing = mailing_resume(mailing, by=None, now=NOW)

    assert mailing.status == Status.SCHEDULED


def test_mailing_cancel_drops_what_was_not_sent(shift):
    MembershipFactory.create_batch(3, shift=shift)
    mailing = sent_out(draft([shift]))
    first = mailing.deliveries.first()
    OutboxMessage.objects.filter(pk=first.pk).update(status=Outbox.SENT)

    mailing_cancel(mailing, by=None)

    assert mailing_stats(mailing).by_status == {Outbox.SENT: 1, Outbox.CANCELLED: 2}
    with pytest.raises(MailingWrongStatus):
        mailing_resume(mailing, by=None)


def test_mailing_duplicate_makes_a_draft_with_the_same_audience(shift, admin_user):
    MembershipFactory(shift=shift)
    mailing = sent_out(draft([shift], cities="Kazan", quiet_from=22, quiet_to=8))

    copy = mailing_duplicate(mailing, by=admin_user)

    assert copy.pk != mailing.pk
    assert copy.status == Status.DRAFT
    assert (copy.text, copy.cities, copy.quiet_from) == (mailing.text, "Kazan", 22)
    assert list(copy.shifts.all()) == [shift]
    assert copy.created_by == admin_user
    assert not copy.deliveries.exists()


def test_mailing_send_test_goes_to_the_staff_members_chat():
    staff = UserFactory(first_name="Olga", telegram_chat_id=555)
    mailing = draft(text="Hi {name}!", buttons="Go | https://example.org")

    message = mailing_send_test(mailing, by=staff)

    assert (message.chat_id, message.participant, message.mailing) == (555, None, None)
    assert message.kind == OutboxMessage.Kind.TEST
    assert message.text == "Hi Olga!"
    assert message.status == Outbox.PENDING
    assert mailing_send_test(mailing, by=staff).pk != message.pk


def test_mailing_send_test_without_a_chat_raises():
    with pytest.raises(StaffChatUnknown):
        mailing_send_test(draft(), by=UserFactory(telegram_chat_id=None))


def test_mailing_finishes_when_nothing_waits(shift):
    MembershipFactory.create_batch(2, shift=shift)
    mailing = sent_out(draft([shift]))
    assert not mailing_finish_if_done(mailing)

    mailing.deliveries.update(status=Outbox.SENT)
    mailings_dispatch_due(now=NOW)

    mailing.refresh_from_db()
    assert mailing.status == Status.DONE


def test_mailing_stats_count_failures_by_reason_and_expiry(shift):
    MembershipFactory.create_batch(5, shift=shift)
    mailing = sent_out(draft([shift], send_until=NOW + dt.timedelta(hours=1)))
    rows = list(mailing.deliveries.order_by("pk"))
    OutboxMessage.objects.filter(pk__in=[rows[0].pk, rows[1].pk]).update(
        status=Outbox.FAILED, last_error="Bad Request: chat not found"
    )
    OutboxMessage.objects.filter(pk=rows[2].pk).update(status=Outbox.IN_DOUBT)

    outbox_sweep(now=NOW + dt.timedelta(hours=2))
    stats = mailing_stats(mailing)

    assert stats.by_status == {Outbox.FAILED: 2, Outbox.IN_DOUBT: 1, Outbox.EXPIRED: 2}
    assert stats.failed_reasons == [("Bad Request: chat not found", 2)]
    assert (stats.total, stats.done, stats.percent) == (5, 5, 100)
