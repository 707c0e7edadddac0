"""Keep secrets out of the logs.

The bot token is part of every Bot API and file URL, and client errors quote
their URL (a failed download logs `.../file/bot<token>/...`); connection errors
may quote a database or broker URL with its password. A filter on every log
handler replaces the configured secrets before anything is written.
"""

import logging
from urllib.parse import quote, urlsplit

from django.conf import settings

REDACTED = "[secret]"
# Shorter values are not secrets worth hiding, and replacing them would mangle text.
MIN_SECRET_LENGTH = 6


def _url_password(url: str | None) -> str | None:
    return urlsplit(url).password if url else None


def secrets_configured() -> tuple[str, ...]:
    """Return the secret values of the settings, longest first, with URL-quoted forms.

    Read on every call rather than cached: it is cheap, and settings changed at
    run time (tests) are then honoured.
    """
    values = {
        settings.SECRET_KEY,
        settings.TELEGRAM_BOT_TOKEN,
        settings.TELEGRAM_WEBHOOK_SECRET,
        settings.READINESS_TOKEN,
        getattr(settings, "EMAIL_HOST_PASSWORD", ""),
        _url_password(getattr(settings, "REDIS_URL", None)),
        _url_password(getattr(settings, "CELERY_BROKER_URL", None)),
        *(db.get("PASSWORD") for db in settings.DATABASES.values()),
        settings.STORAGES["default"].get("OPTIONS", {}).get("secret_key"),
    }
    values |= {quote(value, safe="") for value in values if value}
    found = (value for value in values if value and len(value) >= MIN_SECRET_LENGTH)
    return tuple(sorted(found, key=len, reverse=True))


def secrets_redact(text: str) -> str:
    """Return `text` with every configured secret replaced by a marker."""
    for secret in secrets_configured():
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class SecretRedactingFilter(logging.Filter):
    """Rewrite a record's message and traceback without the configured secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = secrets_redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so the traceback is
            # formatted (and cleaned) once here.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = secrets_redact(record.exc_text)
        if record.stack_info:
            record.stack_info = secrets_redact(record.stack_info)
        return True


def handlers_redact(logger: logging.Logger) -> None:
    """Add the filter to the handlers of `logger` that lack it (Celery's own)."""
    for handler in logger.handlers:
        if not any(isinstance(f, SecretRedactingFilter) for f in handler.filters):
            handler.addFilter(SecretRedactingFilter())
