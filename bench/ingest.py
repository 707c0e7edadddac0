"""Bot ingest: 1,000 photo reports from 1,000 participants, with a restart mid-burst.

The real bot (Dispatcher + the confirming poller) polls the fake Telegram Bot API
over HTTP; every participant sends one photo at once. After a share of them is
stored the bot is killed (its tasks cancelled mid-flight, as a crash would) and
started again. Counted: seconds from the first poll to the last photo stored
(file + row), photos lost, photos stored twice, updates left unconfirmed.

    make bench-ingest          # or: .venv/bin/python -m bench.ingest [--photos 1000]

Bar (DESIGN.md): within 10 s on 2 cores; none lost, none doubled.
"""

import argparse
import asyncio
import datetime as dt
import os
import sys
import threading
import time

from bench.database import database_prepare, django_setup

BENCH_DATABASE_URL = os.environ.get(
    "BENCH_INGEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/smena_bench_ingest"
)
WAIT = 120.0


def programme_create(count: int) -> list[int]:
    """A started shift with `count` members, each with today's waiting report."""
    from django.utils import timezone

    from core.models import Membership, Participant, Shift, ShiftDay, Task
    from moderation.models import Report

    task = Task.objects.create(title="Wash the dishes", description="Send a photo.")
    today = timezone.localdate()
    shift = Shift.objects.create(
        title="Ingest",
        status=Shift.Status.STARTED,
        start_date=today - dt.timedelta(days=1),
        end_date=today + dt.timedelta(days=30),
    )
    ShiftDay.objects.bulk_create(
        ShiftDay(shift=shift, date=shift.start_date + dt.timedelta(days=n), task=task)
        for n in range(shift.duration_days)
    )
    day = ShiftDay.objects.get(shift=shift, date=shift.task_date())
    people = Participant.objects.bulk_create(
        Participant(
            telegram_id=5_000_000 + n,
            first_name=f"Kid{n}",
            last_name="Bench",
            language="en",
        )
        for n in range(count)
    )
    members = Membership.objects.bulk_create(
        Membership(participant=person, shift=shift) for person in people
    )
    Report.objects.bulk_create(Report(membership=member, day=day) for member in members)
    return [person.telegram_id for person in people]


class Bot:
    """The bot polling in a thread of its own; `crash()` cancels it mid-flight."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url, self.token = base_url, token
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    def start(self) -> None:
        self._ready.clear()
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),))
        self._thread.start()
        self._ready.wait(WAIT)

    async def _main(self) -> None:
        from asgiref.sync import sync_to_async
        from django.db import connections

        from botrunner.bot import bot_create, dispatcher_create, storage_create
        from botrunner.polling import poll

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        bot = bot_create(token=self.token, api_base=self.base_url)
        dispatcher = dispatcher_create(storage=storage_create("bench"))
        self._task = asyncio.ensure_future(poll(dispatcher, bot, stop=self._stop))
        self._ready.set()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        finally:
            await dispatcher.storage.close()
            await bot.session.close()
            await sync_to_async(connections.close_all)()

    def _finish(self, how) -> None:
        self._loop.call_soon_threadsafe(how)
        self._thread.join(WAIT)

    def crash(self) -> None:
        self._finish(lambda: self._task.cancel())

    def stop(self) -> None:
        self._finish(self._stop.set)


def stored() -> int:
    from moderation.models import Submission

    return Submission.objects.count()


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--restart-at", type=float, default=0.4)
    args = parser.parse_args()
    # Empty each run, so that every run measures the same work.
    database_prepare(BENCH_DATABASE_URL, fresh=True)
    django_setup(BENCH_DATABASE_URL, LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"))
    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.db.models import Count

    from moderation.models import Submission
    from tests.fakes.telegram_api import FakeTelegramAPI

    call_command("migrate", verbosity=0)
    chats = programme_create(args.photos)
    with FakeTelegramAPI() as api:
        for chat in chats:
            api.photo_update(chat)
        bot = Bot(api.base_url, api.token)
        began = time.monotonic()
        bot.start()
        wait_until(lambda: stored() >= args.photos * args.restart_at, WAIT)
        at_crash = stored()
        bot.crash()
        bot.start()
        done = wait_until(lambda: stored() >= args.photos, WAIT)
        elapsed = time.monotonic() - began
        # Let the poller confirm the last batch before counting what is pending.
        wait_until(api.all_confirmed, 10)
        unconfirmed = len(api.pending_updates())
        bot.stop()

    rows = stored()
    per_report = Submission.objects.values("report").annotate(n=Count("pk"))
    doubled = per_report.filter(n__gt=1).count()
    sample = Submission.objects.order_by("?")[:20]
    files_ok = all(default_storage.exists(s.photo.name) for s in sample)
    lost = args.photos - per_report.count()
    print(f"photos sent            {args.photos}")
    print(f"stored before restart  {at_crash}")
    print(f"stored (rows)          {rows}")
    print(f"lost                   {lost}")
    print(f"doubled                {doubled}")
    print(f"unconfirmed updates    {unconfirmed}")
    print(f"files present (sample) {files_ok}")
    print(f"seconds                {elapsed:.2f}{'' if done else ' (timed out)'}")
    print(f"photos per second      {rows / elapsed:.0f}")
    meets = done and lost == 0 and doubled == 0 and files_ok and elapsed <= 10
    print("meets the bar" if meets else "misses the bar")
    return 0 if meets else 1


if __name__ == "__main__":
    sys.exit(main())
