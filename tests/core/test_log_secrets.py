"""Secrets never reach the logs: the bot token, keys and passwords are redacted."""

import logging

import pytest

from core.celery import logs_redact_secrets
from core.redaction import REDACTED, SecretRedactingFilter

TOKEN = "123456:TEST-token-value"


@pytest.fixture
def records(settings):
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.DATABASES["default"]["PASSWORD"] = "db-pass-word"
    logger = logging.getLogger("tests.redaction")
    handler = _Collect()
    handler.addFilter(SecretRedactingFilter())
    logger.addHandler(handler)
    yield handler.formatted
    logger.removeHandler(handler)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(message)s"))
        self.formatted: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.formatted.append(self.format(record))


def test_filter_redacts_the_token_in_arguments(records):
    logging.getLogger("tests.redaction").warning(
        "Download failed: %s", f"404, url='http://api/file/bot{TOKEN}/photos/1.jpg'"
    )

    assert records == [
        f"Download failed: 404, url='http://api/file/bot{REDACTED}/photos/1.jpg'"
    ]


def test_filter_redacts_url_quoted_secrets_and_passwords(records):
    logging.getLogger("tests.redaction").error(
        "Connect to postgres://smena:db-pass-word@db failed; bot123456%3ATEST-token-value"
    )

    assert records == [
        f"Connect to postgres://smena:{REDACTED}@db failed; bot{REDACTED}"
    ]


def test_filter_redacts_tracebacks(records):
    try:
        raise ConnectionError(f"http://api/bot{TOKEN}/getMe")
    except ConnectionError:
        logging.getLogger("tests.redaction").exception("Request failed")

    assert TOKEN not in records[0]
    assert f"ConnectionError: http://api/bot{REDACTED}/getMe" in records[0]


def test_celery_log_handlers_get_the_filter():
    logger = logging.getLogger("tests.celery-like")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    try:
        logs_redact_secrets(logger=logger)
        logs_redact_secrets(logger=logger)  # Celery may set up a logger twice

        assert [type(f) for f in handler.filters] == [SecretRedactingFilter]
    finally:
        logger.removeHandler(handler)
