"""Real Celery worker and beat processes for integration tests and benchmarks.

The worker runs `celery -A core worker` with the production settings module,
pointed by environment variables at the (test) database, Redis, a private queue
and a fake Bot API. It runs in its own process group so that `kill()` takes the
pool's children down with it, as a crash of the machine or container would.
With `beat=True` the worker also runs beat (`-B`): the production schedule,
from the DatabaseScheduler on the test database.
"""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import quote

from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def database_url() -> str:
    """Return a URL for the database this process is connected to (the test one)."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("a worker process needs PostgreSQL")
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


class CeleryWorker:
    """Start, kill and restart a Celery worker consuming one private queue."""

    def __init__(
        self,
        *,
        env: dict[str, str],
        concurrency: int = 1,
        queue: str | None = None,
        beat: bool = False,
    ) -> None:
        # A private queue by default: other test runs may share the broker.
        self.queue = queue or f"test-{uuid.uuid4().hex[:12]}"
        self.concurrency = concurrency
        # Embedded beat rather than a process of its own: one start less.
        self.beat = beat
        self.env = process_env(queue=self.queue, **env)
        self.process: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="celery-worker-", suffix=".log", delete=False
        )
        self.starts = 0

    def start(self) -> Self:
        """Start the worker and wait until it consumes its queue."""
        self.starts += 1
        hostname = f"{self.queue}-{self.starts}@localhost"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "core",
                "worker",
                "-Q",
                self.queue,
                "-n",
                hostname,
                "-c",
                str(self.concurrency),
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
                *(["--beat"] if self.beat else []),
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + READY_TIMEOUT
        markers = [f"{hostname} ready.", *(["beat: Starting..."] if self.beat else [])]
        while not all(marker in self.output() for marker in markers):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"worker did not start:\n{self.output()[-3000:]}")
            time.sleep(0.1)
        return self

    def send(self, task: str) -> None:
        """Queue a task by name for this worker only."""
        from core.celery import app

        with warnings.catch_warnings():
            # Tests run Celery eagerly; this task is meant for the worker.
            warnings.simplefilter("ignore")
            app.send_task(task, queue=self.queue)

    def kill(self) -> None:
        """SIGKILL the worker and its pool, mid-whatever it is doing."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(STOP_TIMEOUT)
        self.process = None

    def stop(self) -> None:
        """Shut the worker down warmly (finishing its task), killing it if it hangs."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(STOP_TIMEOUT)
            self.process = None
        except (subprocess.TimeoutExpired, ProcessLookupError):
            self.kill()

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self._forget_queue()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def _forget_queue(self) -> None:
        import redis

        client = redis.Redis.from_url(self.env["CELERY_BROKER_URL"])
        # A test that took the broker away may end with it still down.
        with contextlib.suppress(redis.ConnectionError):
            client.delete(self.queue)
        client.close()


def process_env(*, queue: str, **env: str) -> dict[str, str]:
    """Return the environment of a Celery process of the test run."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "core.settings",
        "DJANGO_SECRET_KEY": "worker-secret-key",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": queue,
        "TELEGRAM_BOT_TOKEN": settings.TELEGRAM_BOT_TOKEN,
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "LOG_LEVEL": "WARNING",
        **env,
    }


@contextlib.contextmanager
def celery_publishing_to(broker_url: str) -> Iterator[None]:
    """Make this (test) process publish tasks to `broker_url` instead of running them.

    The test settings run Celery eagerly; inside the block `.delay()` publishes
    to the broker, for a worker process to run, as in production.
    """
    from core.celery import app

    saved = {name: app.conf[name] for name in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    _forget_connections(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        _forget_connections(app)


def _forget_connections(app) -> None:
    # The app keeps pooled connections to the broker it first used.
    app._pool = None
    app.amqp._producer_pool = None
