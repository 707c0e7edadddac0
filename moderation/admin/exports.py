"""CSV / XLSX export of admin lists: streamed inline when small, a Celery job when large."""

import tempfile

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX
from unfold.contrib.import_export.forms import SelectableFieldsExportForm
from unfold.decorators import display

from core.admin_wording import ModelAdmin
from core.exceptions import DomainError
from moderation.insights import exports
from moderation.insights.export_jobs import (
    export_job_create,
    export_queryset,
    export_record,
)
from moderation.insights.resources import ExportResource, MailingDeliveryResource
from moderation.models import ExportJob, MailingDelivery

PERSONAL_DATA_PERMISSION = "core.export_personal_data"
JOB_COLOURS = {
    "pending": "info",
    "running": "warning",
    "done": "success",
    "failed": "danger",
}


class ExportForm(SelectableFieldsExportForm):
    """Unfold's export form, each column offered by its label ("Date of birth").

    django-import-export labels a column with its field's name ("Birth Date"),
    which no catalogue translates.
    """

    def __init__(self, formats, resources, **kwargs) -> None:
        super().__init__(formats, resources, **kwargs)
        for resource in resources:
            for name in resource().get_export_order():
                field = self.fields[self.create_boolean_field_name(resource, name)]
                field.label = resource.field_label(name)


def can_export(user, resource_classes) -> bool:
    return (
        user.is_active
        and user.is_staff
        and all(
            user.has_perm(PERSONAL_DATA_PERMISSION)
            for resource in resource_classes
            if resource.personal_data
        )
    )


class StreamingExportMixin(ExportMixin):
    """Export the filtered list through `moderation.insights.exports`, never a Dataset.

    The export view is import-export's form and page; its answer is ours: up to
    `EXPORT_INLINE_MAX_ROWS` rows are streamed in the response, larger exports
    become an `ExportJob` for a Celery worker, downloaded when done. Either way
    the rows come from `export_queryset`, the list's filters read by the
    resource's declarations.
    """

    export_form_class = ExportForm
    formats = [CSV, XLSX]

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request) and can_export(
            request.user, self.get_export_resource_classes(request)
        )

    def export_action(self, request: HttpRequest) -> HttpResponse:
        if not self.has_export_permission(request):
            raise PermissionDenied
        formats = self.get_export_formats()
        form = self.get_export_form_class()(
            formats,
            self.get_export_resource_classes(request),
            data=request.POST or None,
        )
        if form.is_valid():
            file_format = formats[int(form.cleaned_data["format"])]()
            try:
                return self.export_response(
                    request,
                    self.choose_export_resource_class(form, request),
                    extension=file_format.get_extension(),
                    selected=self.get_export_resource_fields_from_form(form) or [],
                )
            except DomainError as error:
                messages.error(request, str(error))
        context = self.init_request_context_data(request, form)
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.export_template_name], context=context)

    def export_response(
        self,
        request: HttpRequest,
        resource_class: type[ExportResource],
        *,
        extension: str,
        selected: list[str],
    ) -> HttpResponse:
        """Stream the list's export, or queue it as a job when it is large."""
        query_string = request.GET.urlencode()
        resource = resource_class(**self.get_export_resource_kwargs(request))
        queryset = export_queryset(resource, query_string)
        limit = settings.EXPORT_INLINE_MAX_ROWS
        # Counted up to one past the limit: the exact number of a small export.
        rows = queryset.order_by()[: limit + 1].count()
        if rows > limit:
            job = export_job_create(
                by=request.user,
                resource=resource_class.name,
                file_format=extension,
                fields=selected,
                query_string=query_string,
            )
            messages.info(
                request,
                gettext(
                    "The export is large, so it is prepared in the background; "
                    "download it from this page when it is done."
                ),
            )
            return HttpResponseRedirect(
                reverse("admin:moderation_exportjob_change", args=[job.pk])
            )
        filename = f"{resource_class.name}-{timezone.localdate():%Y-%m-%d}.{extension}"
        export_record(
            self.model,
            by=request.user,
            rows=rows,
            file_format=extension,
            personal_data=resource_class.personal_data,
        )
        return inline_export(
            resource,
            queryset,
            extension=extension,
            selected=selected,
            filename=filename,
        )


def inline_export(
    resource, queryset, *, extension: str, selected: list[str], filename: str
) -> HttpResponse:
    """Stream a small export straight into the response."""
    if extension == "csv":
        columns = exports.columns_of(resource, selected)
        rows = exports.stream_rows(resource.filter_export(queryset), columns)
        response = StreamingHttpResponse(
            exports.iter_csv(columns, rows), content_type=exports.CONTENT_TYPES["csv"]
        )
    else:
        # XLSX is a zip written at the end: build it in a temporary file first.
        # FileResponse closes (and so deletes) it when the response is done.
        file = tempfile.TemporaryFile()  # noqa: SIM115
        exports.export_to_file(
            file, resource, queryset, file_format="xlsx", selected=selected
        )
        file.seek(0)
        response = FileResponse(file, content_type=exports.CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.register(ExportJob)
class ExportJobAdmin(ModelAdmin):
    list_display = [
        "__str__",
        "show_status",
        "show_progress",
        "created_by",
        "created_at",
        "download",
    ]
    list_filter = ["status", "resource"]
    readonly_fields = [
        "resource",
        "file_format",
        "model",
        "fields",
        "query_string",
        "show_status",
        "show_progress",
        "rows_total",
        "rows_done",
        "error",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "download",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        jobs = super().get_queryset(request).select_related("created_by")
        if request.user.is_superuser:
            return jobs
        return jobs.filter(created_by=request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        # Every staff member sees the jobs they started (get_queryset limits it).
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return (
            obj is None
            or obj.created_by_id == request.user.pk
            or request.user.is_superuser
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="moderation_exportjob_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Send the file to the user who asked for it (or a superuser), never publicly."""
        job = get_object_or_404(ExportJob, pk=pk)
        if job.created_by_id != request.user.pk and not request.user.is_superuser:
            raise PermissionDenied
        if job.personal_data and not request.user.has_perm(PERSONAL_DATA_PERMISSION):
            raise PermissionDenied
        if not job.is_ready or not default_storage.exists(job.file.name):
            raise Http404
        response = FileResponse(
            default_storage.open(job.file.name, "rb"),
            as_attachment=True,
            filename=f"{job.resource}-{job.created_at:%Y-%m-%d}.{job.file_format}",
            content_type=exports.CONTENT_TYPES[job.file_format],
        )
        response["Cache-Control"] = "private, no-store"
        return response

    @display(description=_("status"), label=JOB_COLOURS)
    def show_status(self, job: ExportJob) -> tuple[str, str]:
        return job.status, job.get_status_display()

    @admin.display(description=_("progress"))
    def show_progress(self, job: ExportJob) -> str:
        return format_html(
            '<progress max="100" value="{}" title="{}%"></progress> {}%',
            job.progress,
            job.progress,
            job.progress,
        )

    @admin.display(description=_("file"))
    def download(self, job: ExportJob) -> str:
        if job.file_removed_at:
            return gettext("file removed")
        if not job.is_ready:
            return "—"
        return format_html(
            '<a class="text-primary-600" href="{}">{}</a>',
            reverse("admin:moderation_exportjob_download", args=[job.pk]),
            gettext("Download"),
        )


@admin.register(MailingDelivery)
class MailingDeliveryAdmin(StreamingExportMixin, ModelAdmin):
    resource_classes = [MailingDeliveryResource]
    list_display = ["participant", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["participant"]
    search_fields = ["participant__last_name"]
    show_full_result_count = False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("notifications.view_outboxmessage")

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
