"""Celery tasks of moderation: they load rows by id and call the services."""

from celery import shared_task

from moderation.models import ExportJob
from moderation.services.exports import export_job_run


@shared_task
def export_job_run_task(job_id: int) -> None:
    """Write the file of an export job."""
    export_job_run(ExportJob.objects.get(pk=job_id))
