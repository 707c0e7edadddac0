"""Redis goes down: the admin keeps working, messages wait and go out when it returns.

The machine's Redis is shared, so the test runs its own (tests/redis_server.py)
and points everything that uses Redis at it: this process's cache, Celery
publishing and limiter, and a real worker and beat.
"""

import datetime as dt
import logging
import shutil
import time
from collections import Counter

import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core.models import Application, Shift
from core.schedule import periodic_tasks_sync
from moderation.models import Report
from notifications.models import Mailing, OutboxMessage
from notifications.services import mailing_schedule
from tests.factories import (
    ApplicationFactory,
    MembershipFactory,
    ShiftFactory,
    UserFactory,
)
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.moderation.queue import QUEUE, review_url, reviewing
from tests.redis_server import RedisServer
from tests.workers import CeleryWorker, celery_publishing_to

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

Status = OutboxMessage.Status
PASSWORD = "outage-pass-123"
# Beat drains every 10 s and fans out mailings every 30 s; the worker retries
# the broker every few seconds.
RECOVERY_TIMEOUT = 50
# The shift's members: the two whose reports are reviewed and one more.
MAILING_RECIPIENTS = 3


@pytest.fixture
def redis_server():
    if shutil.which("redis-server") is None:
        pytest.skip("needs the redis-server binary")
    with RedisServer() as server:
        yield server


@pytest.fixture
def on_private_redis(redis_server, settings):
    """Point this process's cache, limiter and Celery at the private Redis.

    Celery's broker is changed on the app (not CELERY_BROKER_URL), which puts
    it back afterwards.
    """
    settings.REDIS_URL = redis_server.url
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.OutageTolerantRedisCache",
            "LOCATION": redis_server.url,
        }
    }
    # As in production: a commit that queued a message starts the sender.
    settings.OUTBOX_KICK_ENABLED = True
    with celery_publishing_to(redis_server.url):
        yield redis_server


@pytest.fixture
def fake_telegram(settings):
    with FakeTelegramAPI(settings.TELEGRAM_BOT_TOKEN) as api:
        yield api


def _login(client, user) -> None:
    # A real login (django-axes watches it), not force_login.
    response = client.post(
        reverse("admin:login"),
        {"username": user.username, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302


ADMIN_PAGES = [
    "admin:index",
    "admin:core_shift_changelist",
    "admin:core_application_changelist",
    "admin:core_membership_changelist",
    "admin:core_participant_changelist",
    "admin:moderation_report_changelist",
    "admin:notifications_outboxmessage_changelist",
    "admin:notifications_mailing_changelist",
]


def _worker_with_beat(env: dict[str, str]) -> CeleryWorker:
    """A worker running beat, on the default queues (those this process sends
    to): the private Redis serves no one else."""
    # Beat's table as `migrate` leaves it: an earlier test's flush may have emptied it.
    periodic_tasks_sync()
    # The daily cycle is not under test; its task messages would mix in.
    PeriodicTask.objects.filter(task="moderation.tasks.tick_task").update(enabled=False)
    return CeleryWorker(
        env=env,
        queue=settings.CELERY_TASK_DEFAULT_QUEUE,
        telegram_queue=settings.CELERY_TELEGRAM_QUEUE,
        beat=True,
    )


def _settled(mailing: Mailing) -> bool:
    return (
        mailing.deliveries.count() == MAILING_RECIPIENTS
        and not OutboxMessage.objects.exclude(status=Status.SENT).exists()
    )


def test_admin_during_redis_outage_saves_and_messages_go_out_after(
    client, on_private_redis, fake_telegram, caplog
):
    redis_server, telegram = on_private_redis, fake_telegram
    staff = UserFactory(username="boss", is_superuser=True, password=PASSWORD)
    shift = ShiftFactory(
        start_date=timezone.localdate() - dt.timedelta(days=1),
        status=Shift.Status.STARTED,
    )
    to_approve, to_decline = reviewing(shift, 2)
    application = ApplicationFactory(
        shift=ShiftFactory(start_date=shift.end_date + dt.timedelta(days=1))
    )
    MembershipFactory.create_batch(MAILING_RECIPIENTS - 2, shift=shift)
    mailing = Mailing.objects.create(title="News", text="Hello, {name}!")
    mailing.shifts.set([shift])
    worker = _worker_with_beat(
        {
            "TELEGRAM_API_BASE": telegram.base_url,
            "REDIS_URL": redis_server.url,
            "CELERY_BROKER_URL": redis_server.url,
        }
    )

    with worker:
        # given: Redis is down
        redis_server.stop()
        caplog.set_level(logging.WARNING)

        # when: staff work in the admin
        _login(client, staff)
        for name in ADMIN_PAGES:
            assert client.get(reverse(name)).status_code == 200, name
        assert client.get(QUEUE).status_code == 200
        answers = [
            client.post(review_url(to_approve, "approve")),
            client.post(
                review_url(to_decline, "decline"),
                {"decline": "1", "text": "Too dark."},
            ),
            client.post(
                reverse("admin:core_application_changelist"),
                {"action": "approve_selected", ACTION_CHECKBOX_NAME: [application.pk]},
            ),
            client.post(
                reverse(
                    "admin:notifications_mailing_schedule_detail", args=[mailing.pk]
                )
            ),
        ]

        # then: every change is saved; the messages wait in the outbox
        assert [answer.status_code for answer in answers] == [302] * 4
        to_approve.refresh_from_db()
        to_decline.refresh_from_db()
        application.refresh_from_db()
        mailing.refresh_from_db()
        assert to_approve.status == Report.Status.APPROVED
        assert to_decline.status == Report.Status.DECLINED
        assert application.status == Application.Status.APPROVED
        assert mailing.status == Mailing.Status.SCHEDULED
        waiting = Counter(OutboxMessage.objects.values_list("kind", "status"))
        assert waiting == {
            (OutboxMessage.Kind.REVIEW, Status.PENDING): 2,
            (OutboxMessage.Kind.APPLICATION, Status.PENDING): 1,
        }
        warnings = [record.getMessage() for record in caplog.records]
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert sum("Celery broker (Redis) is unreachable" in w for w in warnings) == 1
        assert sum("Cache (Redis) is unreachable" in w for w in warnings) == 1

        # when: Redis is back
        redis_server.start()

        # then: beat and the worker, still running, send everything once
        assert _wait(lambda: _settled(mailing), RECOVERY_TIMEOUT), worker.output()[
            -3000:
        ]
        assert worker.process.poll() is None

    rows = list(OutboxMessage.objects.all())
    assert len(rows) == 3 + MAILING_RECIPIENTS
    sent = Counter((call.chat_id, call.text) for call in telegram.sent)
    assert sent == Counter((row.chat_id, row.text) for row in rows)
    assert max(sent.values()) == 1
    assert all(row.telegram_message_id is not None for row in rows)


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


DRAIN_RECIPIENTS = 40


def test_drain_when_redis_goes_down_puts_back_what_it_has_not_sent(
    on_private_redis, fake_telegram
):
    redis_server, telegram = on_private_redis, fake_telegram
    shift = ShiftFactory()
    members = MembershipFactory.create_batch(DRAIN_RECIPIENTS, shift=shift)
    mailing = Mailing.objects.create(title="News", text="Hello, {name}!")
    mailing.shifts.set([shift])
    # Requests in flight when Redis goes: they reach Telegram all the same.
    telegram.delay_next(3, 2.0, method="sendMessage")
    worker = _worker_with_beat(
        {
            "TELEGRAM_API_BASE": telegram.base_url,
            "REDIS_URL": redis_server.url,
            "CELERY_BROKER_URL": redis_server.url,
            "TELEGRAM_RATE_GLOBAL": "10",
            "OUTBOX_SENDER_CONCURRENCY": "4",
        }
    )

    with worker:
        mailing_schedule(mailing, by=None)  # fans out and starts the sender
        assert telegram.wait_for(lambda: len(telegram.sent) >= 5, timeout=30)
        redis_server.stop()
        # The drain stops: what it held is recorded or put back, nothing is stuck.
        assert _wait(_none_sending, 15)
        during = Counter(OutboxMessage.objects.values_list("status", flat=True))
        redis_server.start()
        assert _wait(lambda: _all_sent(DRAIN_RECIPIENTS), RECOVERY_TIMEOUT), (
            worker.output()[-3000:]
        )
        log = worker.output()

    assert set(during) == {Status.SENT, Status.PENDING}
    assert log.count("Rate limits (Redis) is unreachable") >= 1
    assert "Traceback" not in log
    sends = Counter(call.chat_id for call in telegram.sent)
    assert sends == Counter(member.participant.telegram_id for member in members)


def _none_sending() -> bool:
    return not OutboxMessage.objects.filter(status=Status.SENDING).exists()


def _all_sent(count: int) -> bool:
    return OutboxMessage.objects.filter(status=Status.SENT).count() == count
