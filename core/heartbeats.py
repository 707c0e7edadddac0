"""Heartbeats: when a process that works on its own last did its work.

Beat's tick (run by a worker) and the bot (after each successful getUpdates, or
each handled webhook call) record one; the readiness checks and `manage.py
health` read its age. Web, worker, beat and bot are separate processes, and the
embedded default has no shared cache, so heartbeats are rows in the database:
the one store every process shares on both paths, and one that keeps its
answers through a Redis outage.

Recording is cheap: a process writes a heartbeat at most once every
`HEARTBEAT_INTERVAL` seconds, so a burst of updates costs one write, not one per
update. The age read back may therefore be up to that much older than the
process's last work; `HEARTBEAT_MAX_AGE` is far above it.
"""

import datetime as dt
import logging
import threading
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import (
    DatabaseError,
    InterfaceError,
    close_old_connections,
    connection,
    transaction,
)
from django.utils import timezone

from core.models import Heartbeat
from core.outages import OutageLog

logger = logging.getLogger(__name__)

# The processes that record one.
BEAT = "beat"
BOT = "bot"

store_outage = OutageLog(logger, "Heartbeat store (database)")


class _Throttle:
    """When this process last wrote each heartbeat (monotonic seconds)."""

    def __init__(self) -> None:
        self._written: dict[str, float] = {}
        self._guard = threading.Lock()

    def claim(self, name: str) -> bool:
        """Tell whether a write of `name` is due now; if so, count it as done.

        Counted before the write is tried, so a write that fails (database
        down) is tried again an interval later, not at every call.
        """
        now = time.monotonic()
        with self._guard:
            last = self._written.get(name)
            if last is not None and now - last < settings.HEARTBEAT_INTERVAL:
                return False
            self._written[name] = now
            return True

    def forget(self) -> None:
        """Make the next record of every heartbeat write (tests)."""
        with self._guard:
            self._written.clear()


throttle = _Throttle()


def _write(name: str) -> bool:
    try:
        # A savepoint when called inside a transaction: a failed write must not
        # break the caller's.
        with transaction.atomic():
            Heartbeat.objects.bulk_create(
                [Heartbeat(name=name, beat_at=timezone.now())],
                update_conflicts=True,
                unique_fields=["name"],
                update_fields=["beat_at"],
            )
    except (DatabaseError, InterfaceError) as error:
        store_outage.down(error, f"the {name} heartbeat is not recorded")
        return False
    store_outage.up()
    return True


def heartbeat_record(name: str) -> bool:
    """Record that process `name` works now, unless it did within the interval.

    Never raises: a heartbeat that cannot be written must not stop the work it
    reports on (it shows as stale instead). Return whether it was written.
    """
    if not throttle.claim(name):
        return False
    return _write(name)


def _write_on_own_thread(name: str) -> bool:
    # The thread outlives requests: a stale or broken connection it holds is
    # replaced first, as a request would. Closed after: a connection kept for
    # one write every interval would sit idle (and go stale) in between.
    close_old_connections()
    try:
        return _write(name)
    finally:
        connection.close()


async def aheartbeat_record(name: str) -> bool:
    """Record from async code (the bot's poller); see `heartbeat_record`.

    The throttle is checked on the event loop, so only a due write leaves it.
    """
    if not throttle.claim(name):
        return False
    return await sync_to_async(_write_on_own_thread)(name)


def heartbeat_age(name: str, *, now: dt.datetime | None = None) -> float | None:
    """Return seconds since process `name` last recorded a heartbeat, or None if never.

    Raises the database's error if it cannot be read.
    """
    beat_at = (
        Heartbeat.objects.filter(name=name).values_list("beat_at", flat=True).first()
    )
    if beat_at is None:
        return None
    return max(((now or timezone.now()) - beat_at).total_seconds(), 0.0)
