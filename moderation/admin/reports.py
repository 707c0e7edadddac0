"""Photo reports and the review queue: approve, decline, next."""

from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    RangeDateFilter,
    RelatedDropdownFilter,
)
from unfold.decorators import display

from core.admin_actions import ServiceActionsMixin
from core.admin_links import PermittedLinksMixin
from core.admin_wording import ModelAdmin
from core.paginators import EstimatedCountPaginator
from moderation.admin.exports import StreamingExportMixin
from moderation.admin.labels import STATUS_COLOURS
from moderation.admin.review import (
    ReviewViewsMixin,
    change_url,
    keep_filters,
    review_context,
)
from moderation.insights.resources import ReportResource
from moderation.models import Report, Submission
from moderation.review.reviews import report_approve


def _latest_submission() -> QuerySet:
    return Submission.objects.filter(report=OuterRef("pk")).order_by("-attempt")


@admin.register(Report)
class ReportAdmin(
    PermittedLinksMixin,
    ReviewViewsMixin,
    ServiceActionsMixin,
    StreamingExportMixin,
    ModelAdmin,
):
    resource_classes = [ReportResource]
    list_display = [
        "show_photo",
        "show_participant",
        "show_day",
        "show_task",
        "show_status",
        "show_attempts",
        "show_flags",
        "submitted_at",
        "reviewed_by",
    ]
    list_display_links = ["show_photo", "show_participant"]
    list_filter = [
        ("status", ChoicesDropdownFilter),
        ("day__shift", RelatedDropdownFilter),
        ("day__date", RangeDateFilter),
        ("day__task", RelatedDropdownFilter),
        ("reviewed_by", RelatedDropdownFilter),
    ]
    list_filter_submit = True
    list_select_related = [
        "membership__participant",
        "day__task",
        "day__shift",
        "reviewed_by",
    ]
    list_per_page = 30
    search_fields = [
        "membership__participant__last_name",
        "membership__participant__first_name",
    ]
    fields = [
        "membership",
        "day",
        "status",
        "attempts",
        "submitted_at",
        "decline_reason",
        "reviewed_by",
        "reviewed_at",
    ]
    readonly_fields = fields
    # Moderators may not open members or staff accounts: plain names for them.
    permitted_links = ("membership", "reviewed_by")
    actions = ["approve_selected", "decline_selected"]
    list_before_template = "admin/moderation/report/queue_header.html"
    change_form_outer_before_template = "admin/moderation/report/review_panel.html"
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    class Media:
        js = ["moderation/review.js"]
        css = {"all": ["moderation/review.css"]}

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Reports come from the daily cycle and the bot.
        return False

    def has_review_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("moderation.review_report")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The latest photo and its duplicate flags, as columns of the one list
        # query: a page costs the same number of queries at any size.
        latest = _latest_submission()
        return (
            super()
            .get_queryset(request)
            .annotate(
                photo_name=Subquery(latest.values("photo")[:1]),
                photo_removed_at=Subquery(latest.values("photo_removed_at")[:1]),
                photo_pk=Subquery(latest.values("pk")[:1]),
                photo_file=Subquery(latest.values("telegram_file_unique_id")[:1]),
                near_duplicate=Subquery(latest.values("near_duplicate_of")[:1]),
            )
            .annotate(
                file_reused=Exists(
                    Submission.objects.filter(
                        telegram_file_unique_id=OuterRef("photo_file")
                    )
                    .exclude(telegram_file_unique_id="")
                    .exclude(pk=OuterRef("photo_pk"))
                )
            )
        )

    def get_ordering(self, request: HttpRequest) -> list[str]:
        if request.GET.get("status__exact") == Report.Status.REVIEWING:
            # The queue: oldest photo first.
            return ["submitted_at", "id"]
        # Newest first: reports are made day by day, so the primary key follows the
        # day, and an index scan serves a page without sorting a million rows.
        return ["-id"]

    def get_list_display(self, request: HttpRequest) -> list:
        if not self.has_review_permission(request):
            return self.list_display
        # The row's "Decline…" link opens the report within this list's filters.
        preserved_filters = self.get_preserved_filters(request)

        @admin.display(description=_("review"))
        def review_buttons(report: Report) -> str:
            return self.review_buttons(report, preserved_filters=preserved_filters)

        return [*self.list_display, review_buttons]

    def get_urls(self) -> list:
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("next/", wrap(self.next_view), name=f"{name}_next"),
            path(
                "<path:object_id>/approve/",
                wrap(self.approve_view),
                name=f"{name}_approve",
            ),
            path(
                "<path:object_id>/decline/",
                wrap(self.decline_view),
                name=f"{name}_decline",
            ),
            *super().get_urls(),
        ]

    # --- list columns ------------------------------------------------------------

    @admin.display(description=_("photo"))
    def show_photo(self, report: Report) -> str:
        if report.photo_removed_at:
            return format_html(
                '<span class="review-muted">{}</span>', gettext("photo removed")
            )
        if not report.photo_name:
            return "—"
        url = Submission._meta.get_field("photo").storage.url(report.photo_name)
        return format_html(
            '<img src="{}" alt="" loading="lazy" class="review-thumb">', url
        )

    @admin.display(
        description=_("participant"), ordering="membership__participant__last_name"
    )
    def show_participant(self, report: Report) -> str:
        return str(report.membership.participant)

    @admin.display(description=_("day"), ordering="day__date")
    def show_day(self, report: Report) -> str:
        return gettext("%(shift)s · day %(number)d · %(date)s") % {
            "shift": report.day.shift,
            "number": report.day.number,
            "date": formats.date_format(report.day.date),
        }

    @admin.display(description=_("task"))
    def show_task(self, report: Report) -> str:
        return report.day.task.title

    @display(description=_("status"), label=STATUS_COLOURS)
    def show_status(self, report: Report) -> tuple[str, str]:
        return report.status, report.get_status_display()

    @admin.display(description=_("attempts"))
    def show_attempts(self, report: Report) -> str:
        return f"{report.attempts}/{report.day.shift.max_attempts}"

    @admin.display(description=_("flags"))
    def show_flags(self, report: Report) -> str:
        flags = []
        if report.near_duplicate:
            flags.append(gettext("looks like an earlier photo"))
        if report.file_reused:
            flags.append(gettext("same file sent before"))
        return format_html_join(
            " ", '<span class="review-flag">{}</span>', ((flag,) for flag in flags)
        )

    def review_buttons(self, report: Report, *, preserved_filters: str) -> str:
        if not report.can_be_reviewed:
            return ""
        # A button of the list's own form (it carries the CSRF token); its
        # `formaction` sends it to this report's approve view instead.
        return format_html(
            '<button type="submit" formaction="{}" class="review-button '
            'review-approve" data-review="row-approve">{}</button> '
            '<a href="{}" class="review-button">{}</a>',
            reverse("admin:moderation_report_approve", args=[report.pk]),
            gettext("Approve"),
            keep_filters(change_url(report), preserved_filters),
            gettext("Decline…"),
        )

    # --- actions -------------------------------------------------------------------

    @admin.action(description=_("Approve selected reports"), permissions=["review"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.apply_service(request, queryset, report_approve)

    @admin.action(description=_("Decline selected reports…"), permissions=["review"])
    def decline_selected(
        self, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        return self._decline(request, queryset)

    # --- review views ------------------------------------------------------------

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        report = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if report is not None and self.has_view_or_change_permission(request, report):
            extra_context["review"] = review_context(
                request,
                report,
                can_review=self.has_review_permission(request),
                next_report=self.next_report(request, report),
                preserved_filters=self.get_preserved_filters(request),
            )
        # Nothing on the page is edited by hand: reviews go through the panel.
        extra_context.update(
            show_save=False,
            show_save_and_continue=False,
            show_save_and_add_another=False,
        )
        return super().change_view(request, object_id, form_url, extra_context)
