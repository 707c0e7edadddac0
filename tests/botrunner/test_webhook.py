"""Webhook mode: the ASGI app Telegram posts to, served by a real uvicorn."""

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
import uvicorn
from django.core.management import CommandError, call_command
from django.db import connection

from botrunner import bot as bot_module
from botrunner import texts
from botrunner.webhook import WebhookApp
from core import heartbeats
from core.models import Heartbeat
from moderation.models import Submission
from tests.botrunner.conftest import member, started_shift, today_report
from tests.botrunner.test_robustness import FAILING_INSERTS, FAILING_INSERTS_DROPPED
from tests.workers import free_port

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = 9101
SECRET = "s3cret-token"
PATH = "/telegram/webhook/"
EN = {"language_code": "en"}
START_TIMEOUT = 10.0


class WebhookServer:
    """One webhook worker: uvicorn serving the app in a thread of this process."""

    def __init__(self, app: WebhookApp) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, lifespan="on", log_config=None
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "WebhookServer":
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.should_exit = True
        self.thread.join(START_TIMEOUT)

    def post(
        self,
        update: dict | bytes,
        *,
        secret: str | None = SECRET,
        path: str = PATH,
        method: str = "POST",
    ) -> int:
        """Send a request as Telegram does; return the HTTP status."""
        body = update if isinstance(update, bytes) else json.dumps(update).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=body if method == "POST" else None,
            headers=headers,
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


@pytest.fixture
def webhook(api, settings, monkeypatch) -> Iterator[WebhookServer]:
    settings.TELEGRAM_API_BASE = api.base_url
    # Dialogs of one test must not leak into the next (Redis outlives a test).
    prefix = f"test-{uuid.uuid4().hex}"
    monkeypatch.setattr(
        "botrunner.webhook.storage_create",
        lambda: bot_module.storage_create(prefix),
    )
    with WebhookServer(WebhookApp(PATH, SECRET)) as server:
        yield server


def test_webhook_with_the_right_secret_handles_the_update(api, webhook):
    update = api.message_update(CHAT, "/help", user=EN, push=False)

    status = webhook.post(update)

    assert status == 200
    assert api.sent_to(CHAT)[-1].text == texts.render("help", "en")


def test_webhook_closes_each_connection_so_workers_share_a_burst(api, webhook):
    connection = http.client.HTTPConnection("127.0.0.1", webhook.port, timeout=30)
    body = json.dumps(api.message_update(CHAT, "/help", user=EN, push=False))
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

    connection.request("POST", PATH, body=body, headers=headers)
    response = connection.getresponse()
    response.read()

    assert response.status == 200
    assert response.getheader("Connection") == "close"
    assert response.will_close


def test_webhook_call_handled_records_the_bot_heartbeat(api, webhook):
    heartbeats.throttle.forget()
    update = api.message_update(CHAT, "/help", user=EN, push=False)

    webhook.post(update)

    assert Heartbeat.objects.filter(name=heartbeats.BOT).exists()


@pytest.mark.parametrize("secret", ["wrong", "", None])
def test_webhook_with_a_wrong_secret_is_refused(api, webhook, secret):
    update = api.message_update(CHAT, "/start", user=EN, push=False)

    status = webhook.post(update, secret=secret)

    assert status == 403
    assert api.sent_to(CHAT) == []


def test_webhook_refuses_other_paths_methods_and_non_json(api, webhook):
    update = api.message_update(CHAT, "/help", user=EN, push=False)

    assert webhook.post(update, path="/elsewhere/") == 404
    assert webhook.post(b"", method="GET") == 405
    assert webhook.post(b"{not json") == 400
    assert webhook.post(b"x" * (2 * 1024 * 1024)) == 413
    assert api.sent_to(CHAT) == []


def test_webhook_keeps_the_dialog_between_requests(api, webhook):
    webhook.post(api.message_update(CHAT, "/start", user=EN, push=False))
    webhook.post(api.callback_update(CHAT, "consent:yes:1", user=EN, push=False))

    webhook.post(api.message_update(CHAT, "Anna", user=EN, push=False))

    assert api.sent_to(CHAT)[-1].text == texts.render("ask_last_name", "en")


def test_webhook_retry_of_a_photo_is_stored_once(api, webhook):
    report = today_report(member(started_shift(), CHAT))
    update = api.photo_update(CHAT, push=False)

    statuses = webhook.post(update), webhook.post(update)

    assert statuses == (200, 200)
    assert Submission.objects.get().report == report
    report.refresh_from_db()
    assert report.attempts == 1


def test_webhook_unreadable_update_is_acknowledged(webhook):
    status = webhook.post({"update_id": 1, "message": {"text": 5}})

    assert status == 200
    assert not Submission.objects.exists()


@pytest.mark.postgres
def test_webhook_database_error_answers_500_and_the_retry_stores_once(api, webhook):
    today_report(member(started_shift(), CHAT))
    update = api.photo_update(CHAT, push=False)
    with connection.cursor() as cursor:
        cursor.execute(FAILING_INSERTS)
    try:
        failed = webhook.post(update)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(FAILING_INSERTS_DROPPED)

    retried = webhook.post(update)

    assert (failed, retried) == (500, 200)
    assert Submission.objects.get().telegram_update_id == update["update_id"]
    # No apology for a failure Telegram retries: only the retry's answer.
    assert [m.text for m in api.sent_to(CHAT)] == [
        texts.render("photo_received", "en", attempt=1, limit=3)
    ]


@pytest.mark.parametrize(
    ("url", "secret"),
    [("http://insecure.example.org/", SECRET), ("https://ok.example.org/", "")],
)
def test_runbot_webhook_needs_https_and_a_secret(settings, url, secret):
    settings.TELEGRAM_WEBHOOK_URL = url
    settings.TELEGRAM_WEBHOOK_SECRET = secret

    with pytest.raises(CommandError):
        call_command("runbot", "--webhook")


def test_runbot_webhook_workers_need_redis(settings):
    settings.TELEGRAM_WEBHOOK_URL = "https://ok.example.org/telegram/webhook/"
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    settings.TELEGRAM_WEBHOOK_WORKERS = 2
    settings.REDIS_URL = ""

    with pytest.raises(CommandError, match="REDIS_URL"):
        call_command("runbot", "--webhook")


def test_runbot_check_tells_whether_a_token_is_set(settings):
    call_command("runbot", "--check")
    settings.TELEGRAM_BOT_TOKEN = ""

    with pytest.raises(CommandError):
        call_command("runbot", "--check")
