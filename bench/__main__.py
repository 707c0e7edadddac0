"""Run every benchmark, each in its own process, and print one summary table.

    python -m bench                 # or: make bench
    python -m bench ingest export   # some of them

Each benchmark prints its own figures as it goes and exits 0 when it meets its
bar (DESIGN.md), 1 when it misses it. They need PostgreSQL and Redis on
127.0.0.1 (or DATABASE_URL / REDIS_URL) and use their own databases.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

BENCHMARKS = {
    "broadcast": "2,000-recipient mailing at 25 and 30 msg/s: >= 95% of the rate, 0 x 429, none lost or doubled",
    "ingest": "1,000 photos through the bot: polling <= 30 s, webhook <= 12 s, none lost",
    "admin": "1M reports: every changelist and the dashboard p95 < 300 ms, queries flat",
    "export": "100k reports: CSV <= 3 s, XLSX <= 15 s, <= 100 MB, 1 query",
}
VERDICTS = {0: "met", 1: "MISSED"}
SERVER = "postgres://postgres@127.0.0.1:5432"
# What each benchmark reads from DATABASE_URL: broadcast makes a bench_<name>
# database next to it; export fills that very database, so it gets its own.
DATABASE_URLS = {
    "broadcast": os.environ.get("DATABASE_URL", f"{SERVER}/postgres"),
    "export": os.environ.get("BENCH_EXPORT_DATABASE_URL", f"{SERVER}/smena_bench"),
}


def run(name: str) -> tuple[int, float]:
    """Run one benchmark module, its output passing through; return exit code, seconds."""
    print(f"\n=== bench.{name} ===", flush=True)
    started = time.monotonic()
    env = {
        **os.environ,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
    }
    if name in DATABASE_URLS:
        env["DATABASE_URL"] = DATABASE_URLS[name]
    code = subprocess.call(
        [sys.executable, "-m", f"bench.{name}"], cwd=Path.cwd(), env=env
    )
    return code, time.monotonic() - started


def main(names: list[str]) -> int:
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        print(f"Unknown benchmarks: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    results = {name: run(name) for name in names or BENCHMARKS}
    width = max(len(bar) for bar in BENCHMARKS.values())
    print(f"\n{'benchmark':<10}  {'bar':<{width}}  {'verdict':<7}  {'minutes':>7}")
    for name, (code, seconds) in results.items():
        verdict = VERDICTS.get(code, f"error {code}")
        print(
            f"{name:<10}  {BENCHMARKS[name]:<{width}}  {verdict:<7}  {seconds / 60:>7.1f}"
        )
    return 0 if all(code == 0 for code, _seconds in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
