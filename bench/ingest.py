"""Bot ingest: 1,000 photo reports from 1,000 participants, with a restart mid-burst.

The real bot (Dispatcher + the confirming poller, handing batches to `--processes`
child processes as runbot does with BOT_PROCESSES) polls the fake Telegram Bot API
over HTTP; every participant sends one photo (an 800x600 JPEG of about 150 KB,
as Telegram delivers a phone photo's middle size) at once. After a share of them is
stored the bot is killed (its tasks cancelled mid-flight, as a crash would) and
started again. Counted: seconds from the first poll to the last photo stored
(file + row), photos lost, photos stored twice, updates left unconfirmed.

    make bench-ingest          # or: .venv/bin/python -m bench.ingest [--photos 1000]

The database is BENCH_INGEST_DATABASE_URL (default: smena_bench_ingest on the
local server), dropped and created afresh on every run.

Bar (DESIGN.md): within 10 s on 2 cores; none lost, none doubled.
"""

import argparse
import asyncio
import io
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter

from bench.cpu import CpuSampler
from bench.database import database_prepare, django_setup

BENCH_DATABASE_URL = os.environ.get(
    "BENCH_INGEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/smena_bench_ingest"
)
WAIT = 120.0


def photo_jpeg(seed: int, width: int, height: int) -> bytes:
    """Render a photo-like JPEG: smooth colour areas with sensor-like noise.

    Each seed gives a different picture (and perceptual hash); the noise makes it
    compress like a camera photo rather than like a flat drawing.
    """
    from PIL import Image

    rng = random.Random(seed)
    grid = Image.new("RGB", (8, 6))
    grid.putdata([tuple(rng.randrange(256) for _ in "rgb") for _ in range(48)])
    picture = grid.resize((width, height), Image.Resampling.BICUBIC)
    noise = Image.effect_noise((width, height), 48).convert("RGB")
    buffer = io.BytesIO()
    Image.blend(picture, noise, 0.2).save(buffer, format="JPEG", quality=87)
    return buffer.getvalue()


class Bot:
    """The bot polling in a thread of its own; `crash()` cancels it mid-flight."""

    def __init__(self, base_url: str, token: str, processes: int) -> None:
        self.base_url, self.token, self.processes = base_url, token, processes
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    def start(self) -> None:
        self._ready.clear()
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),))
        self._thread.start()
        self._ready.wait(WAIT)

    async def _main(self) -> None:
        from botrunner.bot import bot_create, dispatcher_create, storage_create

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        bot = bot_create(token=self.token, api_base=self.base_url)
        dispatcher = dispatcher_create(storage=storage_create("bench"))
        self._task = asyncio.ensure_future(self._poll(bot, dispatcher))
        self._ready.set()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        finally:
            await dispatcher.storage.close()
            await bot.session.close()

    async def _poll(self, bot, dispatcher) -> None:
        from botrunner.polling import poll
        from botrunner.shards import ShardOptions, shards_running

        # As runbot runs it; a crash (cancel) kills the child processes mid-work.
        options = ShardOptions(self.token, self.base_url, storage_prefix="bench")
        async with shards_running(self.processes, options) as shards:
            await poll(dispatcher, bot, stop=self._stop, shards=shards)

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


def cpu_line(others: Counter, own: float, photos: int) -> str:
    parts = [("this process (poller, fake API)", own), *others.most_common()]
    return ", ".join(
        f"{name} {seconds / photos * 1000:.1f} ms" for name, seconds in parts
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--restart-at", type=float, default=0.4)
    parser.add_argument(
        "--processes", type=int, default=2, help="BOT_PROCESSES of the bot"
    )
    parser.add_argument(
        "--photo-size", default="800x600", help="WIDTHxHEIGHT of the photos sent"
    )
    args = parser.parse_args()
    width, height = (int(side) for side in args.photo_size.split("x"))
    # Empty each run, so that every run measures the same work.
    database_prepare(BENCH_DATABASE_URL, fresh=True)
    media = tempfile.mkdtemp(prefix="bench-ingest-")
    django_setup(
        BENCH_DATABASE_URL,
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
        DJANGO_DEBUG="false",
        PRIVATE_MEDIA_ROOT=media,
    )
    try:
        return run(args.photos, args.restart_at, width, height, args.processes)
    finally:
        shutil.rmtree(media, ignore_errors=True)


def run(photos: int, restart_at: float, width: int, height: int, processes: int) -> int:
    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.db.models import Count

    from botrunner.shards import forkserver_start
    from moderation.models import Submission
    from tests.factories import members_waiting_today
    from tests.fakes.telegram_api import FakeTelegramAPI

    call_command("migrate", verbosity=0)
    chats = members_waiting_today(photos, first_telegram_id=5_000_000)
    with FakeTelegramAPI() as api:
        for chat in chats:
            api.photo_update(chat, content=photo_jpeg(chat, width, height))
        bot = Bot(api.base_url, api.token, processes)
        if processes > 1:
            # As in a bot that has been running: the bot's modules are loaded.
            forkserver_start()
        sampler = CpuSampler()
        sampler.start()
        began, began_cpu = time.monotonic(), time.process_time()
        bot.start()
        wait_until(lambda: stored() >= photos * restart_at, WAIT)
        at_crash = stored()
        bot.crash()
        bot.start()
        done = wait_until(lambda: stored() >= photos, WAIT)
        elapsed = time.monotonic() - began
        burst_cpu = time.process_time() - began_cpu
        others_cpu = sampler.stop()
        load = os.getloadavg()[0]
        # Let the poller confirm the last batch before counting what is pending.
        wait_until(api.all_confirmed, 10)
        unconfirmed = len(api.pending_updates())
        bot.stop()
        cpu = time.process_time() - began_cpu

    rows = stored()
    per_report = Submission.objects.values("report").annotate(n=Count("pk"))
    doubled = per_report.filter(n__gt=1).count()
    sample = Submission.objects.order_by("?")[:20]
    files_ok = all(default_storage.exists(s.photo.name) for s in sample)
    lost = photos - per_report.count()
    print(f"photos sent            {photos} ({width}x{height} JPEG)")
    print(f"stored before restart  {at_crash}")
    print(f"stored (rows)          {rows}")
    print(f"lost                   {lost}")
    print(f"doubled                {doubled}")
    print(f"unconfirmed updates    {unconfirmed}")
    print(f"files present (sample) {files_ok}")
    print(f"seconds                {elapsed:.2f}{'' if done else ' (timed out)'}")
    print(f"photos per second      {rows / elapsed:.0f}")
    print(f"bot processes          {processes}")
    # During the burst, per photo: the bot's children are not this process's.
    print("CPU a photo (burst)    " + cpu_line(others_cpu, burst_cpu, photos))
    print(f"CPU of this process    {cpu:.2f} s ({cpu / photos * 1000:.1f} ms a photo)")
    print(f"load average (1 min)   {load:.1f}")
    meets = done and lost == 0 and doubled == 0 and files_ok and elapsed <= 10
    print("meets the bar" if meets else "misses the bar")
    return 0 if meets else 1


if __name__ == "__main__":
    sys.exit(main())
