"""Export jobs: large exports written by a Celery worker into a private file."""

import logging
import tempfile

from django.apps import apps
from django.core.files import File
from django.db import models, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_noop

from core.audit import audit_record
from core.celery import task_kick
from core.models import User
from moderation.insights import export_filters, exports
from moderation.insights.resources import EXPORT_RESOURCES, ExportResource
from moderation.models import ExportJob

logger = logging.getLogger(__name__)


def export_queryset(resource: ExportResource, query_string: str) -> models.QuerySet:
    """Return the rows of `resource` that its admin list shows with the filters
    and search of `query_string` ("status__exact=approved&q=Ivanov").

    Raise `ExportFilterUnknown` for a parameter the resource does not declare and
    `ExportFilterInvalid` for a value its filter cannot use.
    """
    return export_filters.apply(
        resource.get_queryset(),
        dict(QueryDict(query_string).lists()),
        list_filters=resource.list_filters,
        search_fields=resource.search_fields,
    )


@transaction.atomic
def export_job_create(
    *,
    by: User,
    resource: str,
    file_format: str,
    fields: list[str],
    query_string: str,
) -> ExportJob:
    """Queue an export of `resource` as its admin list is filtered by
    `query_string`; the filters are checked now, so a refusal comes at once."""
    resource_class = EXPORT_RESOURCES[resource]
    export_queryset(resource_class(), query_string)
    job = ExportJob.objects.create(
        created_by=by,
        model=resource_class._meta.model._meta.label_lower,
        resource=resource,
        file_format=file_format,
        fields=fields,
        query_string=query_string,
        personal_data=EXPORT_RESOURCES[resource].personal_data,
    )
    transaction.on_commit(lambda: _export_job_queue(job))
    return job


def export_record(
    model: type[models.Model],
    *,
    by: User,
    rows: int,
    file_format: str,
    personal_data: bool,
) -> None:
    """Record that `by` took `rows` rows of the admin list of `model` out in a file.

    A small export is recorded when it is streamed, a large one when its job has
    written the file (for the staff member who asked for it).
    """
    if personal_data:
        action = gettext_noop(
            "Exported to %(format)s with personal data; rows: %(rows)s."
        )
    else:
        action = gettext_noop("Exported to %(format)s; rows: %(rows)s.")
    details = {"rows": rows, "format": file_format.upper()}
    audit_record(model, by=by, action=action, details=details)


QUEUE_UNAVAILABLE = "The task queue (Redis) did not answer: ask for the export again."


def _export_job_queue(job: ExportJob) -> None:
    """Hand the job to a worker; if the broker is down, end the job visibly.

    Unlike the outbox, no periodic job looks for pending exports, so a job
    that could not be queued would wait forever; staff ask again instead.
    """
    from moderation.tasks import export_job_run_task

    if task_kick(export_job_run_task, job.pk, meanwhile="not queued: export failed"):
        return
    job.status = ExportJob.Status.FAILED
    job.error = QUEUE_UNAVAILABLE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])


def export_job_run(job: ExportJob) -> ExportJob:
    """Write the job's file; safe to run again after a crash (it starts over).

    Progress (rows written) is saved every `EXPORT_PROGRESS_ROWS` rows, so staff
    see it move in the admin; a failure is recorded on the job, not raised.
    """
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in (ExportJob.Status.PENDING, ExportJob.Status.RUNNING):
            return job
        job.status = ExportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.rows_done = 0
        job.save(update_fields=["status", "started_at", "rows_done"])
    try:
        resource = EXPORT_RESOURCES[job.resource]()
        queryset = resource.filter_export(export_queryset(resource, job.query_string))
        job.rows_total = queryset.count()
        job.save(update_fields=["rows_total"])

        def progress(rows: int) -> None:
            job.rows_done = rows
            job.save(update_fields=["rows_done"])

        with tempfile.TemporaryFile() as file:
            job.rows_done = exports.export_to_file(
                file,
                resource,
                queryset,
                file_format=job.file_format,
                selected=job.fields,
                progress=progress,
            )
            file.seek(0)
            name = f"{job.resource}-{get_random_string(16)}.{job.file_format}"
            job.file.save(name, File(file), save=False)
    except Exception as error:
        # Any failure ends the job visibly for staff; the traceback goes to the log.
        logger.exception("Export job %s failed", job.pk)
        job.status = ExportJob.Status.FAILED
        job.error = f"{type(error).__name__}: {error}"
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return job
    with transaction.atomic():
        job.status = ExportJob.Status.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "rows_done", "file", "finished_at"])
        export_record(
            apps.get_model(job.model),
            by=job.created_by,
            rows=job.rows_done,
            file_format=job.file_format,
            personal_data=job.personal_data,
        )
    return job
