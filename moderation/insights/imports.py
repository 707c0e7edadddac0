"""Imports from CSV / XLSX: the task catalogue and participant pre-registration lists.

django-import-export runs them: a dry run shows every row's result and error first,
and the import itself runs in one transaction (`IMPORT_EXPORT_USE_TRANSACTIONS`),
so a file with any bad row writes nothing. Participant values are checked by
core's cleaners, the rules of the bot's registration and the admin form, whose
messages say what to write instead.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from import_export import fields, resources, widgets
from import_export.results import Result, RowResult

from core.audit import audit_record
from core.cleaners import (
    participant_birth_date_clean,
    participant_city_clean,
    participant_language_clean,
    participant_name_clean,
    participant_phone_clean,
)
from core.exceptions import DomainError
from core.models import Participant, Task


class RequiredTextWidget(widgets.CharWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = "" if value is None else str(value).strip()
        if not text:
            raise ValueError(_("This value is required."))
        return text


class CleanedWidget(widgets.Widget):
    """A cell checked by one of core's participant cleaners, the bot's rules.

    An empty cell is refused when `required`, else stored as `empty`, or given
    to the cleaner when `clean_empty` (which knows the default).
    """

    def __init__(
        self,
        cleaner: Callable[[Any], Any],
        *,
        required: bool = False,
        empty: Any = "",
        clean_empty: bool = False,
        required_message: Any = "",
    ) -> None:
        super().__init__()
        self.cleaner = cleaner
        self.required = required
        self.empty = empty
        self.clean_empty = clean_empty
        self.required_message = required_message

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # XLSX cells hold numbers (phones) as floats
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.required:
                raise ValueError(
                    str(self.required_message or _("This value is required."))
                )
            if not self.clean_empty:
                return self.empty
            value = ""
        try:
            return self.cleaner(value)
        except DomainError as error:
            raise ValueError(str(error)) from error


class SpreadsheetRowsResult(Result):
    """Numbers rows as the spreadsheet does: the header is row 1, so the first
    data row is row 2."""

    def append_invalid_row(self, number: int, row: Any, validation_error: Any) -> None:
        super().append_invalid_row(number + 1, row, validation_error)

    def append_error_row(self, number: int, row: Any, errors: Any) -> None:
        super().append_error_row(number + 1, row, errors)

    def row_errors(self) -> list[tuple[int, Any]]:
        return [(row.number, row.errors) for row in self.error_rows]


class ColumnsCheckedResource(resources.ModelResource):
    """Refuses a file whose header row lacks a required column or has unknown ones."""

    required_columns: tuple[str, ...] = ()

    def get_result_class(self) -> type[Result]:
        return SpreadsheetRowsResult

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            # A bad key value (a phone that is no phone) is reported with the
            # row's other errors by the field validation that follows.
            return None

    def get_diff_headers(self) -> list[str]:
        # The preview labels the columns as the forms do, not with the file's
        # column names ("birth_date").
        return [self._label(field.attribute) for field in self.get_import_fields()]

    def validate_instance(self, instance, import_validation_errors=None, **kwargs):
        try:
            super().validate_instance(instance, import_validation_errors, **kwargs)
        except ValidationError as error:
            # A row's errors are named as the preview's columns are.
            raise ValidationError(
                {
                    self._label(name): messages
                    for name, messages in error.message_dict.items()
                }
            ) from None

    def _label(self, name: str) -> str:
        if name == NON_FIELD_ERRORS:
            return name
        return capfirst(self._meta.model._meta.get_field(name).verbose_name)

    def after_import(self, dataset, result, **kwargs) -> None:
        super().after_import(dataset, result, **kwargs)
        # In the import's transaction: an import that fails rolls its entry back.
        # `user` is who confirmed it in the admin (django-import-export passes it).
        if kwargs.get("dry_run") or result.has_errors():
            return
        if result.has_validation_errors():
            return
        audit_record(
            self._meta.model,
            by=kwargs.get("user"),
            action=gettext_noop(
                "Imported %(file)s: %(added)s added, %(changed)s changed."
            ),
            details={
                "file": kwargs.get("file_name") or "—",
                "added": result.totals[RowResult.IMPORT_TYPE_NEW],
                "changed": result.totals[RowResult.IMPORT_TYPE_UPDATE],
            },
        )

    def before_import(self, dataset, **kwargs) -> None:
        headers = [str(header or "").strip() for header in dataset.headers or []]
        dataset.headers = headers
        known = [field.column_name for field in self.get_import_fields()]
        missing = [name for name in self.required_columns if name not in headers]
        unknown = [name for name in headers if name not in known]
        if missing or unknown:
            raise ValueError(
                _(
                    "The columns of the file do not match. Missing: %(missing)s. "
                    "Unknown: %(unknown)s. Expected columns: %(expected)s."
                )
                % {
                    "missing": ", ".join(missing) or "—",
                    "unknown": ", ".join(unknown) or "—",
                    "expected": ", ".join(known),
                }
            )


class TaskImportResource(ColumnsCheckedResource):
    """Tasks by title: a known title updates that task, a new one adds a task."""

    required_columns = ("title", "description")
    title = fields.Field("title", "title", widget=RequiredTextWidget())
    description = fields.Field(
        "description", "description", widget=RequiredTextWidget()
    )
    is_archived = fields.Field(
        "is_archived", "is_archived", widget=widgets.BooleanWidget(), default=False
    )

    class Meta:
        model = Task
        name = "tasks"
        fields = ["title", "description", "is_archived"]
        import_id_fields = ["title"]
        clean_model_instances = True


class ParticipantImportResource(ColumnsCheckedResource):
    """A pre-registration list: participants by phone, not yet in Telegram.

    A known phone updates that participant; a new one is added without a
    Telegram ID, which the participant gets on registering in the bot.
    """

    required_columns = ("last_name", "first_name", "phone")
    last_name = fields.Field(
        "last_name",
        "last_name",
        widget=CleanedWidget(participant_name_clean, required=True),
    )
    first_name = fields.Field(
        "first_name",
        "first_name",
        widget=CleanedWidget(participant_name_clean, required=True),
    )
    birth_date = fields.Field(
        "birth_date",
        "birth_date",
        widget=CleanedWidget(participant_birth_date_clean, empty=None),
    )
    city = fields.Field("city", "city", widget=CleanedWidget(participant_city_clean))
    phone = fields.Field(
        "phone",
        "phone",
        widget=CleanedWidget(
            participant_phone_clean,
            required=True,
            required_message=gettext_lazy("A phone number is required."),
        ),
    )
    language = fields.Field(
        "language",
        "language",
        widget=CleanedWidget(participant_language_clean, clean_empty=True),
    )

    class Meta:
        model = Participant
        name = "participants"
        fields = ["last_name", "first_name", "birth_date", "city", "phone", "language"]
        import_id_fields = ["phone"]
        clean_model_instances = True
