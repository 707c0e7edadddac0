"""The outbox's readiness check (registered from `NotificationsConfig.ready`)."""

from django.conf import settings

from core.health import FAILING, OK, CheckResult, readiness_check
from notifications.services.sending import outbox_backlog


@readiness_check("outbox")
def outbox_check() -> CheckResult:
    """Fail when a due message has waited longer than READINESS_OUTBOX_MAX_WAIT.

    A count alone says little (a big mailing queues thousands at once, sent at
    the rate limit); the oldest due message's wait says whether the sender
    keeps up, or runs at all.
    """
    backlog = outbox_backlog()
    max_wait = settings.READINESS_OUTBOX_MAX_WAIT
    stuck = backlog.oldest_wait is not None and backlog.oldest_wait > max_wait
    return CheckResult(
        FAILING if stuck else OK,
        {
            "waiting": backlog.waiting,
            "oldest_wait_seconds": (
                None if backlog.oldest_wait is None else round(backlog.oldest_wait, 1)
            ),
            "max_wait_seconds": max_wait,
        },
    )
