"""`manage.py runbot` with BOT_PROCESSES=2: updates handled in child processes."""

import datetime as dt
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from core.models import Application, Participant
from moderation.models import Report, Submission
from tests.botrunner.conftest import (
    START_TIMEOUT,
    kill_if_running,
    member,
    runbot,
    started_shift,
    today_report,
)
from tests.factories import ShiftFactory

# PostgreSQL only: the bot runs in processes of its own, on the tests' database.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

PROCESSES = {"BOT_PROCESSES": "2"}
# Far below the 30 s a child hangs in getFile.
WAIT = 10.0


def fresh_chats(count: int) -> list[int]:
    """Chat ids unique per run: the FSM storage in Redis outlives test databases."""
    first = 10_000_000 + uuid.uuid4().int % 10_000_000
    return list(range(first, first + count))


def descendants(pid: int) -> set[int]:
    """Return the running processes started by `pid`, and theirs (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if state != "Z":  # an exited process its new parent has not reaped yet
            parents[int(entry.name)] = int(ppid)
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    running = set()
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[0] != "Z":
            running.add(pid)
    return running


def stop(process: subprocess.Popen) -> int:
    """SIGTERM the bot and return its exit code (killed if it does not stop)."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
        raise


def test_shards_killed_mid_burst_lose_double_and_orphan_nothing(api, tmp_path):
    log = tmp_path / "runbot.log"
    burst = 24
    shift = started_shift()
    chats = fresh_chats(burst)
    for chat in chats:
        today_report(member(shift, chat))
    api.delay_next(burst // 2, 30.0, method="getFile")  # half the burst hangs
    pushed = sorted(api.photo_update(chat)["update_id"] for chat in chats)

    process = runbot(api, log, **PROCESSES)
    try:
        assert api.wait_for(
            lambda: Submission.objects.count() >= burst // 4, timeout=START_TIMEOUT
        ), log.read_text()
        children = descendants(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        stored_when_killed = Submission.objects.count()
        unconfirmed = len(api.pending_updates())
        # The children hang in getFile, yet must not outlive their poller.
        orphans_gone = api.wait_for(lambda: not alive(children), timeout=WAIT)

        process = runbot(api, log, **PROCESSES)
        assert api.wait_for(
            lambda: Submission.objects.count() == burst, timeout=START_TIMEOUT
        ), log.read_text()
        assert api.wait_for(api.all_confirmed, timeout=START_TIMEOUT), log.read_text()
        exit_code = stop(process)
    finally:
        kill_if_running(process)

    # The forkserver and the two bot processes.
    assert len(children) >= 3
    assert orphans_gone, alive(children)
    assert stored_when_killed < burst
    assert unconfirmed == burst
    assert exit_code == 0
    ids = sorted(Submission.objects.values_list("telegram_update_id", flat=True))
    assert ids == pushed
    assert set(Report.objects.values_list("status", "attempts")) == {("reviewing", 1)}


def test_shards_keep_each_chats_dialog_in_order(api, tmp_path):
    log = tmp_path / "runbot.log"
    shift = ShiftFactory()
    chats = fresh_chats(8)
    # Every step of every dialog is queued before the bot starts: each chat's
    # updates arrive in one batch and must be answered in order.
    for chat in chats:
        api.message_update(chat, "/start")
        for answer in ("Anna", "Petrova", "17.05.2014", "Kazan"):
            api.message_update(chat, answer)
        api.contact_update(chat, "+7 900 123-45-67")

    process = runbot(api, log, **PROCESSES)
    try:
        assert api.wait_for(
            lambda: Application.objects.count() == len(chats), timeout=START_TIMEOUT
        ), log.read_text()
        assert api.wait_for(api.all_confirmed, timeout=START_TIMEOUT), log.read_text()
        exit_code = stop(process)
    finally:
        kill_if_running(process)

    assert exit_code == 0
    participants = Participant.objects.order_by("telegram_id")
    assert [p.telegram_id for p in participants] == chats
    assert {
        (p.first_name, p.last_name, p.birth_date, p.city, p.phone) for p in participants
    } == {("Anna", "Petrova", dt.date(2014, 5, 17), "Kazan", "+79001234567")}
    assert set(Application.objects.values_list("shift", flat=True)) == {shift.pk}
