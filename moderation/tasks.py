"""Celery tasks of moderation."""

from celery import shared_task

from moderation.services.clock import tick


@shared_task
def tick_task() -> dict[str, int]:
    """Run the daily-cycle jobs due now (beat sends this every minute)."""
    result = tick()
    if result.failed:
        raise RuntimeError("tick failed: " + "; ".join(result.failed))
    return {
        "started": len(result.started),
        "days_opened": len(result.days_opened),
        "reminded": result.reminded,
        "finished": len(result.finished),
    }
