"""Benchmark: export 100k reports to CSV and XLSX, streamed vs django-import-export.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smena_bench python -m bench.export

PostgreSQL only. The database is created and migrated when missing, and filled
once with --reports rows (COPY). Each measurement runs in a child process of
its own, so its peak memory (VmHWM) is not mixed with the others'. The naive
path (a tablib Dataset of model instances, as django-import-export's admin
does) is measured on --naive-sample rows and extrapolated, since on the full
set it takes minutes; the output says so.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import time

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/smena_bench"


def setup_django() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    import django

    django.setup()


def create_database() -> None:
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{db["NAME"]}"')


def load(reports: int) -> None:
    """Fill the database with `reports` reports (members x days), once."""
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    from core.models import Membership, Participant, Shift, ShiftDay, Task
    from moderation.models import Report

    call_command("migrate", verbosity=0)
    if Report.objects.count() >= reports:
        return
    days = 100
    members = -(-reports // days)
    started = time.perf_counter()
    tasks = Task.objects.bulk_create(
        Task(title=f"Task {n}", description="Brush teeth, send a photo.")
        for n in range(10)
    )
    shift = Shift.objects.create(
        title="Bench shift",
        status=Shift.Status.STARTED,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 1, 1) + dt.timedelta(days=days - 1),
    )
    plan = ShiftDay.objects.bulk_create(
        ShiftDay(
            shift=shift,
            date=shift.start_date + dt.timedelta(days=n),
            task=tasks[n % 10],
        )
        for n in range(days)
    )
    participants = Participant.objects.bulk_create(
        (
            Participant(
                telegram_id=10**9 + n,
                first_name=f"Kid{n}",
                last_name=("=cmd|'/C calc'!A0" if n % 97 == 0 else f"Ivanov{n}"),
                city="Kazan",
                phone=f"+7900{n:07d}",
            )
            for n in range(members)
        ),
        batch_size=5000,
    )
    memberships = Membership.objects.bulk_create(
        (Membership(participant=p, shift=shift, points=50) for p in participants),
        batch_size=5000,
    )
    statuses = ["approved", "declined", "skipped", "approved", "reviewing"]
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(
            "COPY moderation_report (membership_id, day_id, status, attempts,"
            " submitted_at, decline_reason, created_at) FROM STDIN"
        ) as copy,
    ):
        written = 0
        for membership in memberships:
            for day in plan:
                if written == reports:
                    break
                moment = dt.datetime.combine(
                    day.date, dt.time(12), tzinfo=dt.UTC
                ).isoformat()
                copy.write_row(
                    (
                        membership.pk,
                        day.pk,
                        statuses[written % 5],
                        1 + written % 3,
                        moment,
                        "Blurry photo" if written % 5 == 1 else "",
                        moment,
                    )
                )
                written += 1
    connection.cursor().execute("ANALYZE")
    say(f"loaded {reports} reports in {time.perf_counter() - started:.1f} s")


def say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def measure(path: str, sample: int, chunk_size: int) -> dict:
    """Run one export path in this process; return time, memory and query counts."""
    import psycopg
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from import_export.formats.base_formats import CSV, XLSX

    from moderation.insights import exports
    from moderation.insights.resources import ReportResource
    from moderation.models import Report

    queryset = Report.objects.all()
    if sample:
        queryset = queryset[:sample]
    fetches = 0
    original_fetchmany = psycopg.ServerCursor.fetchmany

    def counting_fetchmany(self, *args, **kwargs):
        nonlocal fetches
        fetches += 1
        return original_fetchmany(self, *args, **kwargs)

    psycopg.ServerCursor.fetchmany = counting_fetchmany
    connection.ensure_connection()
    baseline = _rss_kib("VmRSS")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # resets VmHWM, the peak RSS
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        if path.startswith("stream"):
            resource = ReportResource()
            columns = exports.columns_of(resource)
            rows = exports.stream_rows(queryset, columns, chunk_size=chunk_size)
            writer = exports.write_csv if path == "stream-csv" else exports.write_xlsx
            output = io.BytesIO()
            count = writer(output, columns, rows)
            size = output.tell()
        else:
            dataset = ReportResource().export(queryset)
            file_format = CSV() if path == "naive-csv" else XLSX()
            size = len(file_format.export_data(dataset))
            count = len(dataset)
    seconds = time.perf_counter() - started
    return {
        "path": path,
        "rows": count,
        "seconds": round(seconds, 2),
        "peak_mb_above_baseline": round((_rss_kib("VmHWM") - baseline) / 1024, 1),
        "sql_statements": len(queries),
        "server_cursor_fetches": fetches,
        "bytes": size,
    }


def child(args: argparse.Namespace) -> None:
    setup_django()
    say(json.dumps(measure(args.child, args.sample, args.chunk_size)))


def run_child(path: str, sample: int, chunk_size: int) -> dict:
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.export",
            "--child",
            path,
            "--sample",
            str(sample),
            "--chunk-size",
            str(chunk_size),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=10_000)
    parser.add_argument("--chunk-size", type=int, default=2000)
    parser.add_argument("--sample", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    setup_django()
    create_database()
    load(args.reports)
    results = [
        run_child("stream-csv", 0, args.chunk_size),
        run_child("stream-xlsx", 0, args.chunk_size),
        run_child("naive-csv", args.naive_sample, args.chunk_size),
        run_child("naive-xlsx", args.naive_sample, args.chunk_size),
    ]
    say(
        f"{'path':<12} {'rows':>7} {'seconds':>8} {'peak MB':>8} "
        f"{'SQL':>4} {'fetches':>7} {'rows/fetch':>10}"
    )
    for result in results:
        per_fetch = result["rows"] / max(result["server_cursor_fetches"], 1)
        say(
            f"{result['path']:<12} {result['rows']:>7} {result['seconds']:>8} "
            f"{result['peak_mb_above_baseline']:>8} {result['sql_statements']:>4} "
            f"{result['server_cursor_fetches']:>7} {per_fetch:>10.0f}"
        )
    for result in results:
        if result["path"].startswith("naive") and result["rows"] < args.reports:
            factor = args.reports / result["rows"]
            say(
                f"{result['path']}: measured on {result['rows']} rows; "
                f"extrapolated to {args.reports}: ~{result['seconds'] * factor:.0f} s, "
                f"~{result['peak_mb_above_baseline'] * factor:.0f} MB (linear)"
            )
    say(json.dumps(results))
    missed = bars_missed(results, args.reports)
    say("\n".join(missed) if missed else "meets the bar")
    return 1 if missed else 0


# DESIGN.md: 100k reports to CSV in <= 3 s, to XLSX in <= 15 s, <= 100 MB above
# baseline, one query per chunk.
BARS = {"stream-csv": 3.0, "stream-xlsx": 15.0}
MEMORY_BAR_MB = 100


def bars_missed(results: list[dict], reports: int) -> list[str]:
    """Return what the streamed paths miss of the bars (nothing when all are met)."""
    missed = []
    for result in results:
        limit = BARS.get(result["path"])
        if limit is None:
            continue
        if result["rows"] != reports:
            missed.append(f"{result['path']}: {result['rows']} rows of {reports}")
        if result["seconds"] > limit:
            missed.append(f"{result['path']}: {result['seconds']} s > {limit} s")
        if result["peak_mb_above_baseline"] > MEMORY_BAR_MB:
            missed.append(f"{result['path']}: memory over {MEMORY_BAR_MB} MB")
        if result["sql_statements"] != 1:
            missed.append(f"{result['path']}: {result['sql_statements']} statements")
    return missed


if __name__ == "__main__":
    sys.exit(main())
