"""Erasure of a participant: personal data, photos, messages and dialog removed."""

import asyncio
import datetime as dt

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.utils import timezone

from botrunner.bot import bot_create, dispatcher_create, storage_create
from botrunner.states import Registration
from core.audit import audit_message
from core.models import Application, Membership, Participant, Shift
from core.services import participant_register
from moderation.exceptions import ParticipantAlreadyErased
from moderation.insights import statistics
from moderation.models import Report, Submission
from moderation.participants.erasure import participant_erase
from notifications.exceptions import OutboxMessageRecipientErased
from notifications.models import Mailing, OutboxMessage
from notifications.services import message_enqueue, message_requeue
from notifications.services.audience import Audience, audience_participants
from tests.factories import (
    ApplicationFactory,
    MembershipFactory,
    ParticipantFactory,
    ReportFactory,
    ShiftFactory,
    report_under_review,
)
from tests.redis_server import RedisServer

pytestmark = pytest.mark.django_db


def second_member(shift: Shift) -> Membership:
    """The member of `finished` with two photos (one declined, then approved)."""
    return shift.memberships.order_by("pk")[1]


def test_participant_erase_clears_personal_data_and_keeps_the_rows(
    finished, administrator
):
    member = second_member(finished)
    participant = member.participant
    reports = Report.objects.filter(membership=member).count()

    erased = participant_erase(participant, by=administrator)

    erased.refresh_from_db()
    assert erased.is_erased
    assert (erased.first_name, erased.last_name, erased.city, erased.phone) == (
        "",
        "",
        "",
        "",
    )
    assert erased.birth_date is None
    assert erased.telegram_id is None
    assert erased.telegram_username == ""
    assert str(erased) == f"Erased participant #{erased.pk}"
    member.refresh_from_db()
    assert (member.status, member.points) == (Membership.Status.ACTIVE, 1)
    assert Report.objects.filter(membership=member).count() == reports


def test_participant_erase_deletes_their_photos(photo_storage, finished, administrator):
    member = second_member(finished)
    theirs = list(Submission.objects.filter(report__membership=member))
    others = list(Submission.objects.exclude(report__membership=member))
    assert len(theirs) == 2
    assert all(photo_storage.exists(s.photo.name) for s in theirs + others)

    participant_erase(member.participant, by=administrator)

    assert not any(photo_storage.exists(s.photo.name) for s in theirs)
    assert all(photo_storage.exists(s.photo.name) for s in others)
    for submission in Submission.objects.filter(report__membership=member):
        assert submission.is_photo_removed
        assert submission.photo.name == ""
        assert submission.decline_reason == ""
        assert submission.verdict


def test_participant_erase_with_photos_already_gone_is_no_error(
    photo_storage, finished, administrator
):
    member = second_member(finished)
    for submission in Submission.objects.filter(report__membership=member):
        photo_storage.delete(submission.photo.name)

    participant_erase(member.participant, by=administrator)

    assert member.participant.__class__.objects.get(pk=member.participant_id).is_erased


def test_participant_erase_keeps_the_statistics(finished, administrator):
    scope = statistics.Scope.for_shift(finished)
    before = statistics.summary(scope)

    participant_erase(second_member(finished).participant, by=administrator)

    after = statistics.summary(scope)
    for key in ("members", "queue", "per_day", "attempts", "hardest", "mailing"):
        assert after[key] == before[key]
    numbers = ("place", "points", "total_points", "status")
    assert [{k: row[k] for k in numbers} for row in after["leaderboard"]] == [
        {k: row[k] for k in numbers} for row in before["leaderboard"]
    ]
    names = [row["name"] for row in after["leaderboard"]]
    assert f"Erased participant #{second_member(finished).participant_id}" in names


def test_participant_erase_twice_does_nothing_and_says_so(finished, administrator):
    participant = second_member(finished).participant
    participant_erase(participant, by=administrator)
    entries = LogEntry.objects.count()

    with pytest.raises(ParticipantAlreadyErased, match="already erased"):
        participant_erase(participant, by=administrator)

    assert LogEntry.objects.count() == entries


def test_participant_erase_cancels_queued_messages_and_forgets_texts(administrator):
    participant = ParticipantFactory(first_name="Masha")
    queued = message_enqueue(
        participant, kind=OutboxMessage.Kind.SHIFT, text="Masha, hi", dedupe_key="q"
    )
    sent = message_enqueue(
        participant, kind=OutboxMessage.Kind.SHIFT, text="Masha, bye", dedupe_key="s"
    )
    OutboxMessage.objects.filter(pk=sent.pk).update(status=OutboxMessage.Status.SENT)

    participant_erase(participant, by=administrator)

    queued.refresh_from_db()
    sent.refresh_from_db()
    assert queued.status == OutboxMessage.Status.CANCELLED
    assert sent.status == OutboxMessage.Status.SENT
    for message in (queued, sent):
        assert (message.text, message.chat_id) == ("", None)


def test_message_to_an_erased_participant_is_not_sent_again(administrator):
    participant = ParticipantFactory()
    failed = message_enqueue(
        participant, kind=OutboxMessage.Kind.SHIFT, text="Hi", dedupe_key="f"
    )
    OutboxMessage.objects.filter(pk=failed.pk).update(
        status=OutboxMessage.Status.FAILED
    )
    participant_erase(participant, by=administrator)

    with pytest.raises(OutboxMessageRecipientErased):
        message_requeue(failed, by=administrator)

    failed.refresh_from_db()
    assert failed.status == OutboxMessage.Status.FAILED


def test_participant_erase_takes_them_out_of_a_current_shift(administrator):
    today = timezone.localdate()
    running = ShiftFactory(
        status=Shift.Status.STARTED,
        start_date=today - dt.timedelta(days=3),
        end_date=today + dt.timedelta(days=20),
    )
    member = MembershipFactory(shift=running)
    days = list(running.days.order_by("date")[:3])
    waiting = ReportFactory(membership=member, day=days[0])
    reviewing = ReportFactory(membership=member, day=days[1])
    report_under_review(reviewing)
    approved = ReportFactory(
        membership=member, day=days[2], status=Report.Status.APPROVED
    )
    applied = ApplicationFactory(
        participant=member.participant,
        shift=ShiftFactory(start_date=today + dt.timedelta(days=40)),
    )
    messages = OutboxMessage.objects.count()

    participant_erase(member.participant, by=administrator)

    member.refresh_from_db()
    assert member.status == Membership.Status.EXCLUDED
    assert [
        Report.objects.get(pk=report.pk).status
        for report in (waiting, reviewing, approved)
    ] == [
        Report.Status.NOT_PARTICIPATE,
        Report.Status.NOT_PARTICIPATE,
        Report.Status.APPROVED,
    ]
    applied.refresh_from_db()
    assert applied.status == Application.Status.DECLINED
    assert applied.reviewed_by == administrator
    assert OutboxMessage.objects.count() == messages


def test_participant_erase_is_recorded_and_names_leave_the_history(
    finished, administrator
):
    member = second_member(finished)
    participant = member.participant
    name = participant.first_name
    LogEntry.objects.log_actions(
        administrator.pk, [participant], CHANGE, "Changed city.", single_object=True
    )
    LogEntry.objects.log_actions(
        administrator.pk, [member], CHANGE, "Changed points.", single_object=True
    )
    # With the audit entries of how they joined (approved by staff).
    assert LogEntry.objects.filter(object_repr__contains=name).count() > 2

    participant_erase(participant, by=administrator)

    assert not LogEntry.objects.filter(object_repr__contains=name).exists()
    entry = LogEntry.objects.order_by("-pk").first()
    assert entry.user == administrator
    assert entry.object_id == str(participant.pk)
    assert audit_message(entry).startswith("Erased: personal data cleared")
    assert "2 photos deleted" in audit_message(entry)


def test_erased_participant_may_register_again_as_someone_new(administrator):
    participant = ParticipantFactory(telegram_id=555_001)
    participant_erase(participant, by=administrator)

    again = participant_register(
        telegram_id=555_001,
        first_name="Маша",
        last_name="Петрова",
        birth_date=dt.date(2013, 4, 1),
        city="Казань",
        phone="+79001112233",
        language="ru",
        consent_version=1,
        consent_at=timezone.now(),
    )

    assert again.participant.pk != participant.pk
    assert Participant.objects.get(pk=participant.pk).is_erased


def test_erased_participant_gets_no_mailing(administrator):
    kept, erased = ParticipantFactory.create_batch(2)
    participant_erase(erased, by=administrator)

    audience = Audience(membership=Mailing.Membership.ANY)

    assert list(audience_participants(audience)) == [kept]


@pytest.fixture
def private_redis(settings):
    """The bot's FSM storage in a Redis of this test's own."""
    server = RedisServer().start()
    settings.REDIS_URL = server.url
    yield server
    server.stop()


def dialog_of(telegram_id: int) -> tuple:
    """The registration dialog's state and data, as the bot's dispatcher keeps them."""

    async def read():
        storage = storage_create()
        bot = bot_create()
        context = dispatcher_create(storage=storage).fsm.get_context(
            bot, chat_id=telegram_id, user_id=telegram_id
        )
        try:
            return await context.get_state(), await context.get_data()
        finally:
            await storage.close()
            await bot.session.close()

    return asyncio.run(read())


def dialog_start(telegram_id: int) -> None:
    async def write():
        storage = storage_create()
        bot = bot_create()
        context = dispatcher_create(storage=storage).fsm.get_context(
            bot, chat_id=telegram_id, user_id=telegram_id
        )
        try:
            await context.set_state(Registration.last_name)
            await context.update_data(first_name="Маша")
        finally:
            await storage.close()
            await bot.session.close()

    asyncio.run(write())


def test_participant_erase_forgets_the_dialog_with_the_bot(
    private_redis, administrator, django_capture_on_commit_callbacks
):
    participant = ParticipantFactory(telegram_id=555_002)
    dialog_start(555_002)
    dialog_start(555_003)
    assert dialog_of(555_002) == (Registration.last_name.state, {"first_name": "Маша"})

    with django_capture_on_commit_callbacks(execute=True):
        participant_erase(participant, by=administrator)

    assert dialog_of(555_002) == (None, {})
    assert dialog_of(555_003)[0] == Registration.last_name.state
