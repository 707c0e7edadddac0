"""Admin for running shifts: shifts with their plan, applications, members, reports."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import RangeDateFilter
from unfold.decorators import action, display

from core.admin_actions import apply_service
from core.exceptions import DomainError
from core.models import Application, Membership, Shift, ShiftDay
from core.services import (
    SHIFT_EDITABLE_FIELDS,
    shift_create,
    shift_update,
    shift_validate,
)
from moderation.models import Report
from moderation.services import (
    application_approve,
    application_decline,
    shift_cancel,
    shift_finish,
    shift_start,
)

STATUS_COLOURS = {
    "preparing": "info",
    "started": "success",
    "ready_for_complete": "warning",
    "finished": "",
    "cancelled": "danger",
    "pending": "info",
    "approved": "success",
    "declined": "danger",
    "active": "success",
    "excluded": "danger",
    "waiting": "",
    "reviewing": "warning",
    "skipped": "",
    "not_participate": "",
}


class ShiftDayInline(TabularInline):
    model = ShiftDay
    fields = ["date", "task"]
    readonly_fields = ["date"]
    extra = 0
    can_delete = False
    max_num = 0
    autocomplete_fields = ["task"]
    tab = True


class ShiftForm(forms.ModelForm):
    class Meta:
        model = Shift
        fields = sorted(SHIFT_EDITABLE_FIELDS)

    def _post_clean(self) -> None:
        super()._post_clean()
        dates = {"start_date", "end_date"}
        if self.instance._state.adding or dates & set(self.changed_data):
            try:
                shift_validate(self.instance)
            except DomainError as error:
                self.add_error(None, str(error))


@admin.register(Shift)
class ShiftAdmin(ModelAdmin):
    form = ShiftForm
    inlines = [ShiftDayInline]
    list_display = ["title", "show_status", "start_date", "end_date", "time_zone"]
    list_filter = ["status"]
    search_fields = ["title"]
    actions = ["start_selected", "cancel_selected", "finish_selected"]
    actions_detail = ["start_detail", "cancel_detail", "finish_detail"]
    fieldsets = [
        (None, {"fields": ["title", "start_date", "end_date", "final_message"]}),
        (
            _("Schedule and limits"),
            {
                "fields": [
                    "time_zone",
                    "task_hour",
                    "reminder_hour",
                    "max_attempts",
                    "skip_limit",
                ]
            },
        ),
    ]

    @display(description=_("status"), label=STATUS_COLOURS)
    def show_status(self, shift: Shift) -> tuple[str, str]:
        return shift.status, shift.get_status_display()

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Shift.Status.PREPARING:
            return ["start_date", "end_date"]
        return []

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            shift_create(obj, by=request.user)
            return
        changed = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in SHIFT_EDITABLE_FIELDS
        }
        shift_update(Shift.objects.get(pk=obj.pk), by=request.user, **changed)

    @admin.action(description=_("Start selected shifts"), permissions=["change"])
    def start_selected(self, request, queryset) -> None:
        apply_service(request, queryset, shift_start)

    @admin.action(description=_("Cancel selected shifts"), permissions=["change"])
    def cancel_selected(self, request, queryset) -> None:
        apply_service(request, queryset, shift_cancel, reason=_cancel_reason())

    @admin.action(description=_("Finish selected shifts"), permissions=["change"])
    def finish_selected(self, request, queryset) -> None:
        apply_service(request, queryset, shift_finish)

    @action(description=_("Start"), url_path="start", permissions=["change"])
    def start_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._detail_service(request, object_id, shift_start)

    @action(description=_("Cancel"), url_path="cancel", permissions=["change"])
    def cancel_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._detail_service(
            request, object_id, shift_cancel, reason=_cancel_reason()
        )

    @action(description=_("Finish"), url_path="finish", permissions=["change"])
    def finish_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._detail_service(request, object_id, shift_finish)

    def _detail_service(self, request, object_id, service, **kwargs) -> HttpResponse:
        if request.method != "POST":
            # State changes only on POST; a GET (a prefetched link) changes nothing.
            return TemplateResponse(
                request,
                "admin/confirm_action.html",
                {
                    **self.admin_site.each_context(request),
                    "title": gettext("Are you sure?"),
                    "object": get_object_or_404(Shift, pk=object_id),
                    "opts": self.model._meta,
                },
            )
        apply_service(
            request, [get_object_or_404(Shift, pk=object_id)], service, **kwargs
        )
        return HttpResponseRedirect(
            reverse("admin:core_shift_change", args=[object_id])
        )


def _cancel_reason() -> str:
    return gettext("The shift was cancelled.")


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the participant)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


@admin.register(Application)
class ApplicationAdmin(ModelAdmin):
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
        apply_service(request, queryset, application_approve)

    @admin.action(
        description=_("Decline selected applications…"), permissions=["change"]
    )
    def decline_selected(self, request, queryset) -> HttpResponse | None:
        return self._decline(request, queryset)

    @action(description=_("Approve"), url_path="approve", permissions=["change"])
    def approve_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method == "POST":
            apply_service(
                request,
                [get_object_or_404(Application, pk=object_id)],
                application_approve,
            )
        return HttpResponseRedirect(
            reverse("admin:core_application_change", args=[object_id])
        )

    @action(description=_("Decline"), url_path="decline", permissions=["change"])
    def decline_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        response = self._decline(request, Application.objects.filter(pk=object_id))
        return response or HttpResponseRedirect(
            reverse("admin:core_application_change", args=[object_id])
        )

    def _decline(self, request, queryset) -> HttpResponse | None:
        """Ask for the reason on an intermediate page, then decline with it."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = DeclineForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            apply_service(
                request,
                queryset,
                application_decline,
                reason=form.cleaned_data["reason"],
            )
            return None
        return TemplateResponse(
            request,
            "admin/core/application/decline.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Decline applications"),
                "form": form,
                "applications": queryset.select_related("participant", "shift"),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(Membership)
class MembershipAdmin(ModelAdmin):
    list_display = ["participant", "shift", "show_status", "points", "created_at"]
    list_filter = ["status", "shift"]
    list_select_related = ["participant", "shift"]
    search_fields = ["participant__last_name", "participant__first_name"]
    readonly_fields = ["participant", "shift", "status", "points", "excluded_at"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        # Members are made by approving applications.
        return False

    @display(description=_("status"), label=STATUS_COLOURS)
    def show_status(self, membership: Membership) -> tuple[str, str]:
        return membership.status, membership.get_status_display()


@admin.register(Report)
class ReportAdmin(ModelAdmin):
    list_display = ["__str__", "task", "show_status", "attempts", "submitted_at"]
    list_filter = ["status", "day__shift", ("day__date", RangeDateFilter)]
    list_filter_submit = True
    list_select_related = ["membership__participant", "day__task", "day__shift"]
    search_fields = ["membership__participant__last_name"]
    readonly_fields = [
        "membership",
        "day",
        "status",
        "attempts",
        "submitted_at",
        "decline_reason",
        "reviewed_by",
        "reviewed_at",
    ]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        # Reports come from the daily cycle and the bot.
        return False

    @admin.display(description=_("task"))
    def task(self, report: Report) -> str:
        return report.day.task.title

    @display(description=_("status"), label=STATUS_COLOURS)
    def show_status(self, report: Report) -> tuple[str, str]:
        return report.status, report.get_status_display()
