"""`manage.py runbot` while PostgreSQL restarts under it, mid-burst.

The machine's PostgreSQL is shared, so the test runs a server of its own
(initdb + pg_ctl as the `postgres` user, in a temporary directory, on a free
port) and stops and starts that one.
"""

import contextlib
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import environ
import pytest
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections

from botrunner import texts
from moderation.models import Report, Submission
from tests.botrunner.conftest import (
    BASE_DIR,
    START_TIMEOUT,
    kill_if_running,
    runbot,
)
from tests.factories import members_waiting_today

pytestmark = pytest.mark.postgres

ALIAS = "outage"
BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
# Photos in the first burst; the next ones arrive while the server is down.
BURST = 24
LATE = 8
# Photos of the burst whose download hangs, so they are in flight at the stop.
HELD = 8
HOLD_SECONDS = 6.0
WAIT = 90.0  # generous: five engineers share two cores
# What the bot logs when an update meets the stopped server.
OUTAGE_MET = re.compile(r"Update \d+(: database error| failed)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivatePostgres:
    """A PostgreSQL server of the test's own, run as the `postgres` user."""

    def __init__(self, binaries: Path, directory: Path) -> None:
        self.binaries = binaries
        self.data = directory / "data"
        self.log = directory / "server.log"
        self.port = _free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/smena"
        self.directory = directory

    def _run(self, program: str, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", str(self.binaries / program)]
        subprocess.run([*command, *args], check=True, capture_output=True, timeout=120)

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.log),
            "-o", options,
        )  # fmt: skip

    def stop(self) -> None:
        # "fast": open sessions are cut at once, as in a real restart.
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))


@pytest.fixture(scope="module")
def postgres_server(django_db_blocker) -> Iterator[PrivatePostgres]:
    """A migrated database on a private server, reachable as the alias ALIAS."""
    if not BINARIES or shutil.which("runuser") is None or os.geteuid() != 0:
        pytest.skip("needs PostgreSQL's server binaries and root (to run them)")
    directory = Path(tempfile.mkdtemp(prefix="smena-outage-"))
    shutil.chown(directory, "postgres")
    server = PrivatePostgres(Path(BINARIES[-1]), directory)
    try:
        server.create()
        server.start()
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(server.binaries / "createdb"),
             "-h", "127.0.0.1", "-p", str(server.port), "smena"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=BASE_DIR,
            env={**os.environ, "DATABASE_URL": server.url},
            check=True,
            capture_output=True,
            timeout=600,
        )
        with django_db_blocker.unblock(), _alias(server.url):
            yield server
    finally:
        with contextlib.suppress(Exception):
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def _alias(url: str) -> Iterator[None]:
    """Make the server's database reachable through the ORM as ALIAS."""
    databases = {
        DEFAULT_DB_ALIAS: connections.settings[DEFAULT_DB_ALIAS],
        ALIAS: environ.Env.db_url_config(url),
    }
    connections.settings[ALIAS] = connections.configure_settings(databases)[ALIAS]
    try:
        yield
    finally:
        connections[ALIAS].close()
        del connections.settings[ALIAS]
        with contextlib.suppress(AttributeError):
            del connections[ALIAS]


def stored() -> int:
    """Count the stored submissions, on a fresh connection (the server restarts)."""
    connections[ALIAS].close()
    return Submission.objects.using(ALIAS).count()


def replies(api, chat: int) -> list[str]:
    return [call.text for call in api.sent_to(chat) if call.method == "sendMessage"]


def test_runbot_survives_a_database_restart_mid_burst(api, postgres_server, tmp_path):
    log = tmp_path / "runbot.log"
    chats = members_waiting_today(
        BURST + LATE, first_telegram_id=30_000_000, using=ALIAS
    )
    connections[ALIAS].close()
    # These downloads hang, so their photos are stored only after the stop.
    api.delay_next(HELD, HOLD_SECONDS, method="getFile")
    pushed = [api.photo_update(chat)["update_id"] for chat in chats[:BURST]]

    process = runbot(api, log, database=postgres_server.url)
    try:
        # given: the burst is being stored
        assert api.wait_for(
            lambda: stored() >= BURST - HELD, timeout=START_TIMEOUT + WAIT
        ), log.read_text()
        connections[ALIAS].close()

        # when: the server stops, photos keep coming, and it starts again
        postgres_server.stop()
        pushed += [api.photo_update(chat)["update_id"] for chat in chats[BURST:]]
        assert api.wait_for(lambda: OUTAGE_MET.search(log.read_text()), timeout=WAIT)
        postgres_server.start()

        # then: every photo is stored, every update confirmed, the bot answers
        assert api.wait_for(lambda: stored() == BURST + LATE, timeout=WAIT), (
            log.read_text()
        )
        assert api.wait_for(api.all_confirmed, timeout=WAIT)
        api.message_update(chats[0], "/help")
        assert api.wait_for(
            lambda: texts.render("help", "en") in replies(api, chats[0]), timeout=WAIT
        )
        process.send_signal(signal.SIGTERM)
        exit_code = process.wait(30)
    finally:
        kill_if_running(process)

    assert exit_code == 0
    submissions = list(Submission.objects.using(ALIAS).order_by("telegram_update_id"))
    assert [s.telegram_update_id for s in submissions] == sorted(pushed)
    assert all(default_storage.exists(s.photo.name) for s in submissions)
    assert set(Report.objects.using(ALIAS).values_list("status", "attempts")) == {
        ("reviewing", 1)
    }
    received = texts.render("photo_received", "en", attempt=1, limit=3)
    assert {
        chat: replies(api, chat).count(received) for chat in chats
    } == dict.fromkeys(chats, 1)
    apology = texts.render("error", "en")
    assert not any(apology in replies(api, chat) for chat in chats)
