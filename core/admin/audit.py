"""The "Audit" list: every entry of the audit trail (`core.audit`), for Administrators.

Entries are Django's admin `LogEntry` rows, written by the services and by the
admin's own forms; each object's History page shows its own. The list is read
only: nobody adds, changes or deletes an entry here. Who may see it is the
permission `admin.view_logentry`, which only the Administrator role holds.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.models import LogEntry
from django.http import HttpRequest
from django.utils import translation
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.admin_wording import ModelAdmin
from core.audit import CHANGED, audit_message, audit_record


class ServiceAuditedAdmin:
    """An admin whose add and change forms save through a service that records
    the audit entry itself (`core.audit`), by the same user in the same
    transaction. Django's own entry would record the save twice: only what it
    says about related rows (inlines, "Changed task for shift day ...") is kept.

    `audited_deletes`: deleting goes through such a service too (`delete_model`
    and `delete_queryset` call it), so Django records no deletion either.
    """

    audited_deletes = False

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        related = _about_related_rows(message)
        if related:
            return super().log_addition(request, obj, related)  # type: ignore[misc]
        return None

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        related = _about_related_rows(message)
        if related:
            return super().log_change(request, obj, related)  # type: ignore[misc]
        return None

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        if self.audited_deletes:
            return None
        return super().log_deletions(request, queryset)  # type: ignore[misc]

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        # The form itself saves many-to-many fields (digest recipients, a
        # mailing's shifts), after the service saved the object: recorded here.
        many = [
            field
            for field in form.instance._meta.many_to_many
            if field.name in form.changed_data
        ]
        if change and many:
            with translation.override(None):
                names = [str(field.verbose_name) for field in many]
            audit_record(
                form.instance,
                by=request.user,
                action=CHANGED,
                details={"fields": names},
            )


def _about_related_rows(message: Any) -> list:
    """The parts of Django's change message (a list of {"added" / "changed" /
    "deleted": {...}}) about related rows, which name their model."""
    if not isinstance(message, list):
        return []
    return [
        part
        for part in message
        if any(isinstance(what, dict) and "name" in what for what in part.values())
    ]


@admin.register(LogEntry)
class AuditAdmin(ModelAdmin):
    list_filter = [
        ("user", admin.RelatedOnlyFieldListFilter),
        ("content_type", admin.RelatedOnlyFieldListFilter),
        "action_flag",
        ("action_time", admin.DateFieldListFilter),
    ]
    search_fields = ["object_repr", "change_message"]
    list_select_related = ["user", "content_type"]
    ordering = ["-action_time", "-pk"]
    # A row says it all; an entry has no page of its own (see has_view_permission).
    list_display_links = None

    def get_list_display(self, request: HttpRequest) -> list:
        return [
            "action_time",
            "user",
            ObjectColumn(request, self.admin_site),
            "action_flag",
            "show_message",
        ]

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        # The list only: Django titles an entry's own page and its history with
        # `str(entry)`, which words only Django's own messages.
        return obj is None and super().has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("message"))
    def show_message(self, entry: LogEntry) -> str:
        return audit_message(entry)


@dataclass(frozen=True)
class ObjectColumn:
    """The entry's object, linked when the viewer may open its page; a whole list
    (an export, an import) by its model's name.

    A display callable of one request: it needs the viewer.
    """

    request: HttpRequest
    admin_site: admin.AdminSite
    __name__ = "show_object"  # the admin's CSS class of the column
    short_description = _("object")

    def __call__(self, entry: LogEntry) -> str:
        model = entry.content_type.model_class() if entry.content_type else None
        if model is None:
            return entry.object_repr
        if entry.object_id is None:
            return capfirst(model._meta.verbose_name_plural)
        url = None if entry.is_deletion() else entry.get_admin_url()
        if not url or not self._may_open(model):
            return entry.object_repr
        return format_html(
            '<a href="{}" class="text-link">{}</a>', url, entry.object_repr
        )

    def _may_open(self, model: type) -> bool:
        try:
            model_admin = self.admin_site.get_model_admin(model)
        except NotRegistered:
            return False
        return model_admin.has_view_or_change_permission(self.request)
