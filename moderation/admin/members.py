"""Members of shifts, with each member's calendar of reports."""

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from unfold.decorators import display

from core.admin_wording import ModelAdmin
from core.models import Membership
from moderation.admin.exports import StreamingExportMixin
from moderation.admin.labels import STATUS_COLOURS
from moderation.insights.resources import MembershipResource
from moderation.models import Report
from moderation.review.calendar import membership_calendar, streaks


def _count_reports(status: str) -> Coalesce:
    """A per-row count of the member's reports in `status`, as a subquery.

    A subquery rather than a JOIN + GROUP BY: it runs for the rows of the page
    only, whatever the size of the reports table.
    """
    counted = (
        Report.objects.filter(membership=OuterRef("pk"), status=status)
        .order_by()
        .values("membership")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@admin.register(Membership)
class MembershipAdmin(StreamingExportMixin, ModelAdmin):
    resource_classes = [MembershipResource]
    list_display = [
        "participant",
        "shift",
        "show_status",
        "points",
        "approved_count",
        "skipped_count",
        "created_at",
    ]
    list_filter = ["status", "shift"]
    list_select_related = ["participant", "shift"]
    search_fields = ["participant__last_name", "participant__first_name"]
    readonly_fields = [
        "participant",
        "shift",
        "status",
        "points",
        "excluded_at",
        "show_streak",
        "show_calendar",
    ]
    fieldsets = [
        (None, {"fields": ["participant", "shift", "status", "points", "excluded_at"]}),
        (_("Calendar"), {"fields": ["show_streak", "show_calendar"]}),
    ]
    show_full_result_count = False
    # Without the participant's name as tie-breaker: sorting by a joined column
    # would sort every member of every shift for each page.
    ordering = ["-points", "-id"]
    list_per_page = 50

    class Media:
        css = {"all": ["moderation/review.css"]}

    def has_add_permission(self, request) -> bool:
        # Members are made by approving applications.
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                approved=_count_reports(Report.Status.APPROVED),
                skipped=_count_reports(Report.Status.SKIPPED),
            )
        )

    @display(description=_("status"), label=STATUS_COLOURS)
    def show_status(self, membership: Membership) -> tuple[str, str]:
        return membership.status, membership.get_status_display()

    @admin.display(description=_("approved"), ordering="approved")
    def approved_count(self, membership: Membership) -> int:
        return membership.approved

    @admin.display(description=_("skipped"), ordering="skipped")
    def skipped_count(self, membership: Membership) -> int:
        return membership.skipped

    @admin.display(description=_("streak"))
    def show_streak(self, membership: Membership) -> str:
        current, best = streaks(
            [day.status for day in self._calendar(membership) if not day.is_future]
        )
        return _("%(current)d approved days in a row now; best %(best)d") % {
            "current": current,
            "best": best,
        }

    @admin.display(description=_("reports"))
    def show_calendar(self, membership: Membership) -> str:
        return render_to_string(
            "admin/core/membership/calendar.html",
            {
                "days": self._calendar(membership),
                "legend": [
                    (status, label)
                    for status, label in Report.Status.choices
                    if status != Report.Status.REVIEWING
                ]
                + [(Report.Status.REVIEWING, Report.Status.REVIEWING.label)],
            },
        )

    def _calendar(self, membership: Membership):
        # Both readonly fields show the same calendar: read it once per object.
        cached = getattr(membership, "_calendar_cache", None)
        if cached is None:
            cached = membership_calendar(membership)
            membership._calendar_cache = cached
        return cached
