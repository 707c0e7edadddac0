"""Real processes of the product for integration tests and benchmarks.

Each process runs what a deployment runs (`celery -A core worker`, `celery beat`,
gunicorn, `manage.py runbot`) with the production settings module, pointed by
environment variables at the (test) database, Redis, a private Celery queue and
a fake Bot API. Each runs in its own process group so that `kill()` takes its
children (a worker's pool, gunicorn's workers) down with it, as a crash of the
machine or container would, and writes its output to a log file that tests show
when they fail.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import quote

from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
# Generous: a product process imports Django, the admin and aiogram (seconds of
# CPU each), and several may start at once on a busy machine.
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0
COMMAND_TIMEOUT = 120.0


def children_of(pid: int, command: str = "") -> list[int]:
    """Return the pids of a process's children whose command line holds
    `command` (read from Linux's /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        # After the command in parentheses: the state, then the parent's pid.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and command.encode() in cmdline:
            found.append(int(entry))
    return found


# What uvicorn's worker processes (spawned by multiprocessing) run.
UVICORN_WORKER = "multiprocessing.spawn"


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


def process_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """Return the environment of a product process sharing this test's resources.

    A DATABASE_URL in `env` replaces the test database's; without one, the test
    database must be PostgreSQL.
    """
    env = env or {}
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "core.settings",
        "DJANGO_SECRET_KEY": "worker-secret-key",
        "DATABASE_URL": env.get("DATABASE_URL") or database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "TELEGRAM_BOT_TOKEN": settings.TELEGRAM_BOT_TOKEN,
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "LOG_LEVEL": "WARNING",
        **env,
    }


def manage(*args: str, env: dict[str, str] | None = None) -> str:
    """Run `manage.py <args>` as a process of its own; return its output."""
    finished = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=process_env(env),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed:\n{finished.stdout}{finished.stderr}"
        )
    return finished.stdout


def free_port() -> int:
    """Return a TCP port nothing listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ProductProcess:
    """Start, kill and stop one long-running process of the product.

    Subclasses say what to run (`command`) and when it is up (`is_ready`).
    """

    name = "process"

    def __init__(self, *, env: dict[str, str] | None = None) -> None:
        self.env = process_env(env)
        self.process: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix=f"{self.name}-", suffix=".log", delete=False
        )
        self.starts = 0

    def command(self) -> list[str]:
        raise NotImplementedError

    def is_ready(self) -> bool:
        raise NotImplementedError

    def start(self) -> Self:
        """Start the process and wait until it is ready."""
        return self.launch().wait_ready()

    def launch(self) -> Self:
        """Start the process without waiting (to start several at once)."""
        self.starts += 1
        self.process = subprocess.Popen(
            self.command(),
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def wait_ready(self) -> Self:
        """Wait until the launched process is ready; kill it if it never is."""
        if self.process is None:
            raise RuntimeError(f"{self.name} was not launched")
        deadline = time.monotonic() + READY_TIMEOUT
        while not self.is_ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(
                    f"{self.name} did not start:\n{self.output()[-3000:]}"
                )
            time.sleep(0.1)
        return self

    def kill(self) -> None:
        """SIGKILL the process group, mid-whatever it is doing."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(STOP_TIMEOUT)
        self.process = None

    def stop(self) -> None:
        """Shut the process down warmly, killing it if it hangs."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(STOP_TIMEOUT)
            # Children a warm shutdown left behind go with the group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process = None
        except (subprocess.TimeoutExpired, ProcessLookupError):
            self.kill()

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def close(self) -> None:
        """Stop the process and delete its log."""
        self.stop()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class CeleryWorker(ProductProcess):
    """A Celery worker on a private pair of queues unless `queue` is given.

    The pair is the default queue (`queue`) and the sender's (`telegram_queue`,
    `CELERY_TELEGRAM_QUEUE`); the worker consumes both, as one process standing
    for production's worker and sender, or those named in `consumes`. The
    queues' names reach every process started with `queues_env`.

    With `beat=True` the worker also runs beat (`--beat`): the production
    schedule, from the DatabaseScheduler on the test database.
    """

    name = "celery-worker"

    def __init__(
        self,
        *,
        env: dict[str, str] | None = None,
        concurrency: int = 1,
        queue: str | None = None,
        telegram_queue: str | None = None,
        consumes: list[str] | None = None,
        beat: bool = False,
    ) -> None:
        # A private queue by default: other test runs may share the broker.
        self.queue = queue or f"test-{uuid.uuid4().hex[:12]}"
        # No dot: the file-system broker reads the queue from a file's suffix.
        self.telegram_queue = telegram_queue or f"{self.queue}-telegram"
        self.consumes = consumes or [self.queue, self.telegram_queue]
        self.concurrency = concurrency
        # Embedded beat rather than a process of its own: one start less.
        self.beat = beat
        super().__init__(env={**self.queues_env, **(env or {})})

    @property
    def queues_env(self) -> dict[str, str]:
        """The environment that sends a process's tasks to these queues."""
        return {
            "CELERY_QUEUE": self.queue,
            "CELERY_TELEGRAM_QUEUE": self.telegram_queue,
        }

    @property
    def hostname(self) -> str:
        return f"{self.consumes[0]}-{self.starts}@localhost"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "core",
            "worker",
            "-Q",
            ",".join(self.consumes),
            "-n",
            self.hostname,
            "-c",
            str(self.concurrency),
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
            *(["--beat"] if self.beat else []),
        ]

    def is_ready(self) -> bool:
        output = self.output()
        return f"{self.hostname} ready." in output and (
            not self.beat or "beat: Starting..." in output
        )

    def send(self, task: str, *args: object) -> str:
        """Queue a task by name for these queues only, routed as in production;
        return its id."""
        from core.celery import app

        routed = task in settings.CELERY_TASK_ROUTES
        with warnings.catch_warnings():
            # Tests run Celery eagerly; this task is meant for the worker.
            warnings.simplefilter("ignore")
            result = app.send_task(
                task,
                args=list(args),
                queue=self.telegram_queue if routed else self.queue,
            )
        return result.id

    def close(self) -> None:
        super().close()
        self._forget_queues()

    def _forget_queues(self) -> None:
        import redis

        client = redis.Redis.from_url(self.env["CELERY_BROKER_URL"])
        # A test that took the broker away may end with it still down.
        with contextlib.suppress(redis.ConnectionError):
            client.delete(*self.consumes)
        client.close()


class CeleryBeat(ProductProcess):
    """Celery beat with the DatabaseScheduler, sending to `worker`'s queues.

    Beat reads the periodic tasks from the database: change them with `.save()`
    before starting it (or while it runs), as the admin does.
    """

    name = "celery-beat"

    def __init__(
        self, worker: CeleryWorker, *, env: dict[str, str] | None = None
    ) -> None:
        super().__init__(env={**worker.queues_env, **(env or {})})

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "core",
            "beat",
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
            "--loglevel=INFO",
        ]

    def is_ready(self) -> bool:
        return "beat: Starting..." in self.output()


class WebServer(ProductProcess):
    """The web process as deployed: gunicorn serving `core.wsgi` on a free port."""

    name = "web"

    def __init__(self, *, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        super().__init__(env=env)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "core.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "1",
            # A browser loads a page's static files in parallel.
            "--threads",
            "4",
            "--access-logfile",
            "-",
        ]

    def is_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/admin/login/", timeout=2) as page:
                return page.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False


class BotProcess(ProductProcess):
    """`manage.py runbot` polling the Bot API at `api_base`.

    `polling` tells when the bot asks for updates (e.g. the fake Bot API saw
    getUpdates): only then is it ready.
    """

    name = "runbot"

    def __init__(
        self,
        *,
        api_base: str,
        polling: Callable[[], bool],
        env: dict[str, str] | None = None,
    ) -> None:
        self.polling = polling
        super().__init__(env={"TELEGRAM_API_BASE": api_base, **(env or {})})

    def command(self) -> list[str]:
        return [sys.executable, "manage.py", "runbot"]

    def is_ready(self) -> bool:
        return self.polling()


class WebhookBotProcess(ProductProcess):
    """`manage.py runbot --webhook`: the webhook set on the Bot API at `api_base`
    and served on a free port by uvicorn with `workers` processes."""

    name = "runbot-webhook"
    path = "/telegram/webhook/"
    secret = "webhook-test-secret"

    def __init__(
        self, *, api_base: str, workers: int = 2, env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self.workers = workers
        super().__init__(
            env={
                "TELEGRAM_API_BASE": api_base,
                "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{self.port}{self.path}",
                "TELEGRAM_WEBHOOK_SECRET": self.secret,
                "TELEGRAM_WEBHOOK_BIND": f"127.0.0.1:{self.port}",
                "TELEGRAM_WEBHOOK_WORKERS": str(workers),
                **(env or {}),
            }
        )

    def command(self) -> list[str]:
        return [sys.executable, "manage.py", "runbot", "--webhook"]

    def worker_pids(self) -> list[int]:
        return children_of(self.process.pid, UVICORN_WORKER) if self.process else []

    def is_ready(self) -> bool:
        """Every worker is up and the app answers (a GET is refused with 405)."""
        if len(self.worker_pids()) < self.workers:
            return False
        try:
            urllib.request.urlopen(
                f"http://127.0.0.1:{self.port}{self.path}", timeout=2
            )
        except urllib.error.HTTPError as error:
            return error.code == 405
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False
        return False

    def kill_worker(self) -> int:
        """SIGKILL one worker, mid-request; uvicorn starts another. Return its pid."""
        worker = self.worker_pids()[0]
        os.kill(worker, signal.SIGKILL)
        return worker


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
