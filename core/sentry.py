"""Error reporting to Sentry (or a compatible server), only when SENTRY_DSN is set.

Participants are mostly children, so a report carries the error and where it
happened, and no personal data: no user, address or cookies, no request bodies
(a webhook update holds names and messages), no local variables of stack frames
(they hold participants). Secrets are removed twice: the SDK filters headers and
query parameters named like secrets, and every string of the event is cleaned
of the configured secret values (the bot token sits in Bot API URLs, passwords
in connection URLs), as the logs are.
"""

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from core.redaction import secrets_redact

# What integrations may collect (sentry-sdk's successor of send_default_pii=False,
# stricter): no user, cookies, bodies, query data or frame variables; headers and
# query parameters without the sensitive ones (names with auth, token, secret,
# key, session, ... are always filtered) or client addresses.
DATA_COLLECTION = {
    "user_info": False,
    "cookies": {"mode": "off"},
    "http_headers": {
        "request": {
            "mode": "denylist",
            "terms": ["forwarded", "-ip", "remote-", "via", "-user"],
        }
    },
    "http_bodies": [],
    "url_query_params": {"mode": "denylist"},
    "graphql": {"document": False, "variables": False},
    "gen_ai": {"inputs": False, "outputs": False},
    "database_query_data": False,
    "queues": False,
    "stack_frame_variables": False,
}


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return secrets_redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value


def event_redact(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Return the event with every configured secret value replaced (before_send)."""
    return _redacted(event)


def breadcrumb_redact(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Return the breadcrumb (a log line, a request) without secret values."""
    if crumb.get("category") == "query":
        # SQL with placeholders (parameters are PII, not sent): nothing to clean,
        # and there is one of these per query.
        return crumb
    return _redacted(crumb)


def sentry_init(dsn: str, *, environment: str) -> None:
    """Start reporting errors of this process (web, worker, beat, bot) to `dsn`."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        data_collection=DATA_COLLECTION,
        before_send=event_redact,
        before_breadcrumb=breadcrumb_redact,
        # Errors only: no performance tracing.
        traces_sample_rate=None,
    )
