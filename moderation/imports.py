"""Imports from CSV / XLSX: the task catalogue and participant pre-registration lists.

django-import-export runs them: a dry run shows every row's result and error first,
and the import itself runs in one transaction (`IMPORT_EXPORT_USE_TRANSACTIONS`),
so a file with any bad row writes nothing. Values are checked here with messages
that say what to write instead.
"""

import datetime as dt
import re
import time
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from core.models import Participant, Task

DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%y")
PHONE_DIGITS = re.compile(r"\d{10,15}")


class RequiredTextWidget(widgets.CharWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = "" if value is None else str(value).strip()
        if not text:
            raise ValueError(_("This value is required."))
        return text


class OptionalTextWidget(widgets.CharWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value).strip()


class PhoneWidget(widgets.CharWidget):
    """A phone as +<digits>; Russian 8XXXXXXXXXX and 10-digit numbers get +7."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # XLSX cells hold numbers as floats
        text = "" if value is None else str(value).strip()
        if not text:
            raise ValueError(_("A phone number is required."))
        digits = re.sub(r"[\s()\-.]", "", text).removeprefix("+")
        if len(digits) == 11 and digits.startswith("8"):
            digits = "7" + digits[1:]
        elif len(digits) == 10 and digits.startswith("9"):
            digits = "7" + digits
        if not PHONE_DIGITS.fullmatch(digits):
            raise ValueError(
                _("“%(value)s” is not a phone number; write it like +7 900 123-45-67.")
                % {"value": text}
            )
        return "+" + digits


class BirthDateWidget(widgets.DateWidget):
    """A date of birth: empty, a spreadsheet date, or 31.12.2014 / 2014-12-31."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> dt.date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, dt.datetime):
            day = value.date()
        elif isinstance(value, dt.date):
            day = value
        else:
            day = _parse_date(str(value).strip())
        if day > timezone.localdate():
            raise ValueError(
                _("The date of birth %(value)s is in the future.")
                % {"value": day.strftime("%d.%m.%Y")}
            )
        return day


def _parse_date(text: str) -> dt.date:
    for date_format in DATE_FORMATS:
        try:
            parsed = time.strptime(text, date_format)
        except ValueError:
            continue
        return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    raise ValueError(
        _("“%(value)s” is not a date; write it like 31.12.2014.") % {"value": text}
    )


class LanguageWidget(widgets.CharWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = "" if value is None else str(value).strip().lower()
        if not text:
            return Participant.Language.RU
        if text not in Participant.Language.values:
            raise ValueError(
                _("Unknown language “%(value)s”; use one of: %(choices)s.")
                % {"value": text, "choices": ", ".join(Participant.Language.values)}
            )
        return text


class ColumnsCheckedResource(resources.ModelResource):
    """Refuses a file whose header row lacks a required column or has unknown ones."""

    required_columns: tuple[str, ...] = ()

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
    last_name = fields.Field("last_name", "last_name", widget=RequiredTextWidget())
    first_name = fields.Field("first_name", "first_name", widget=RequiredTextWidget())
    birth_date = fields.Field("birth_date", "birth_date", widget=BirthDateWidget())
    city = fields.Field("city", "city", widget=OptionalTextWidget())
    phone = fields.Field("phone", "phone", widget=PhoneWidget())
    language = fields.Field("language", "language", widget=LanguageWidget())

    class Meta:
        model = Participant
        name = "participants"
        fields = ["last_name", "first_name", "birth_date", "city", "phone", "language"]
        import_id_fields = ["phone"]
        clean_model_instances = True
