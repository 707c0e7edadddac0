"""Run the real bot (Dispatcher + polling) against the fake Bot API over HTTP."""

import asyncio
import datetime as dt
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from botrunner.bot import bot_create, dispatcher_create, storage_create
from botrunner.polling import poll
from core.models import Membership, Participant, Shift
from moderation.models import Report
from tests.factories import MembershipFactory, ReportFactory, ShiftFactory
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI
from tests.workers import process_env

WAIT = 10.0
BASE_DIR = Path(settings.BASE_DIR)
START_TIMEOUT = 30  # importing Django and aiogram in a fresh process takes seconds


class BotRunner:
    """The bot polling the fake in a thread of its own, as `runbot` runs it.

    `stop()` shuts down gracefully (the batch in hand is finished and
    confirmed); `crash()` cancels everything mid-flight, like a killed process.
    The FSM storage prefix survives restarts, so dialogs do too (in Redis).
    """

    def __init__(self, api: FakeTelegramAPI) -> None:
        self.api = api
        self.storage_prefix = f"test-{uuid.uuid4().hex}"
        self.starts = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._ready = threading.Event()

    def start(self) -> "BotRunner":
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name="bot", daemon=True)
        self._thread.start()
        assert self._ready.wait(WAIT), "the bot did not start"
        self.starts += 1
        return self

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        bot = bot_create(api_base=self.api.base_url)
        dispatcher = dispatcher_create(storage=storage_create(self.storage_prefix))
        self._task = asyncio.ensure_future(
            poll(dispatcher, bot, stop=self._stop, poll_timeout=5)
        )
        self._ready.set()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        finally:
            await dispatcher.storage.close()
            await bot.session.close()

    def _finish(self, how) -> None:
        if self._thread is None:
            return
        assert self._loop is not None
        self._loop.call_soon_threadsafe(how)
        self._thread.join(WAIT)
        assert not self._thread.is_alive(), "the bot did not stop"
        self._thread = None

    def stop(self) -> None:
        self._finish(lambda: self._stop.set())

    def crash(self) -> None:
        self._finish(lambda: self._task.cancel())

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
def bot(api: FakeTelegramAPI, transactional_db) -> Iterator[BotRunner]:
    runner = BotRunner(api).start()
    yield runner
    runner.stop()


def started_shift(**fields) -> Shift:
    """A running shift whose plan covers the current task day."""
    today = timezone.localdate()
    return ShiftFactory(
        start_date=today - dt.timedelta(days=3),
        end_date=today + dt.timedelta(days=26),
        status=Shift.Status.STARTED,
        **fields,
    )


def member(shift: Shift, chat_id: int, **participant) -> Membership:
    """An active member whose Telegram id is `chat_id` (the fake's private chat)."""
    participant.setdefault("language", Participant.Language.EN)
    return MembershipFactory(
        shift=shift,
        participant__telegram_id=chat_id,
        **{f"participant__{key}": value for key, value in participant.items()},
    )


def today_report(membership: Membership, **fields) -> Report:
    """Today's report of a member (what the daily cycle creates at the task hour)."""
    shift = membership.shift
    return ReportFactory(
        membership=membership, day=shift.days.get(date=shift.task_date()), **fields
    )


def runbot(
    api: FakeTelegramAPI,
    log: Path,
    database: str = "",
    *,
    options: tuple[str, ...] = (),
    **environment: str,
) -> subprocess.Popen:
    """Start `manage.py runbot <options>` against the fake and the test database
    (or `database`).

    `environment` adds or overrides settings (e.g. LOG_LEVEL).
    """
    env = process_env(
        {
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "TELEGRAM_API_BASE": api.base_url,
            "LANGUAGE_CODE": "en",
            **({"DATABASE_URL": database} if database else {}),
            **environment,
        }
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", "runbot", *options],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


def kill_if_running(process: subprocess.Popen) -> None:
    """Kill a bot process a test leaves running (it failed before stopping it)."""
    if process.poll() is None:
        process.kill()
        process.wait(10)
