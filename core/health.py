"""Readiness: whether the deployment can do its work, checked part by part.

`/readyz` and `manage.py health` run these checks. Each answers "ok", "failing"
or "not configured" (an optional part that is not set up), with figures but no
personal data and no error messages (those go to the log); the deployment is
ready when no check fails. Core checks the database, Redis, the Celery broker
and the heartbeats of beat and the bot; an app adds its own (the outbox is
notifications') with `readiness_check`, imported from its `AppConfig.ready()`.
"""

import dataclasses
import logging
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.db import OperationalError, connection
from kombu import Connection

from core import heartbeats

logger = logging.getLogger(__name__)

OK = "ok"
FAILING = "failing"
NOT_CONFIGURED = "not configured"
# Seconds a probe of Redis or the broker may take: readiness must answer quickly.
PROBE_TIMEOUT = 2.0


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """What one check found: its status and the figures behind it."""

    status: str
    details: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def is_failing(self) -> bool:
        return self.status == FAILING

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, **self.details}


Check = Callable[[], CheckResult]
_checks: dict[str, Check] = {}


def readiness_check(name: str) -> Callable[[Check], Check]:
    """Register a check under `name` (a decorator); a later one replaces it."""

    def register(check: Check) -> Check:
        _checks[name] = check
        return check

    return register


def readiness_run(name: str) -> CheckResult:
    """Run one check; an error it raises makes it fail (logged, not shown)."""
    try:
        return _checks[name]()
    except Exception as error:
        logger.warning("Readiness check %s failed: %r", name, error)
        return CheckResult(FAILING, {"error": type(error).__name__})


def readiness_report() -> tuple[bool, dict[str, dict[str, Any]]]:
    """Run every check; return whether none fails, and each one's result."""
    results = {name: readiness_run(name) for name in _checks}
    ready = not any(result.is_failing for result in results.values())
    return ready, {name: result.as_json() for name, result in results.items()}


def heartbeat_check(name: str) -> CheckResult:
    """Check that process `name` recorded a heartbeat within HEARTBEAT_MAX_AGE."""
    age = heartbeats.heartbeat_age(name)
    max_age = settings.HEARTBEAT_MAX_AGE
    status = OK if age is not None and age <= max_age else FAILING
    return CheckResult(
        status,
        {
            "age_seconds": None if age is None else round(age, 1),
            "max_age_seconds": max_age,
        },
    )


def _redis_ping(url: str) -> None:
    client = redis.Redis.from_url(
        url, socket_connect_timeout=PROBE_TIMEOUT, socket_timeout=PROBE_TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()


@readiness_check("database")
def database_check() -> CheckResult:
    # What matters is that the server answers: a connection is opened (or taken
    # from the pool, which checks it) and Django's own liveness query run on it.
    connection.ensure_connection()
    if not connection.is_usable():
        raise OperationalError("the database connection is not usable")
    return CheckResult(OK)


@readiness_check("redis")
def redis_check() -> CheckResult:
    """Redis: the cache, the bot's dialogs and the rate limits (when set)."""
    if not settings.REDIS_URL:
        return CheckResult(NOT_CONFIGURED)
    _redis_ping(settings.REDIS_URL)
    return CheckResult(OK)


@readiness_check("broker")
def broker_check() -> CheckResult:
    """The Celery broker; the embedded one is a directory, which must be writable."""
    url = settings.CELERY_BROKER_URL
    kind = urlsplit(url).scheme
    if kind == "filesystem":
        options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        folders = {options.get("data_folder_in"), options.get("data_folder_out")}
        usable = all(
            folder and os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK)
            for folder in folders
        )
        if not usable:
            logger.warning("Readiness: a broker folder is missing or read-only")
        return CheckResult(OK if usable else FAILING, {"kind": kind})
    if kind in ("redis", "rediss"):
        _redis_ping(url)
    else:
        with Connection(url, connect_timeout=PROBE_TIMEOUT) as broker:
            broker.ensure_connection(max_retries=1)
    return CheckResult(OK, {"kind": kind})


@readiness_check("beat")
def beat_check() -> CheckResult:
    """Beat's tick of the daily cycle ran lately (beat sent it, a worker ran it)."""
    return heartbeat_check(heartbeats.BEAT)


@readiness_check("bot")
def bot_check() -> CheckResult:
    """The bot polled Telegram (or handled a webhook call) lately."""
    if not settings.TELEGRAM_BOT_TOKEN:
        return CheckResult(NOT_CONFIGURED)
    return heartbeat_check(heartbeats.BOT)
