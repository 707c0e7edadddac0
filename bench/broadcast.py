"""bench/broadcast: a 2,000-recipient mailing through the real sender, at 25 and 30 msg/s.

A real Celery worker drains the outbox against the fake Bot API, which enforces
the configured global rate (30 msg/s is Telegram's own limit) and 1 msg/s per
chat by answering 429. Each rate runs in a fresh throwaway database. Reported
per rate: achieved / configured rate, 429s, the busiest chat and second, and
recipients lost or messaged twice. The bar (DESIGN.md): >= 95 % of the
configured rate, no 429, none lost, none duplicated; the exit status is 1 when
it is missed at any rate.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smena \\
    REDIS_URL=redis://127.0.0.1:6379/5 python -m bench.broadcast [--rates 30]

It works in a throwaway database (`bench_<name>`), dropped at the end, and the
Redis database of REDIS_URL (its rate-limit keys are reset).
"""

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections import Counter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

BAR_RATE = 0.95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument(
        "--rates", default="25,30", help="global msg/s to run at, comma-separated"
    )
    parser.add_argument("--per-chat", type=int, default=1, help="msg/s per chat")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not (
        os.environ.get("REDIS_URL")
    ):
        print("Set DATABASE_URL (PostgreSQL) and REDIS_URL.", file=sys.stderr)
        return 2
    django.setup()
    from django.db import connection

    connection.settings_dict["TEST"]["NAME"] = (
        f"bench_{connection.settings_dict['NAME']}"
    )
    results = []
    for rate in [int(rate) for rate in args.rates.split(",")]:
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            result = run(args, rate)
        finally:
            connection.creation.destroy_test_db(
                connection.settings_dict["NAME"], verbosity=0
            )
        results.append(result)
        if not args.json:
            report(result)
            print(flush=True)
    if args.json:
        print(json.dumps(results, indent=2))
    elif len(results) > 1:
        summary(results)
    return 0 if all(result["passed"] for result in results) else 1


def run(args: argparse.Namespace, rate: int) -> dict:
    from django.conf import settings

    from notifications.models import OutboxMessage
    from notifications.services import mailing_schedule, mailings_dispatch_due
    from tests.fakes.telegram_api import FakeTelegramAPI
    from tests.notifications.limiter import limiter_reset
    from tests.workers import CeleryWorker

    mailing = _mailing_with_recipients(args.recipients)
    mailing_schedule(mailing, by=None)
    mailings_dispatch_due()
    recipients = set(
        OutboxMessage.objects.filter(mailing=mailing).values_list("chat_id", flat=True)
    )
    limiter_reset()
    with FakeTelegramAPI(settings.TELEGRAM_BOT_TOKEN) as api:
        api.rate_limit(rate, args.per_chat)
        env = {
            "TELEGRAM_API_BASE": api.base_url,
            "TELEGRAM_RATE_GLOBAL": str(rate),
            "TELEGRAM_RATE_PER_CHAT": str(args.per_chat),
        }
        with CeleryWorker(env=env) as worker:
            load_before = os.getloadavg()[0]
            started = time.monotonic()
            worker.send("notifications.tasks.outbox_drain_task")
            deadline = started + 60 + 2 * args.recipients / rate
            while OutboxMessage.objects.filter(
                status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING]
            ).exists():
                if time.monotonic() > deadline:
                    raise TimeoutError(worker.output()[-3000:])
                time.sleep(0.5)
            wall = time.monotonic() - started
            load_after = os.getloadavg()[0]
        stats = api.stats()
        sends = [call for call in api.sent if call.method == "sendMessage"]
    per_recipient = Counter(call.chat_id for call in sends)
    moments = sorted(call.at for call in sends)
    span = moments[-1] - moments[0] if len(moments) > 1 else 0.0
    achieved = (len(moments) - 1) / span if span else 0.0
    statuses = Counter(
        OutboxMessage.objects.filter(mailing=mailing).values_list("status", flat=True)
    )
    result = {
        "recipients": len(recipients),
        "configured_rate": rate,
        "achieved_rate": round(achieved, 2),
        "achieved_share": round(achieved / rate, 4),
        "http_429": stats.too_many_requests,
        "max_per_chat_per_sec": stats.max_per_chat_per_sec,
        "max_global_per_sec": stats.max_global_per_sec,
        "lost": len(recipients - set(per_recipient)),
        "duplicated": sum(1 for count in per_recipient.values() if count > 1),
        "first_to_last_send_s": round(span, 2),
        "wall_s": round(wall, 2),
        "load_average_1min": [round(load_before, 1), round(load_after, 1)],
        "statuses": dict(statuses),
    }
    result["passed"] = (
        result["achieved_share"] >= BAR_RATE
        and result["http_429"] == 0
        and result["lost"] == 0
        and result["duplicated"] == 0
        and result["max_per_chat_per_sec"] <= args.per_chat
    )
    return result


def _mailing_with_recipients(count: int):
    from django.utils import timezone

    from core.models import Membership, Participant, Shift, Task
    from notifications.models import Mailing

    task = Task.objects.create(title="Brush teeth", description="Send a photo.")
    today = timezone.localdate()
    shift = Shift.objects.create(
        title="Bench",
        start_date=today,
        end_date=today + dt.timedelta(days=29),
        status=Shift.Status.STARTED,
    )
    shift.days.create(date=today, task=task)
    participants = Participant.objects.bulk_create(
        Participant(
            telegram_id=10_000_000 + number,
            first_name=f"Kid{number}",
            last_name="Bench",
            language=Participant.Language.RU,
        )
        for number in range(count)
    )
    Membership.objects.bulk_create(
        Membership(participant=participant, shift=shift) for participant in participants
    )
    mailing = Mailing.objects.create(
        title="Bench mailing",
        text="Привет, <b>{name}</b>! Завтра задание дня приходит в 08:00.",
        buttons="Правила | https://example.org/rules",
    )
    mailing.shifts.set([shift])
    return mailing


def report(result: dict) -> None:
    rows = [
        ("recipients", result["recipients"]),
        (
            "achieved / configured rate",
            f"{result['achieved_rate']} / {result['configured_rate']} msg/s "
            f"({result['achieved_share']:.1%})",
        ),
        ("HTTP 429 responses", result["http_429"]),
        ("max messages to one chat in 1 s", result["max_per_chat_per_sec"]),
        ("max messages in any 1 s", result["max_global_per_sec"]),
        ("lost", result["lost"]),
        ("duplicated", result["duplicated"]),
        ("first to last send", f"{result['first_to_last_send_s']} s"),
        ("wall time (worker start excluded)", f"{result['wall_s']} s"),
        (
            "load average (1 min), start -> end",
            " -> ".join(map(str, result["load_average_1min"])),
        ),
        ("outbox statuses", result["statuses"]),
        ("bar met", "yes" if result["passed"] else "NO"),
    ]
    width = max(len(name) for name, _value in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def summary(results: list[dict]) -> None:
    for result in results:
        print(
            f"at {result['configured_rate']} msg/s: {result['achieved_rate']} msg/s "
            f"({result['achieved_share']:.1%}), {result['http_429']} x 429, "
            f"{result['lost']} lost, {result['duplicated']} duplicated: "
            f"bar {'met' if result['passed'] else 'MISSED'}"
        )


if __name__ == "__main__":
    sys.exit(main())
