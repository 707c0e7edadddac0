"""django-import-export resources: the columns of every export (and of the imports).

Each export column is a `Field` whose `attribute` is an ORM path
("membership__participant__last_name"), so the same declaration serves both the
streamed export (`values_list` of the paths, see `moderation.insights.exports`) and
import-export's own object-by-object path. Column names are the field names, so an
exported file can be edited and imported back; people choose the columns by their
labels, the verbose names (`ExportResource.field_label`).
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from core.models import Application, Membership, Participant, Task
from moderation.insights import export_filters as filters
from moderation.models import MailingDelivery, Report


class ExportField(fields.Field):
    """An export column of an ORM path, with the label people choose it by."""

    def __init__(self, path: str, name: str, verbose_name: Promise | None = None):
        super().__init__(attribute=path, column_name=name, readonly=True)
        self.verbose_name = verbose_name


def model_field(model: type[models.Model], path: str) -> models.Field | None:
    """The model field an ORM path ("membership__participant__city") ends on."""
    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        model = field.related_model or model
    return field


class ExportResource(resources.ModelResource):
    """A resource whose export is streamed; `personal_data` needs its permission.

    `list_filters` and `search_fields` are what the export accepts of its admin
    list's filters and search (see `moderation.insights.export_filters`).
    """

    personal_data = True
    name = ""
    list_filters: dict[str, filters.ExportFilter] = {}
    search_fields: list[str] = []

    @classmethod
    def get_display_name(cls) -> str:
        return str(cls.verbose_name)

    @classmethod
    def field_label(cls, name: str) -> str:
        """The label of export column `name`: its verbose name, by default that of
        the model field its path ends on ("participant__city": "City")."""
        field = cls.fields[name]
        label = getattr(field, "verbose_name", None)
        if label is None:
            label = model_field(cls._meta.model, field.attribute).verbose_name
        return capfirst(label)

    def stream_fields(self, selected: list[str] | None = None) -> list[fields.Field]:
        """The export fields (all, or the selected ones), in export order."""
        return self.get_export_fields(selected or None)


class ParticipantResource(ExportResource):
    name = "participants"
    verbose_name = Participant._meta.verbose_name_plural

    list_filters = {
        **filters.choices("language"),
        **filters.choices("is_test"),
        "consent": lambda participants, state: participants.consented(state),
        **filters.date_range("created_at"),
        **filters.all_values("city"),
    }
    search_fields = ["last_name", "first_name", "phone", "telegram_username", "city"]

    class Meta:
        model = Participant
        fields = [
            "id",
            "last_name",
            "first_name",
            "birth_date",
            "city",
            "phone",
            "telegram_id",
            "telegram_username",
            "language",
            "is_test",
            "blocked_bot_at",
            "created_at",
        ]
        export_order = fields


class ApplicationResource(ExportResource):
    name = "applications"
    verbose_name = Application._meta.verbose_name_plural
    last_name = ExportField("participant__last_name", "last_name")
    first_name = ExportField("participant__first_name", "first_name")
    phone = ExportField("participant__phone", "phone")
    shift = ExportField("shift__title", "shift", _("shift"))
    reviewed_by = ExportField("reviewed_by__username", "reviewed_by", _("reviewed by"))

    list_filters = {
        **filters.choices("status"),
        **filters.related("shift"),
        **filters.date_range("created_at"),
    }
    search_fields = ["participant__last_name", "participant__first_name"]

    def get_queryset(self) -> models.QuerySet:
        # The list's default order (ApplicationAdmin.ordering).
        return super().get_queryset().order_by("-id")

    class Meta:
        model = Application
        fields = [
            "id",
            "last_name",
            "first_name",
            "phone",
            "shift",
            "status",
            "decline_reason",
            "created_at",
            "reviewed_by",
            "reviewed_at",
        ]
        export_order = fields


class MembershipResource(ExportResource):
    name = "memberships"
    verbose_name = Membership._meta.verbose_name_plural
    last_name = ExportField("participant__last_name", "last_name")
    first_name = ExportField("participant__first_name", "first_name")
    city = ExportField("participant__city", "city")
    shift = ExportField("shift__title", "shift", _("shift"))

    list_filters = {**filters.choices("status"), **filters.related("shift")}
    search_fields = ["participant__last_name", "participant__first_name"]

    def get_queryset(self) -> models.QuerySet:
        # The list's default order (MembershipAdmin.ordering), without a join.
        return super().get_queryset().order_by("-points", "-id")

    class Meta:
        model = Membership
        fields = [
            "id",
            "last_name",
            "first_name",
            "city",
            "shift",
            "status",
            "points",
            "created_at",
            "excluded_at",
        ]
        export_order = fields


class ReportResource(ExportResource):
    name = "reports"
    verbose_name = Report._meta.verbose_name_plural
    last_name = ExportField("membership__participant__last_name", "last_name")
    first_name = ExportField("membership__participant__first_name", "first_name")
    shift = ExportField("day__shift__title", "shift", _("shift"))
    date = ExportField("day__date", "date")
    task = ExportField("day__task__title", "task", _("task"))
    reviewed_by = ExportField("reviewed_by__username", "reviewed_by", _("reviewed by"))

    list_filters = {
        **filters.choices("status"),
        **filters.related("day__shift"),
        **filters.date_range("day__date"),
        **filters.related("day__task"),
        **filters.related("reviewed_by"),
    }
    search_fields = [
        "membership__participant__last_name",
        "membership__participant__first_name",
    ]

    def get_queryset(self) -> models.QuerySet:
        # The list's default order (ReportAdmin.get_ordering), an index scan.
        return super().get_queryset().order_by("-id")

    class Meta:
        model = Report
        fields = [
            "id",
            "last_name",
            "first_name",
            "shift",
            "date",
            "task",
            "status",
            "attempts",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "decline_reason",
        ]
        export_order = fields


class TaskResource(ExportResource):
    name = "tasks"
    personal_data = False
    verbose_name = Task._meta.verbose_name_plural

    list_filters = filters.choices("is_archived")
    search_fields = ["title", "description"]

    class Meta:
        model = Task
        fields = ["id", "title", "description", "is_archived", "created_at"]
        export_order = fields


class MailingDeliveryResource(ExportResource):
    name = "mailing_deliveries"
    verbose_name = MailingDelivery._meta.verbose_name_plural
    last_name = ExportField("participant__last_name", "last_name")
    first_name = ExportField("participant__first_name", "first_name")

    list_filters = {
        **filters.choices("status"),
        **filters.date_periods("created_at"),
    }
    search_fields = ["participant__last_name"]

    class Meta:
        model = MailingDelivery
        fields = [
            "id",
            "last_name",
            "first_name",
            "status",
            "attempts",
            "created_at",
            "sent_at",
            "last_error",
            "text",
        ]
        export_order = fields


EXPORT_RESOURCES: dict[str, type[ExportResource]] = {
    resource.name: resource
    for resource in (
        ParticipantResource,
        ApplicationResource,
        MembershipResource,
        ReportResource,
        TaskResource,
        MailingDeliveryResource,
    )
}
