"""Photo reports."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import RangeDateFilter
from unfold.decorators import display

from moderation.admin.exports import StreamingExportMixin
from moderation.admin.labels import STATUS_COLOURS
from moderation.models import Report
from moderation.resources import ReportResource


@admin.register(Report)
class ReportAdmin(StreamingExportMixin, ModelAdmin):
    resource_classes = [ReportResource]
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
