"""Webhook mode: the Django view Telegram posts to, and `runbot --webhook`."""

import json
import uuid

import pytest
from aiogram.fsm.storage.memory import MemoryStorage
from django.core.management import CommandError, call_command
from django.urls import reverse

from botrunner import bot as bot_module
from botrunner import texts
from core import heartbeats
from core.models import Heartbeat
from moderation.models import Submission
from tests.botrunner.conftest import member, started_shift, today_report

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = 9101
SECRET = "s3cret-token"
EN = {"language_code": "en"}


@pytest.fixture
def webhook(api, settings, monkeypatch):
    """Configure webhook mode against the fake; return a function posting updates."""
    settings.TELEGRAM_API_BASE = api.base_url
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    prefix = f"test-{uuid.uuid4().hex}"
    # Dialogs of one test must not leak into the next (Redis or memory).
    monkeypatch.setattr(
        "botrunner.views.storage_create", lambda: bot_module.storage_create(prefix)
    )
    monkeypatch.setattr("botrunner.views._memory_storage", MemoryStorage())

    def post(client, update, secret=SECRET):
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        return client.post(
            reverse("telegram-webhook"),
            data=json.dumps(update),
            content_type="application/json",
            headers=headers,
        )

    return post


def test_webhook_with_the_right_secret_handles_the_update(api, webhook, client):
    update = api.message_update(CHAT, "/help", user=EN, push=False)

    response = webhook(client, update)

    assert response.status_code == 200
    assert api.sent_to(CHAT)[-1].text == texts.render("help", "en")


def test_webhook_call_handled_records_the_bot_heartbeat(api, webhook, client):
    heartbeats.throttle.forget()
    update = api.message_update(CHAT, "/help", user=EN, push=False)

    webhook(client, update)

    assert Heartbeat.objects.filter(name=heartbeats.BOT).exists()


@pytest.mark.parametrize("secret", ["wrong", "", None])
def test_webhook_with_a_wrong_secret_is_refused(api, webhook, client, secret):
    update = api.message_update(CHAT, "/start", user=EN, push=False)

    response = webhook(client, update, secret=secret)

    assert response.status_code == 403
    assert api.sent_to(CHAT) == []


def test_webhook_is_off_without_a_secret(api, webhook, client, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = ""

    response = webhook(client, api.message_update(CHAT, "/help", push=False))

    assert response.status_code == 404


def test_webhook_refuses_non_json_and_get(webhook, client):
    bad = client.post(
        reverse("telegram-webhook"),
        data=b"{not json",
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    get = client.get(reverse("telegram-webhook"))

    assert bad.status_code == 400
    assert get.status_code == 405


def test_webhook_keeps_the_dialog_between_requests(api, webhook, client):
    webhook(client, api.message_update(CHAT, "/start", user=EN, push=False))

    webhook(client, api.message_update(CHAT, "Anna", user=EN, push=False))

    assert api.sent_to(CHAT)[-1].text == texts.render("ask_last_name", "en")


def test_webhook_retry_of_a_photo_is_stored_once(api, webhook, client):
    report = today_report(member(started_shift(), CHAT))
    update = api.photo_update(CHAT, push=False)

    first, retry = webhook(client, update), webhook(client, update)

    assert (first.status_code, retry.status_code) == (200, 200)
    assert Submission.objects.get().report == report
    report.refresh_from_db()
    assert report.attempts == 1


def test_webhook_unreadable_update_is_acknowledged(webhook, client):
    response = webhook(client, {"update_id": 1, "message": {"text": 5}})

    assert response.status_code == 200
    assert not Submission.objects.exists()


def test_runbot_webhook_registers_the_webhook(api, settings):
    settings.TELEGRAM_API_BASE = api.base_url
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    settings.TELEGRAM_WEBHOOK_URL = "https://smena.example.org/telegram/webhook/"

    call_command("runbot", "--webhook")

    [call] = [c for c in api.calls if c.method == "setWebhook"]
    assert call.params["url"] == settings.TELEGRAM_WEBHOOK_URL
    assert call.params["secret_token"] == SECRET
    assert set(call.params["allowed_updates"]) == {
        "message",
        "callback_query",
        "my_chat_member",
    }
    assert set(api.commands) == {("default", ""), ("default", "en"), ("default", "ru")}


@pytest.mark.parametrize(
    ("url", "secret"),
    [("http://insecure.example.org/", SECRET), ("https://ok.example.org/", "")],
)
def test_runbot_webhook_needs_https_and_a_secret(settings, url, secret):
    settings.TELEGRAM_WEBHOOK_URL = url
    settings.TELEGRAM_WEBHOOK_SECRET = secret

    with pytest.raises(CommandError):
        call_command("runbot", "--webhook")


def test_runbot_check_tells_whether_a_token_is_set(settings):
    call_command("runbot", "--check")
    settings.TELEGRAM_BOT_TOKEN = ""

    with pytest.raises(CommandError):
        call_command("runbot", "--check")
