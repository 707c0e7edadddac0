"""The drain lock: one sender drains the outbox at a time.

With Redis it is redis-py's `Lock` (a key set with a random token, expiring after
`OUTBOX_DRAIN_LOCK_SECONDS` unless its drain extends it), so a drain whose
worker dies lets it lapse. Without Redis (the demo) it is a file lock: one drain
at a time on the machine, released by the OS when its process dies.
"""

import fcntl
import hashlib
import tempfile
from pathlib import Path
from typing import IO, Protocol

import redis.asyncio
from django.db import connection
from redis.exceptions import LockError


class DrainLock(Protocol):
    async def acquire(self) -> bool:
        """Take the lock if it is free, without waiting; return whether taken."""

    async def keep(self) -> bool:
        """Hold the lock for another lease; False: it lapsed and may be another's."""

    async def release(self) -> None:
        """Let go of the lock (if still held) and of its connection."""


class RedisDrainLock:
    def __init__(self, url: str, *, name: str, lease: float) -> None:
        self.client = redis.asyncio.Redis.from_url(url)
        self.lock = self.client.lock(name, timeout=lease, blocking=False)

    async def acquire(self) -> bool:
        return await self.lock.acquire()

    async def keep(self) -> bool:
        try:
            await self.lock.reacquire()
        except LockError:  # never taken, or lapsed and maybe taken by another
            return False
        return True

    async def release(self) -> None:
        try:
            await self.lock.release()
        except LockError:
            pass  # not taken, or lapsed meanwhile: another drain may hold it now
        finally:
            await self.client.aclose()


class FileDrainLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: IO | None = None

    async def acquire(self) -> bool:
        handle = self.path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self.handle = handle
        return True

    async def keep(self) -> bool:
        # A file lock does not lapse: it is held until released or its process dies.
        return self.handle is not None

    async def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def drain_lock_path(prefix: str) -> Path:
    # Per bot and database: deployments (or test runs) sharing a machine but not
    # a database do not hold each other up.
    database = str(connection.settings_dict["NAME"])
    digest = hashlib.sha256(database.encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"{prefix.replace(':', '-')}-{digest}.lock"
