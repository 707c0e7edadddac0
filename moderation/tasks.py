"""Celery tasks of moderation: they load rows by id and call the services."""

from celery import shared_task

from moderation.models import DigestSubscription, ExportJob
from moderation.services.digests import digest_send
from moderation.services.exports import export_job_run


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
