"""/healthz and /readyz: who may ask, what each check reports, when it is 503."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from core import heartbeats
from core.heartbeats import heartbeat_record
from core.models import Heartbeat
from notifications.models import OutboxMessage
from notifications.services import message_enqueue
from tests.factories import ParticipantFactory, UserFactory
from tests.workers import free_port

TOKEN = "readiness-token-for-tests"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
CHECKS = ["database", "redis", "broker", "beat", "bot", "outbox"]


@pytest.fixture(autouse=True)
def _heartbeats_unthrottled():
    heartbeats.throttle.forget()
    yield
    heartbeats.throttle.forget()


@pytest.fixture
def broker_folders(settings, tmp_path: Path) -> None:
    """The embedded broker's folders, when the tests run on it (SQLite runs)."""
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        for name in ("queue", "processed"):
            (tmp_path / name).mkdir()
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
            "data_folder_in": str(tmp_path / "queue"),
            "data_folder_out": str(tmp_path / "queue"),
            "processed_folder": str(tmp_path / "processed"),
        }


@pytest.fixture
def all_well(db, settings, broker_folders) -> None:
    """A deployment where everything works: beat and the bot just beat."""
    settings.READINESS_TOKEN = TOKEN
    heartbeat_record(heartbeats.BEAT)
    heartbeat_record(heartbeats.BOT)


def readyz(client, **headers):
    response = client.get(reverse("readyz"), headers=headers or BEARER)
    return response.status_code, response.json()


def heartbeat_age_set(name: str, seconds: float) -> None:
    Heartbeat.objects.filter(name=name).update(
        beat_at=Heartbeat.objects.get(name=name).beat_at - dt.timedelta(seconds=seconds)
    )


def test_healthz_answers_anyone_without_the_database(client):
    # No `db` fixture: pytest-django makes any query raise.
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("readyz")).status_code == 301


def test_readyz_is_200_when_all_is_well(client, all_well):
    status, body = readyz(client)

    assert status == 200
    assert body["status"] == "ok"
    assert list(body["checks"]) == CHECKS
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["beat"]["status"] == "ok"
    assert body["checks"]["beat"]["max_age_seconds"] == 120
    assert body["checks"]["outbox"] == {
        "status": "ok",
        "waiting": 0,
        "oldest_wait_seconds": None,
        "max_wait_seconds": 900,
    }


def test_readyz_checks_redis_and_the_broker_when_configured(client, all_well):
    _status, body = readyz(client)

    expected_redis = "ok" if django_settings.REDIS_URL else "not configured"
    assert body["checks"]["redis"] == {"status": expected_redis}
    kind = "redis" if django_settings.REDIS_URL else "filesystem"
    assert body["checks"]["broker"] == {"status": "ok", "kind": kind}


def test_readyz_accepts_the_token_in_the_query(client, all_well):
    response = client.get(reverse("readyz"), {"token": TOKEN})

    assert response.status_code == 200


def test_readyz_without_credentials_is_401(client, all_well):
    response = client.get(reverse("readyz"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="readyz"'
    assert "checks" not in response.json()


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": "Bearer wrong"}, {"Authorization": "Bearer "}],
    ids=["wrong-token", "empty-token"],
)
def test_readyz_with_a_wrong_token_is_403(client, all_well, headers):
    response = client.get(reverse("readyz"), {"token": "wrong"}, headers=headers)

    assert response.status_code == 403
    assert "checks" not in response.json()


def test_readyz_refuses_every_token_when_none_is_configured(client, all_well, settings):
    settings.READINESS_TOKEN = ""

    response = client.get(reverse("readyz"), {"token": ""})

    assert response.status_code == 403


def test_readyz_answers_a_logged_in_staff_member(client, all_well, moderator):
    client.force_login(moderator)

    response = client.get(reverse("readyz"))

    assert response.status_code == 200


def test_readyz_refuses_a_logged_in_non_staff_user(client, all_well):
    client.force_login(UserFactory(is_staff=False))

    response = client.get(reverse("readyz"))

    assert response.status_code == 403


def test_readyz_is_503_when_beat_stopped_ticking(client, all_well):
    heartbeat_age_set(heartbeats.BEAT, 121)

    status, body = readyz(client)

    assert status == 503
    assert body["status"] == "failing"
    assert body["checks"]["beat"]["status"] == "failing"
    assert body["checks"]["beat"]["age_seconds"] >= 121
    assert body["checks"]["bot"]["status"] == "ok"


def test_readyz_is_503_when_beat_never_ticked(client, all_well):
    Heartbeat.objects.filter(name=heartbeats.BEAT).delete()

    status, body = readyz(client)

    assert status == 503
    assert body["checks"]["beat"] == {
        "status": "failing",
        "age_seconds": None,
        "max_age_seconds": 120,
    }


def test_readyz_is_503_when_the_bot_stopped_polling(client, all_well):
    heartbeat_age_set(heartbeats.BOT, 121)

    status, body = readyz(client)

    assert status == 503
    assert body["checks"]["bot"]["status"] == "failing"
    assert body["checks"]["beat"]["status"] == "ok"


def test_readyz_max_age_is_a_setting(client, all_well, settings):
    settings.HEARTBEAT_MAX_AGE = 5
    heartbeat_age_set(heartbeats.BOT, 6)

    status, body = readyz(client)

    assert status == 503
    assert body["checks"]["bot"]["max_age_seconds"] == 5


def test_readyz_reports_a_bot_without_token_as_not_configured(
    client, all_well, settings
):
    settings.TELEGRAM_BOT_TOKEN = ""
    Heartbeat.objects.filter(name=heartbeats.BOT).delete()

    status, body = readyz(client)

    assert status == 200
    assert body["checks"]["bot"] == {"status": "not configured"}


def test_readyz_is_503_when_redis_does_not_answer(client, all_well, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"

    status, body = readyz(client)

    assert status == 503
    assert body["checks"]["redis"] == {
        "status": "failing",
        "error": "ConnectionError",
    }


def test_readyz_is_503_when_the_redis_broker_does_not_answer(
    client, all_well, settings
):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"

    status, body = readyz(client)

    assert status == 503
    assert body["checks"]["broker"]["status"] == "failing"


def test_readyz_is_503_when_the_embedded_broker_folder_is_missing(
    client, all_well, settings, tmp_path
):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path / "missing"),
        "data_folder_out": str(tmp_path / "missing"),
    }

    status, body = readyz(client)

    assert status == 503
    assert body["checks"]["broker"] == {"status": "failing", "kind": "filesystem"}


def waiting_message(minutes_ago: float, **participant) -> OutboxMessage:
    return message_enqueue(
        ParticipantFactory(**participant),
        kind=OutboxMessage.Kind.TASK,
        text="Your task for today",
        dedupe_key=f"health-{minutes_ago}-{participant}",
        not_before=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago),
    )


def test_readyz_reports_the_outbox_backlog(client, all_well):
    waiting_message(2)
    waiting_message(1)

    status, body = readyz(client)

    assert status == 200
    outbox = body["checks"]["outbox"]
    assert outbox["waiting"] == 2
    assert 120 <= outbox["oldest_wait_seconds"] < 900


def test_readyz_is_503_when_a_due_message_waited_too_long(client, all_well):
    waiting_message(16)

    status, body = readyz(client)

    assert status == 503
    assert body["checks"]["outbox"]["status"] == "failing"
    assert body["checks"]["outbox"]["oldest_wait_seconds"] > 900


def test_readyz_outbox_ignores_messages_not_due_yet(client, all_well, settings):
    settings.READINESS_OUTBOX_MAX_WAIT = 60
    waiting_message(-30)

    status, body = readyz(client)

    assert status == 200
    assert body["checks"]["outbox"]["waiting"] == 0


def test_readyz_answer_holds_no_personal_data(client, all_well):
    waiting_message(16, first_name="Zlata", last_name="Zyryanova", phone="+79990001122")

    response = client.get(reverse("readyz"), headers=BEARER)

    text = response.content.decode()
    for personal in ("Zlata", "Zyryanova", "+79990001122", "Your task"):
        assert personal not in text
    participant = ParticipantFactory._meta.model.objects.get(first_name="Zlata")
    assert str(participant.telegram_id) not in text


def test_readyz_answer_is_not_cached(client, all_well):
    response = client.get(reverse("readyz"), headers=BEARER)

    assert "no-cache" in response["Cache-Control"]
    assert json.loads(response.content)["status"] == "ok"


def test_health_command_passes_for_a_fresh_heartbeat(all_well, capsys):
    call_command("health", "beat")

    assert capsys.readouterr().out.startswith("beat: {'status': 'ok'")


def test_health_command_fails_for_a_stale_heartbeat(all_well):
    heartbeat_age_set(heartbeats.BOT, 121)

    with pytest.raises(CommandError, match=r"bot: .*'status': 'failing'"):
        call_command("health", "bot")


def test_health_command_passes_for_a_bot_not_configured(db, settings, capsys):
    settings.TELEGRAM_BOT_TOKEN = ""

    call_command("health", "bot")

    assert "not configured" in capsys.readouterr().out
