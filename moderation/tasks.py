"""Celery tasks of moderation: they load rows by id and call the services."""

from celery import shared_task

from moderation.cycle.clock import tick
from moderation.insights.digests import digest_send
from moderation.insights.export_jobs import export_job_run
from moderation.models import DigestSubscription, ExportJob


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
        "photos_removed": result.photos_removed,
        "export_files_removed": result.export_files_removed,
    }


@shared_task
def export_job_run_task(job_id: int) -> None:
    """Write the file of an export job."""
    export_job_run(ExportJob.objects.get(pk=job_id))


@shared_task
def digest_send_task(subscription_id: int) -> None:
    """Send a scheduled email digest (run by celery beat)."""
    subscription = DigestSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        # Deleted after beat read its schedule: nothing to send.
        return
    digest_send(subscription, by=None, scheduled=True)
