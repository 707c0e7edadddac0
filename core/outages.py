"""Outages of Redis (cache, Celery broker, rate limits), logged once each.

While Redis is down every request meets the outage; one warning when it starts
and one when it ends say more than a traceback per request.
"""

import logging
import threading


class OutageLog:
    """Log, once per outage and process, that a service is unreachable or back."""

    def __init__(self, logger: logging.Logger, service: str) -> None:
        self.logger = logger
        self.service = service
        self.is_down = False
        self._guard = threading.Lock()

    def down(self, error: BaseException, consequence: str) -> None:
        """Record a failure; only the first of an outage is logged (a warning)."""
        with self._guard:
            if self.is_down:
                return
            self.is_down = True
        self.logger.warning(
            "%s is unreachable (%s): %s", self.service, error, consequence
        )

    def up(self) -> None:
        """Record a success; the first after an outage is logged."""
        if not self.is_down:
            return
        with self._guard:
            if not self.is_down:
                return
            self.is_down = False
        self.logger.warning("%s answers again", self.service)
