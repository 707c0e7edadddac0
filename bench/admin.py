"""Admin at scale: 1M reports / 50k participants on PostgreSQL.

Seeds a separate database once (INSERT ... SELECT generate_series, about a minute),
then measures every changelist and the dashboard: p50/p95 over repeated requests,
and the query count at two page sizes (it must not grow with the page size).

    make bench-admin            # or: .venv/bin/python -m bench.admin [--runs 15]

Bar (DESIGN.md): p95 < 300 ms, query count independent of page size, no full
COUNT(*) over the big tables.
"""

import argparse
import os
import statistics
import sys
import time

from bench.database import database_prepare, django_setup

BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/smena_bench_admin"
)
PARTICIPANTS = 50_000
DAYS_WITH_REPORTS = 20  # 50k members x 20 days = 1M reports
BIG_TABLES = ("moderation_report", "moderation_submission", "core_participant")


def insert_select(model, rows_sql: str, expressions: dict[str, str]) -> None:
    """INSERT INTO model SELECT ... FROM rows_sql; unlisted columns get their default.

    Built from the model's fields so that columns added later keep the seed working.
    """
    from django.db import connection

    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        if field.column in expressions:
            # Literal SQL: its modulo signs must not read as placeholders.
            values.append(expressions[field.column].replace("%", "%%"))
        elif field.null and not field.has_default():
            values.append("NULL")
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) '
        f"SELECT {', '.join(values)} FROM {rows_sql.replace('%', '%%')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def seed() -> None:
    """Fill the bench database with a large programme, unless already done."""
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from core.models import Application, Membership, Participant, Shift, ShiftDay, Task
    from moderation.models import Report, Submission
    from notifications.models import OutboxMessage

    if Report.objects.count() >= PARTICIPANTS * DAYS_WITH_REPORTS:
        return
    started = time.monotonic()
    print("Seeding 1M reports / 50k participants ...", flush=True)
    with transaction.atomic():
        tasks = Task.objects.bulk_create(
            Task(title=f"Task {n}", description="Do it and send a photo.")
            for n in range(40)
        )
        today = timezone.localdate()
        shift = Shift.objects.create(
            title="Bench shift",
            status=Shift.Status.STARTED,
            start_date=today - dt.timedelta(days=DAYS_WITH_REPORTS - 1),
            end_date=today + dt.timedelta(days=60),
        )
        ShiftDay.objects.bulk_create(
            ShiftDay(
                shift=shift,
                date=shift.start_date + dt.timedelta(days=n),
                task=tasks[n % 40],
            )
            for n in range(shift.duration_days)
        )
        now = "now()"
        insert_select(
            Participant,
            f"generate_series(1, {PARTICIPANTS}) AS n",
            {
                "created_at": now,
                "updated_at": now,
                "telegram_id": "1000000 + n",
                "telegram_username": "'kid' || n",
                "first_name": "'Name' || n",
                "last_name": "'Surname' || (n % 997)",
                "birth_date": "DATE '2012-01-01' + (n % 2000)",
                "city": "(ARRAY['Moscow','Kazan','Perm','Tyumen'])[1 + n % 4]",
                "phone": "'+7900' || lpad(n::text, 7, '0')",
            },
        )
        for model in (Application, Membership):
            extra = {"status": "'approved'"} if model is Application else {}
            insert_select(
                model,
                "core_participant p",
                {
                    "created_at": now,
                    "updated_at": now,
                    "participant_id": "p.id",
                    "shift_id": str(shift.pk),
                    **extra,
                },
            )
        statuses = "(ARRAY['approved','approved','approved','declined','skipped','reviewing','waiting'])"
        insert_select(
            Report,
            "core_membership m CROSS JOIN core_shiftday d "
            f"WHERE d.shift_id = {shift.pk} AND d.date < DATE '{today.isoformat()}'"
            f" + 1 AND d.date >= DATE '{shift.start_date.isoformat()}'",
            {
                "membership_id": "m.id",
                "day_id": "d.id",
                "status": f"{statuses}[1 + (m.id + d.id) % 7]",
                "attempts": "CASE WHEN (m.id + d.id) % 7 >= 4 THEN 0 ELSE 1 END",
                "submitted_at": "CASE WHEN (m.id + d.id) % 7 IN (4, 6) THEN NULL "
                "ELSE d.date + interval '12 hours' END",
                "created_at": "d.date + interval '8 hours'",
            },
        )
        insert_select(
            Submission,
            "moderation_report r WHERE r.submitted_at IS NOT NULL",
            {
                "report_id": "r.id",
                "attempt": "1",
                "photo": "'reports/bench/' || r.id || '.jpg'",
                "telegram_file_unique_id": "'u' || r.id",
                "verdict": "CASE WHEN r.status IN ('approved','declined') THEN r.status ELSE '' END",
                "created_at": "r.submitted_at",
            },
        )
        insert_select(
            OutboxMessage,
            "core_participant p CROSS JOIN generate_series(1, 4) AS k",
            {
                "participant_id": "p.id",
                "kind": "'task'",
                "text": "'Day task'",
                "dedupe_key": "'bench:' || p.id || ':' || k",
                "status": "(ARRAY['sent','sent','sent','pending'])[k]",
                "created_at": now,
            },
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Seeded in {time.monotonic() - started:.0f} s", flush=True)


def changelist_urls() -> list[tuple[str, str, object]]:
    from django.contrib import admin
    from django.urls import reverse

    urls = [("dashboard", reverse("admin:index"), None)]
    for model, model_admin in sorted(
        admin.site._registry.items(), key=lambda item: item[0]._meta.label
    ):
        name = f"{model._meta.app_label}_{model._meta.model_name}"
        urls.append((name, reverse(f"admin:{name}_changelist"), model_admin))
    return urls


def measure(client, url: str, runs: int) -> tuple[list[float], int, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    for run in range(runs + 2):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - began) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        if run >= 2:  # the first two warm caches and connections
            timings.append(elapsed)
    sqls = [query["sql"] for query in queries.captured_queries]
    return timings, len(sqls), sqls


def full_counts(sqls: list[str]) -> list[str]:
    """COUNT(*) queries over a big table without any WHERE clause."""
    found = []
    for sql in sqls:
        if "COUNT(" in sql.upper() and " WHERE " not in sql.upper():
            found += [table for table in BIG_TABLES if f'"{table}"' in sql]
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    database_prepare(BENCH_DATABASE_URL, fresh=False)
    django_setup(
        BENCH_DATABASE_URL,
        DJANGO_DEBUG=os.environ.get("DJANGO_DEBUG", "false"),
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS="testserver",
    )
    from django.core.management import call_command
    from django.test import Client

    from core.models import User

    call_command("migrate", verbosity=0)
    seed()
    user, _created = User.objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)

    print(f"{'page':<42} {'p50 ms':>8} {'p95 ms':>8} {'q@20':>5} {'q@100':>6}  verdict")
    failed = 0
    for name, url, model_admin in changelist_urls():
        timings, _queries, sqls = measure(client, url, args.runs)
        queries_small = queries_large = _queries
        if model_admin is not None:
            saved = model_admin.list_per_page
            model_admin.list_per_page = 20
            _timings, queries_small, _sqls = measure(client, url, 1)
            model_admin.list_per_page = 100
            _timings, queries_large, _sqls = measure(client, url, 1)
            model_admin.list_per_page = saved
        p95 = percentile(timings, 0.95)
        problems = []
        if p95 >= 300:
            problems.append("slow")
        if queries_large != queries_small:
            problems.append("N+1")
        if counts := full_counts(sqls):
            problems.append("full COUNT " + ",".join(sorted(set(counts))))
        failed += bool(problems)
        print(
            f"{name:<42} {statistics.median(timings):8.1f} {p95:8.1f} "
            f"{queries_small:5d} {queries_large:6d}  {'; '.join(problems) or 'ok'}",
            flush=True,
        )
    print(f"{failed} pages miss the bar" if failed else "all pages meet the bar")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
