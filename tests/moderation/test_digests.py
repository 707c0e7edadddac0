import datetime as dt
import email
import io
import socket
import zoneinfo
from email import policy

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask, PeriodicTasks

from core.models import Shift
from moderation.insights.digests import digest_send, digest_subscription_save
from moderation.models import DigestSubscription, Report
from moderation.tasks import digest_send_task
from tests.factories import MembershipFactory, ReportFactory, ShiftFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shift():
    # The digest covers dates of the shift's zone, which near midnight differ
    # from TIME_ZONE's.
    zone = "Asia/Yekaterinburg"
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(zone))
    shift = ShiftFactory(
        status=Shift.Status.STARTED,
        start_date=today - dt.timedelta(days=3),
        end_date=today + dt.timedelta(days=20),
        time_zone=zone,
    )
    member = MembershipFactory(shift=shift, participant__last_name="=evil()")
    ReportFactory(
        membership=member,
        day=shift.days.get(date=today),
        status=Report.Status.APPROVED,
    )
    return shift


@pytest.fixture
def digest(shift, coordinator):
    subscription = digest_subscription_save(
        DigestSubscription(title="Morning digest", shift=shift, hour=7), by=None
    )
    subscription.recipients.add(coordinator, UserFactory(username="boss"))
    return subscription


def digest_form(**overrides) -> dict:
    return {
        "title": "Weekly",
        "frequency": "weekly",
        "weekday": 5,
        "hour": 18,
        "is_active": "on",
        **overrides,
    }


def test_admin_digest_save_schedules_beat_in_site_time_zone(
    client, coordinator, settings
):
    client.force_login(coordinator)
    before = PeriodicTasks.last_change()

    response = client.post(
        reverse("admin:moderation_digestsubscription_add"),
        digest_form(recipients=[coordinator.pk]),
    )

    assert response.status_code == 302
    subscription = DigestSubscription.objects.get()
    task = subscription.periodic_task
    assert task.task == "moderation.tasks.digest_send_task"
    assert task.args == f"[{subscription.pk}]"
    assert task.enabled
    assert (task.crontab.hour, task.crontab.minute, task.crontab.day_of_week) == (
        "18",
        "0",
        "5",
    )
    assert str(task.crontab.timezone) == settings.TIME_ZONE
    assert PeriodicTasks.last_change() != before
    assert list(subscription.recipients.all()) == [coordinator]


def test_digest_save_follows_changes(digest):
    assert str(digest.periodic_task.crontab.timezone) == "Asia/Yekaterinburg"
    assert digest.periodic_task.crontab.day_of_week == "*"

    digest.hour = 22
    digest.is_active = False
    digest_subscription_save(digest, by=None)

    task = PeriodicTask.objects.get(pk=digest.periodic_task_id)
    assert task.crontab.hour == "22"
    assert not task.enabled
    assert (
        PeriodicTask.objects.filter(task="moderation.tasks.digest_send_task").count()
        == 1
    )


def test_digest_schedule_is_named_as_staff_named_the_digest(digest):
    digest.title = "Сводка для координаторов"

    digest_subscription_save(digest, by=None)

    task = PeriodicTask.objects.get(pk=digest.periodic_task_id)
    assert task.name == f"Сводка для координаторов (#{digest.pk})"


def test_admin_digest_delete_removes_schedule(client, coordinator, digest):
    client.force_login(coordinator)
    task_id = digest.periodic_task_id

    client.post(
        reverse("admin:moderation_digestsubscription_delete", args=[digest.pk]),
        {"post": "yes"},
    )

    assert not DigestSubscription.objects.exists()
    assert not PeriodicTask.objects.filter(pk=task_id).exists()


def test_admin_send_now_emails_statistics(client, coordinator, digest):
    client.force_login(coordinator)

    client.post(
        reverse("admin:moderation_digestsubscription_send_now_detail", args=[digest.pk])
    )

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["boss@example.org", "coordinator@example.org"]
    html = message.alternatives[0][0]
    assert 'src="cid:digest-chart"' in html
    assert "Leaderboard" in html
    # The chart is a MIME part, the workbook a (name, content, type) tuple.
    assert [part.get_content_type() for part in message.attachments[:1]] == [
        "image/png"
    ]
    assert message.attachments[1][0].endswith(".xlsx")
    digest.refresh_from_db()
    assert digest.last_sent_at is not None


def test_send_now_without_recipients_is_refused(client, coordinator, shift):
    empty = digest_subscription_save(DigestSubscription(title="Nobody"), by=None)
    client.force_login(coordinator)

    response = client.post(
        reverse("admin:moderation_digestsubscription_changelist"),
        {"action": "send_now_selected", "_selected_action": [empty.pk]},
        follow=True,
    )

    assert "has no recipient with an email address" in response.content.decode()
    assert mail.outbox == []


def test_scheduled_digest_sent_once_when_beat_task_runs_twice(digest):
    digest_send_task.delay(digest.pk)
    digest_send_task.delay(digest.pk)

    assert len(mail.outbox) == 1


def test_scheduled_digest_of_inactive_subscription_is_not_sent(digest):
    digest.is_active = False
    digest_subscription_save(digest, by=None)

    digest_send_task.delay(digest.pk)

    assert mail.outbox == []


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield inbox
    controller.stop()


def test_digest_through_real_smtp_server(smtp_server, digest):
    digest_send(digest, by=None)

    assert len(smtp_server.messages) == 1
    recipients, raw = smtp_server.messages[0]
    assert sorted(recipients) == ["boss@example.org", "coordinator@example.org"]
    message = email.message_from_bytes(raw, policy=policy.default)
    parts = {part.get_content_type(): part for part in message.walk()}
    assert 'src="cid:digest-chart"' in parts["text/html"].get_content()
    image = parts["image/png"]
    assert image["Content-ID"] == "<digest-chart>"
    assert image.get_content().startswith(b"\x89PNG")
    workbook = openpyxl.load_workbook(
        io.BytesIO(
            parts[
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            ].get_content()
        )
    )
    board = workbook["Leaderboard"]
    assert board.cell(row=2, column=2).value.startswith("'=evil()")
    assert board.cell(row=2, column=3).value == 1
