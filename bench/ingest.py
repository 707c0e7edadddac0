"""Bot ingest: 1,000 photo reports from 1,000 participants, through the real bot.

`manage.py runbot` runs as a process of its own against the fake Telegram Bot API
(served by this process) and a fresh PostgreSQL database, in two modes:

- polling: one process polls the burst; it is killed (SIGKILL) once a share of
  the photos is stored and started again;
- webhook: `runbot --webhook` serves the fake's posts with uvicorn workers; one
  worker is killed (SIGKILL) mid-burst, uvicorn starts another and the fake
  retries what the dead one held, as Telegram does.

Every participant sends one photo (an 800x600 JPEG of about 150 KB, as Telegram
delivers a phone photo's middle size), all at once, once the bot is up. Counted:
seconds from the burst to the last photo stored (file + row), photos lost,
photos stored twice, updates neither confirmed nor answered.

    make bench-ingest     # or: .venv/bin/python -m bench.ingest [--mode webhook]

The database is BENCH_INGEST_DATABASE_URL (default smena_bench_ingest on the local
server), made afresh for each mode; REDIS_URL (default DB 3) holds the dialogs.

Bars (DESIGN.md, on 2 cores): webhook with 2 workers <= 12 s, polling in one
process <= 30 s; none lost, none doubled, every update confirmed or answered.
"""

import argparse
import io
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass

from bench.cpu import CpuSampler
from bench.database import database_prepare, django_setup

BENCH_DATABASE_URL = os.environ.get(
    "BENCH_INGEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/smena_bench_ingest"
)
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3")
BARS = {"polling": 30.0, "webhook": 12.0}
WAIT = 180.0


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


def polling_seen(api):
    """Return a check that the bot has polled the fake since the check was made."""
    seen = len(api.calls)
    return lambda: any(c.method == "getUpdates" for c in api.calls[seen:])


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


@dataclass
class Outcome:
    mode: str
    photos: int
    seconds: float
    at_fault: int
    lost: int
    doubled: int
    unconfirmed: int
    unanswered: int
    files_ok: bool
    done: bool
    cpu: Counter

    @property
    def meets(self) -> bool:
        clean = self.lost == 0 and self.doubled == 0 and self.files_ok
        settled = self.unconfirmed == 0 and self.unanswered == 0
        return self.done and clean and settled and self.seconds <= BARS[self.mode]


def burst(mode: str, photos: int, fault_at: float, workers: int, size) -> Outcome:
    """Run one mode on a fresh database; return what came of the burst."""
    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.db import connections
    from django.db.models import Count

    from moderation.models import Submission
    from tests.factories import members_waiting_today
    from tests.fakes.telegram_api import FakeTelegramAPI
    from tests.workers import BotProcess, WebhookBotProcess

    # The database is dropped: first close this process's connection and pool.
    connections["default"].close()
    connections["default"].close_pool()
    database_prepare(BENCH_DATABASE_URL, fresh=True)

    call_command("migrate", verbosity=0)
    chats = members_waiting_today(photos, first_telegram_id=5_000_000)
    contents = {chat: photo_jpeg(chat, *size) for chat in chats}
    with FakeTelegramAPI() as api:
        env = {"TELEGRAM_BOT_TOKEN": api.token}
        if mode == "webhook":
            bot = WebhookBotProcess(api_base=api.base_url, workers=workers, env=env)
        else:
            bot = BotProcess(api_base=api.base_url, polling=polling_seen(api), env=env)
        with bot:
            sampler = CpuSampler()
            sampler.start()
            began = time.monotonic()
            for chat in chats:
                api.photo_update(chat, content=contents[chat])
            wait_until(lambda: stored() >= photos * fault_at, WAIT)
            at_fault = stored()
            if mode == "webhook":
                bot.kill_worker()
            else:
                bot.kill()
                bot.start()
            done = wait_until(lambda: stored() >= photos, WAIT)
            seconds = time.monotonic() - began
            cpu = sampler.stop()
            wait_until(api.all_confirmed, 30)
            unconfirmed = len(api.pending_updates())
            answered = {m.chat_id for m in api.sent if m.method == "sendMessage"}
            unanswered = len(set(chats) - answered)

    per_report = Submission.objects.values("report").annotate(n=Count("pk"))
    sample = Submission.objects.order_by("?")[:20]
    return Outcome(
        mode=mode,
        photos=photos,
        seconds=seconds,
        at_fault=at_fault,
        lost=photos - per_report.count(),
        doubled=per_report.filter(n__gt=1).count(),
        unconfirmed=unconfirmed,
        unanswered=unanswered,
        files_ok=all(default_storage.exists(s.photo.name) for s in sample),
        done=done,
        cpu=cpu,
    )


def report(outcome: Outcome, workers: int, size) -> None:
    fault = (
        "one worker killed" if outcome.mode == "webhook" else "bot killed, restarted"
    )
    print(
        f"--- {outcome.mode}"
        + (f" ({workers} workers)" if outcome.mode == "webhook" else " (one process)")
    )
    print(f"photos sent            {outcome.photos} ({size[0]}x{size[1]} JPEG)")
    print(f"stored when {fault:<11}{outcome.at_fault}")
    print(f"lost                   {outcome.lost}")
    print(f"doubled                {outcome.doubled}")
    print(f"unconfirmed updates    {outcome.unconfirmed}")
    print(f"unanswered chats       {outcome.unanswered}")
    print(f"files present (sample) {outcome.files_ok}")
    timed_out = "" if outcome.done else " (timed out)"
    print(
        f"seconds                {outcome.seconds:.2f}{timed_out} (bar {BARS[outcome.mode]:.0f})"
    )
    print(f"photos per second      {outcome.photos / outcome.seconds:.0f}")
    cpu = ", ".join(
        f"{name} {seconds / outcome.photos * 1000:.1f} ms"
        for name, seconds in outcome.cpu.most_common()
    )
    print(f"CPU a photo            {cpu}")
    print(f"load average (1 min)   {os.getloadavg()[0]:.1f}")
    print("meets the bar" if outcome.meets else "misses the bar")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mode", choices=["polling", "webhook", "both"], default="both"
    )
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--fault-at", type=float, default=0.4)
    parser.add_argument("--workers", type=int, default=2, help="webhook workers")
    parser.add_argument(
        "--photo-size", default="800x600", help="WIDTHxHEIGHT of the photos sent"
    )
    args = parser.parse_args()
    size = tuple(int(side) for side in args.photo_size.split("x"))
    media = tempfile.mkdtemp(prefix="bench-ingest-")
    database_prepare(BENCH_DATABASE_URL, fresh=True)
    django_setup(
        BENCH_DATABASE_URL,
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
        DJANGO_DEBUG="false",
        PRIVATE_MEDIA_ROOT=media,
        REDIS_URL=REDIS_URL,
    )
    modes = ["polling", "webhook"] if args.mode == "both" else [args.mode]
    try:
        outcomes = [
            burst(mode, args.photos, args.fault_at, args.workers, size)
            for mode in modes
        ]
    finally:
        shutil.rmtree(media, ignore_errors=True)
    for outcome in outcomes:
        report(outcome, args.workers, size)
    return 0 if all(outcome.meets for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
