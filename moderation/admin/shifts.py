"""Shifts with their plan, and the start / cancel / finish actions."""

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminSelect2Widget

from core.admin.audit import ServiceAuditedAdmin
from core.admin_actions import ServiceActionsMixin
from core.admin_wording import ModelAdmin
from core.exceptions import DomainError
from core.models import Shift, ShiftDay
from moderation.admin.labels import STATUS_COLOURS
from moderation.admin.statistics import ShiftStatisticsMixin
from moderation.shifts.lifecycle import (
    SHIFT_EDITABLE_FIELDS,
    shift_cancel,
    shift_create,
    shift_finish,
    shift_start,
    shift_update,
    shift_validate,
)


class ShiftDayInline(TabularInline):
    model = ShiftDay
    fields = ["date", "task"]
    readonly_fields = ["date"]
    extra = 0
    can_delete = False
    max_num = 0
    autocomplete_fields = ["task"]
    tab = True


# Russia's time zones, west to east, offered first: most shifts run in one of them.
RUSSIAN_TIME_ZONES = [
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
]


def time_zone_choices(current: str = "") -> list[tuple[str, list[tuple[str, str]]]]:
    """IANA time zones, Russia's first, then all the others sorted by name.

    `current` (a shift's stored value) is offered even if this system's tz
    database no longer lists it: the form then shows it, and the model's
    validator names the problem, instead of the list silently showing its first
    zone, which saving would store.
    """
    known = zoneinfo.available_timezones()
    russian = [zone for zone in RUSSIAN_TIME_ZONES if zone in known]
    others = sorted(known.difference(russian) | ({current} - known - {""}))
    return [
        (gettext("Russia"), [(zone, _zone_label(zone)) for zone in russian]),
        (gettext("Other time zones"), [(zone, zone) for zone in others]),
    ]


def _zone_label(zone: str) -> str:
    """The zone's name with its current UTC offset, e.g. "Europe/Moscow (UTC+03:00)"."""
    offset = dt.datetime.now(zoneinfo.ZoneInfo(zone)).strftime("%z")
    return f"{zone} (UTC{offset[:3]}:{offset[3:]})"


class ShiftForm(forms.ModelForm):
    # A searchable list rather than free text: a typo cannot get in, and the
    # model's validator still guards every other way in.
    time_zone = forms.ChoiceField(
        label=capfirst(Shift._meta.get_field("time_zone").verbose_name),
        choices=(),
        widget=UnfoldAdminSelect2Widget,
    )

    class Meta:
        model = Shift
        fields = sorted(SHIFT_EDITABLE_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        if self.instance.pk:
            field.choices = time_zone_choices(self.instance.time_zone)
        else:
            field.choices = time_zone_choices()
            # A declared field does not take the model's default by itself.
            field.initial = Shift._meta.get_field("time_zone").get_default()

    def _post_clean(self) -> None:
        super()._post_clean()
        dates = {"start_date", "end_date"}
        if self.instance._state.adding or dates & set(self.changed_data):
            try:
                shift_validate(self.instance)
            except DomainError as error:
                self.add_error(None, str(error))


@admin.register(Shift)
class ShiftAdmin(
    ShiftStatisticsMixin, ServiceAuditedAdmin, ServiceActionsMixin, ModelAdmin
):
    form = ShiftForm
    inlines = [ShiftDayInline]
    list_display = ["title", "show_status", "start_date", "end_date", "time_zone"]
    list_filter = ["status"]
    search_fields = ["title"]
    actions = ["start_selected", "cancel_selected", "finish_selected"]
    actions_detail = [
        "start_detail",
        "cancel_detail",
        "finish_detail",
        "statistics_detail",
    ]
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
        self.apply_service(request, queryset, shift_start)

    @admin.action(description=_("Cancel selected shifts"), permissions=["change"])
    def cancel_selected(self, request, queryset) -> None:
        self.apply_service(request, queryset, shift_cancel, reason=_cancel_reason())

    @admin.action(description=_("Finish selected shifts"), permissions=["change"])
    def finish_selected(self, request, queryset) -> None:
        self.apply_service(request, queryset, shift_finish)

    @action(description=_("Start"), url_path="start", permissions=["shift_start"])
    def start_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.confirm_service(request, object_id, shift_start)

    @action(description=_("Cancel"), url_path="cancel", permissions=["shift_cancel"])
    def cancel_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.confirm_service(
            request, object_id, shift_cancel, reason=_cancel_reason()
        )

    @action(description=_("Finish"), url_path="finish", permissions=["shift_finish"])
    def finish_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.confirm_service(request, object_id, shift_finish)

    # Detail buttons show only where the shift's status allows the step.
    def has_shift_start_permission(self, request, object_id=None) -> bool:
        return self._shift_allows(request, object_id, Shift.can_be_started)

    def has_shift_cancel_permission(self, request, object_id=None) -> bool:
        return self._shift_allows(request, object_id, Shift.can_be_cancelled)

    def has_shift_finish_permission(self, request, object_id=None) -> bool:
        return self._shift_allows(request, object_id, Shift.can_be_finished)

    def _shift_allows(self, request, object_id, predicate) -> bool:
        if not self.has_change_permission(request):
            return False
        shift = Shift.objects.filter(pk=object_id).first() if object_id else None
        return shift is not None and predicate(shift)


def _cancel_reason() -> str:
    return gettext("The shift was cancelled.")
