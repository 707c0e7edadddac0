"""`manage.py runbot` as a real process: killed mid-burst, restarted, stopped."""

import signal
import subprocess
import uuid

import pytest

from core.redaction import REDACTED
from moderation.models import Report, Submission
from tests.botrunner.conftest import (
    START_TIMEOUT,
    kill_if_running,
    member,
    runbot,
    started_shift,
    today_report,
)
from tests.fakes.telegram_api import DEFAULT_TOKEN
from tests.workers import WebhookBotProcess

# PostgreSQL only: the bot runs in processes of its own, on the tests' database.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_runbot_process_killed_mid_burst_loses_and_doubles_nothing(api, tmp_path):
    log = tmp_path / "runbot.log"
    burst = 10
    shift = started_shift()
    # Chat ids unique per run: the FSM storage in Redis outlives test databases.
    first_chat = 10_000_000 + uuid.uuid4().int % 10_000_000
    chats = list(range(first_chat, first_chat + burst))
    for chat in chats:
        today_report(member(shift, chat))
    api.delay_next(burst // 2, 30.0, method="getFile")  # half the burst hangs
    pushed = sorted(api.photo_update(chat)["update_id"] for chat in chats)

    process = runbot(api, log)
    try:
        assert api.wait_for(
            lambda: Submission.objects.count() >= burst // 2, timeout=START_TIMEOUT
        ), log.read_text()
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        stored_when_killed = Submission.objects.count()
        unconfirmed = len(api.pending_updates())

        process = runbot(api, log)
        assert api.wait_for(
            lambda: Submission.objects.count() == burst, timeout=START_TIMEOUT
        ), log.read_text()
        assert api.wait_for(api.all_confirmed)
        process.send_signal(signal.SIGTERM)
        exit_code = process.wait(10)
    finally:
        kill_if_running(process)

    assert stored_when_killed < burst
    assert unconfirmed == burst
    assert exit_code == 0
    ids = sorted(Submission.objects.values_list("telegram_update_id", flat=True))
    assert ids == pushed
    assert set(Report.objects.values_list("status", "attempts")) == {("reviewing", 1)}


def test_runbot_log_of_a_failed_download_has_no_token(api, tmp_path):
    log = tmp_path / "runbot.log"
    chat = 7_700_001
    today_report(member(started_shift(), chat))
    api.fail_next(5, 502, method="download")
    api.photo_update(chat)

    process = runbot(api, log)
    try:
        assert api.wait_for(lambda: "not downloaded" in log.read_text(), timeout=60)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()

    text = log.read_text()
    assert "Download of" in text  # the retries were logged, with their error
    assert f"bot{REDACTED}/" in text
    assert DEFAULT_TOKEN not in text


def test_runbot_webhook_worker_killed_mid_burst_loses_and_doubles_nothing(api):
    burst = 12
    shift = started_shift()
    first_chat = 20_000_000 + uuid.uuid4().int % 10_000_000
    chats = list(range(first_chat, first_chat + burst))
    for chat in chats:
        today_report(member(shift, chat))

    with WebhookBotProcess(api_base=api.base_url, env={"LANGUAGE_CODE": "en"}) as bot:
        api.delay_next(burst // 2, 30.0, method="getFile")  # half the burst hangs
        pushed = sorted(api.photo_update(chat)["update_id"] for chat in chats)
        assert api.wait_for(
            lambda: Submission.objects.count() >= burst // 2, timeout=START_TIMEOUT
        ), bot.output()
        killed = bot.kill_worker()
        stored_when_killed = Submission.objects.count()
        assert api.wait_for(
            lambda: Submission.objects.count() == burst, timeout=START_TIMEOUT
        ), bot.output()
        assert api.wait_for(api.all_confirmed), bot.output()
        # uvicorn started a worker in place of the killed one.
        workers = bot.worker_pids()

    assert stored_when_killed < burst
    assert killed not in workers
    assert len(workers) == 2
    ids = sorted(Submission.objects.values_list("telegram_update_id", flat=True))
    assert ids == pushed
    assert set(Report.objects.values_list("status", "attempts")) == {("reviewing", 1)}
    for chat in chats:
        assert api.sent_to(chat), f"chat {chat} got no answer"
