"""CPU time of the processes a benchmark drives, read from /proc (Linux).

The bot's processes and PostgreSQL's backends are not children of the bench
process, and some exit before the end (killed by the restart, or closed), so
their CPU is sampled while they run and the last reading of each is kept.
"""

import os
import threading
from collections import Counter
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
# Which processes count as what, by their command line. runbot and its uvicorn
# workers are one group: a worker is forked from runbot before it runs its own
# command, and a sample taken in between would see runbot's.
GROUPS = {
    "bot": ("manage.py runbot", "multiprocessing.spawn"),
    "PostgreSQL": ("postgres",),
    "Redis": ("redis-server",),
}


def _group_of(pid: str) -> str | None:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return None  # gone meanwhile
    text = command.decode(errors="replace")
    return next(
        (name for name, keys in GROUPS.items() if any(key in text for key in keys)),
        None,
    )


def _cpu_of(pid: str) -> tuple[int, float] | None:
    """Return the process's start time (its identity with the pid) and CPU seconds."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command: utime, stime and starttime are fields 14, 15 and 22.
    return int(stat[19]), (int(stat[11]) + int(stat[12])) / TICKS


class CpuSampler:
    """Sample the grouped processes' CPU in a thread between `start` and `stop`.

    Each process's command line is read once: reading every process's files at
    each sample cost the bench process (home of the poller and the fake API) a
    noticeable share of a core.
    """

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self._groups: dict[str, str | None] = {}
        self._first: dict[tuple[str, int], float] = {}
        self._last: dict[tuple[str, int], tuple[str, float]] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> dict[tuple[str, int], tuple[str, float]]:
        readings = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            if pid not in self._groups:
                self._groups[pid] = _group_of(pid)
            group = self._groups[pid]
            if group is not None and (cpu := _cpu_of(pid)) is not None:
                started, seconds = cpu
                readings[(pid, started)] = (group, seconds)
        return readings

    def start(self) -> None:
        self._first = {key: seconds for key, (_, seconds) in self._sample().items()}
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(self.interval):
            self._last.update(self._sample())

    def stop(self) -> Counter[str]:
        """Stop sampling; return CPU seconds used meanwhile, by group."""
        self._done.set()
        self._thread.join()
        self._last.update(self._sample())
        used: Counter[str] = Counter()
        for key, (group, seconds) in self._last.items():
            used[group] += seconds - self._first.get(key, 0.0)
        return used
