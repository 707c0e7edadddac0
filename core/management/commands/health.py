"""`manage.py health <component>`: exit 0 if that part of the deployment works, else 1.

The containers' healthchecks (docker-compose.yml) run it: only the web process
has an HTTP server, so one command answers for all four.
"""

import urllib.error
import urllib.request

from celery.utils.nodenames import default_nodename
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.celery import app
from core.health import readiness_run

HEALTHZ_URL = "http://127.0.0.1:8000/healthz"


def web_probe(url: str, *, timeout: float) -> str:
    """GET the web process's /healthz, as a client of this site would."""
    # The Host header must be one the site answers to (DJANGO_ALLOWED_HOSTS).
    host = next(
        (name.lstrip(".") for name in settings.ALLOWED_HOSTS if name != "*"),
        "localhost",
    )
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return f"{url} answered {response.status}"
    except (urllib.error.URLError, OSError) as error:
        raise CommandError(f"web: {url} did not answer 200: {error}") from error


def worker_probe(node: str, *, timeout: float) -> str:
    """Ping one Celery worker through the broker; it answers from its main process."""
    replies = app.control.ping(destination=[node], timeout=timeout)
    if not any(node in reply for reply in replies):
        raise CommandError(f"worker: {node} did not answer a ping")
    return f"{node} answered a ping"


class Command(BaseCommand):
    help = (
        "Exit 0 if a component works, 1 if not: web (its /healthz answers), worker "
        "(answers a Celery ping), beat or bot (the readiness check of its heartbeat)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("component", choices=["web", "worker", "beat", "bot"])
        parser.add_argument(
            "--url", default=HEALTHZ_URL, help=f"web: the URL (default {HEALTHZ_URL})."
        )
        parser.add_argument(
            "--node",
            default=None,
            help="worker: its node name (default celery@<this host>, Celery's own).",
        )
        parser.add_argument(
            "--timeout", type=float, default=5.0, help="Seconds to wait (default 5)."
        )

    def handle(
        self,
        *args,
        component: str,
        url: str,
        node: str | None,
        timeout: float,
        **options,
    ) -> None:
        if component == "web":
            found = web_probe(url, timeout=timeout)
        elif component == "worker":
            found = worker_probe(node or default_nodename(None), timeout=timeout)
        else:
            result = readiness_run(component)
            if result.is_failing:
                raise CommandError(f"{component}: {result.as_json()}")
            found = str(result.as_json())
        self.stdout.write(f"{component}: {found}")
