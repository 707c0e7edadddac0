"""Applications: approve, or decline with a reason."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import RangeDateFilter
from unfold.decorators import action, display

from core.admin_actions import ReasonForm, ServiceActionsMixin
from core.admin_wording import ModelAdmin
from core.models import Application
from moderation.admin.exports import StreamingExportMixin
from moderation.admin.labels import STATUS_COLOURS
from moderation.insights.resources import ApplicationResource
from moderation.shifts.applications import application_approve, application_decline


class DeclineForm(ReasonForm):
    submitted_field = "reason"
    reason = forms.CharField(
        label=_("Reason (sent to the participant)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )

    def reason_for(self, application: Application) -> str:
        return self.cleaned_data["reason"]


@admin.register(Application)
class ApplicationAdmin(ServiceActionsMixin, StreamingExportMixin, ModelAdmin):
    resource_classes = [ApplicationResource]
    list_display = ["participant", "shift", "show_status", "created_at", "reviewed_by"]
    list_filter = ["status", "shift", ("created_at", RangeDateFilter)]
    list_filter_submit = True
    list_select_related = ["participant", "shift", "reviewed_by"]
    search_fields = ["participant__last_name", "participant__first_name"]
    readonly_fields = [
        "participant",
        "shift",
        "status",
        "decline_reason",
        "reviewed_by",
        "reviewed_at",
        "created_at",
    ]
    actions = ["approve_selected", "decline_selected"]
    actions_detail = ["approve_detail", "decline_detail"]
    show_full_result_count = False
    ordering = ["-id"]
    list_per_page = 50

    def has_add_permission(self, request) -> bool:
        # Applications come from participants through the bot.
        return False

    @display(description=_("status"), label=STATUS_COLOURS)
    def show_status(self, application: Application) -> tuple[str, str]:
        return application.status, application.get_status_display()

    @admin.action(
        description=_("Approve selected applications"), permissions=["change"]
    )
    def approve_selected(self, request, queryset) -> None:
        self.apply_service(request, queryset, application_approve)

    @admin.action(
        description=_("Decline selected applications…"), permissions=["change"]
    )
    def decline_selected(self, request, queryset) -> HttpResponse | None:
        return self._decline(request, queryset)

    @action(description=_("Approve"), url_path="approve", permissions=["change"])
    def approve_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.confirm_service(request, object_id, application_approve)

    @action(description=_("Decline"), url_path="decline", permissions=["change"])
    def decline_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        response = self._decline(request, Application.objects.filter(pk=object_id))
        return response or HttpResponseRedirect(
            reverse("admin:core_application_change", args=[object_id])
        )

    def _decline(self, request, queryset) -> HttpResponse | None:
        if not self.has_change_permission(request):
            raise PermissionDenied
        return self.reason_service(
            request,
            queryset.select_related("participant", "shift"),
            application_decline,
            form_class=DeclineForm,
            template="admin/core/application/decline.html",
            title=gettext("Decline applications"),
        )
