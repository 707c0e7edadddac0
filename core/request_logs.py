"""Refused requests are logged as one line, not with a traceback.

Django logs a request answered 403 because a view raised PermissionDenied (an
admin page a role may not open) or 400 (an unreadable body) with the exception
attached, so every refusal wrote a full traceback: noise that buries the real
errors. This filter, on the `django.request` logger, drops the exception from
records of 4xx answers; 5xx answers keep their tracebacks.
"""

import logging


class RefusalOneLineFilter(logging.Filter):
    """Keep a refused request's record (status 4xx) but not its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
