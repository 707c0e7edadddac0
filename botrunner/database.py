"""The bot's database work: a pool of threads, each with its own connection.

asgiref's default `sync_to_async` runs every call on one shared thread, so a
burst of photos would queue its queries one after another. Here the services
run on `DATABASE_THREADS` threads at once; Django keeps one connection per
thread (persistent, `CONN_MAX_AGE`), checked before a call like a web request
does, so a connection broken by a database restart is replaced, not reused.
"""

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from functools import wraps

from asgiref.sync import sync_to_async
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    connections,
)

# Enough to keep PostgreSQL busy while others wait on Telegram, few enough to
# leave the server's connections to the web and Celery processes.
DATABASE_THREADS = 8
# The database could not be reached, or dropped the connection: worth retrying.
DATABASE_ERRORS = (OperationalError, InterfaceError)
CLOSE_TIMEOUT = 30.0
# Checking a connection (Django's CONN_HEALTH_CHECKS: a SELECT 1 before its
# first query) at every call cost three round trips a photo. A connection its
# thread used less than this many seconds ago is taken as alive instead, unless
# a call failed with a database error since (the server may have restarted,
# breaking every connection): a broken one fails its call, is closed, and the
# update is tried again, as in any outage.
RECENTLY_USED_SECONDS = 1.0


class _Uses(threading.local):
    """When this thread last used its connection (monotonic seconds)."""

    used_at: float | None = None


_uses = _Uses()
# When a call last failed with a database error, in any thread.
_last_failure = {"at": float("-inf")}

_pool: ContextVar[ThreadPoolExecutor | None] = ContextVar("bot_database_pool")


@contextlib.asynccontextmanager
async def database_pool(threads: int = DATABASE_THREADS) -> AsyncIterator[None]:
    """Run the bot's database work on `threads` threads while inside (the poller).

    Outside (a webhook request), and on SQLite, it runs as Django's
    `sync_to_async` does: on one thread and its connection. On the way out the
    pool's connections are closed.
    """
    if connections[DEFAULT_DB_ALIAS].vendor == "sqlite":
        # SQLite takes one writer at a time (and the tests' in-memory database
        # locks whole tables): its work stays on one thread, as by default.
        yield
        return
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bot-db")
    token = _pool.set(pool)
    try:
        yield
    finally:
        _pool.reset(token)
        await _close(pool, threads)


def database_sync_to_async[**P, R](
    func: Callable[P, R],
) -> Callable[P, Awaitable[R]]:
    """Wrap a sync function (a service, an ORM read) to run in the database pool.

    Stale or broken connections are closed before the call (see
    `_connection_prepare`); a connection that failed in the call is closed if it
    is broken.
    """

    @wraps(func)
    def with_connection(*args: P.args, **kwargs: P.kwargs) -> R:
        _connection_prepare()
        try:
            return func(*args, **kwargs)
        except DatabaseError:
            _last_failure["at"] = time.monotonic()
            close_old_connections()
            raise
        finally:
            _uses.used_at = time.monotonic()

    @wraps(func)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        pool = _pool.get(None)
        if pool is None:
            return await sync_to_async(with_connection)(*args, **kwargs)
        run = sync_to_async(with_connection, thread_sensitive=False, executor=pool)
        return await run(*args, **kwargs)

    return call


def _connection_prepare() -> None:
    """Close this thread's connection if stale or broken, as Django does before
    a request, unless it was used a moment ago and nothing has failed since."""
    used_at = _uses.used_at
    if (
        used_at is None
        or used_at <= _last_failure["at"]
        or time.monotonic() - used_at > RECENTLY_USED_SECONDS
    ):
        close_old_connections()


def _ping() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


async def database_available() -> bool:
    """Tell whether the database answers a trivial query now."""
    try:
        await database_sync_to_async(_ping)()
    except DATABASE_ERRORS:
        return False
    return True


def _close_and_wait(barrier: threading.Barrier) -> None:
    connections.close_all()
    # Holding each thread here until all have arrived puts one task on each.
    barrier.wait()


async def _close(pool: ThreadPoolExecutor, threads: int) -> None:
    """Close the connection of every thread of the pool, then stop the pool."""
    barrier = threading.Barrier(threads, timeout=CLOSE_TIMEOUT)
    closing = [
        asyncio.wrap_future(pool.submit(_close_and_wait, barrier))
        for _ in range(threads)
    ]
    await asyncio.gather(*closing, return_exceptions=True)
    await asyncio.to_thread(pool.shutdown)
