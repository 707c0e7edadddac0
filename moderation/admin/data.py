"""Participants and the task catalogue with export, import and erasure.

Registered here, once: their lists and forms are defined in `core.admin`, and the
export, import and erasure their pages offer are moderation's (`core` may not
import moderation).
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX
from unfold.contrib.import_export.forms import ImportForm
from unfold.decorators import action

from core import admin as core_admin
from core.admin_actions import ServiceActionsMixin
from core.images import photo_prepare
from core.models import Participant, Task
from moderation.admin.exports import StreamingExportMixin
from moderation.insights.imports import ParticipantImportResource, TaskImportResource
from moderation.insights.resources import ParticipantResource, TaskResource
from moderation.participants.erasure import participant_erase


class LimitedImportForm(ImportForm):
    def clean_import_file(self):
        # django-import-export reads the whole file into memory: cap it first.
        upload = self.cleaned_data["import_file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(limit)d MB: split it into parts."),
                params={"limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)},
            )
        return upload


class CheckedImportMixin(ImportMixin):
    """Import with a dry run first; any bad row (or a bad file) writes nothing."""

    import_form_class = LimitedImportForm
    import_formats = [CSV, XLSX]
    import_export_change_list_template = (
        "admin/import_export/change_list_import_export.html"
    )
    import_resource_classes: list = []

    def get_import_resource_classes(self, request: HttpRequest) -> list:
        return self.import_resource_classes

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_import_data_kwargs(self, **kwargs) -> dict:
        # Also undo the rows already written when a later row is invalid.
        return {
            **super().get_import_data_kwargs(**kwargs),
            "rollback_on_validation_errors": True,
        }

    def add_data_read_fail_error_to_form(self, form, error: Exception) -> None:
        if isinstance(error, UnicodeDecodeError):
            message = gettext(
                "The file is not in UTF-8. Save it as “CSV UTF-8” (or as XLSX) "
                "and upload it again."
            )
        else:
            message = gettext(
                "The file could not be read as the chosen format. Check that it "
                "is a CSV or XLSX spreadsheet and that the format matches it."
            )
        form.add_error("import_file", message)


@admin.register(Participant)
class ParticipantAdmin(
    ServiceActionsMixin,
    CheckedImportMixin,
    StreamingExportMixin,
    core_admin.ParticipantAdmin,
):
    resource_classes = [ParticipantResource]
    import_resource_classes = [ParticipantImportResource]
    actions_detail = ["erase_detail"]

    @action(description=_("Erase participant"), url_path="erase", permissions=["erase"])
    def erase_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.confirm_service(
            request,
            object_id,
            participant_erase,
            warning=gettext(
                "Their names, date of birth, city, phone and Telegram account, "
                "their photos and their dialog with the bot are deleted for good. "
                "Their points and reports stay, anonymous, in the statistics."
            ),
        )

    def has_erase_permission(
        self, request: HttpRequest, object_id: str | None = None
    ) -> bool:
        # Administrators only: the one role that may delete participants.
        return request.user.has_perm("core.delete_participant")


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ["title", "description", "image", "is_archived"]

    def clean_image(self):
        # The task image goes to every member with the day's task: the same size
        # limits and re-encoding (metadata dropped) as a mailing's photo.
        image = self.cleaned_data.get("image")
        if isinstance(image, UploadedFile):
            return photo_prepare(image)
        return image


@admin.register(Task)
class TaskAdmin(CheckedImportMixin, StreamingExportMixin, core_admin.TaskAdmin):
    form = TaskForm
    resource_classes = [TaskResource]
    import_resource_classes = [TaskImportResource]
