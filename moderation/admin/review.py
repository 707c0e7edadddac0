"""The review of a photo report in the admin: decline reasons, the review panel
and the approve / decline / next views."""

import copy
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_actions import ReasonForm
from moderation.models import Report, Submission
from moderation.review.reviews import (
    report_approve,
    report_attempts_left,
    report_decline,
    report_next_to_review,
)

# Reasons a moderator picks with one click. They are lazy, so that each is sent in
# the participant's language rather than the moderator's.
CANNED_REASONS = {
    "blurred": _("The photo is blurred or too dark."),
    "not_visible": _("The task cannot be seen in the photo."),
    "not_today": _("The photo is not from today."),
    "repeated": _("This photo was already sent before."),
}


class ReportDeclineForm(ReasonForm):
    """A canned reason, a reason in the moderator's words, or both."""

    submitted_field = "decline"

    canned = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", "—"), *CANNED_REASONS.items()],
        required=False,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("In your own words (sent as written)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Tells a submitted form from the first arrival on the page.
    decline = forms.CharField(widget=forms.HiddenInput, initial="1", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("canned") and not data.get("text", "").strip():
            raise ValidationError(_("Choose a reason or write one."))
        return data

    def reason_for(self, report: Report) -> str:
        """Return the reason as it is sent to the report's participant."""
        participant = report.membership.participant
        parts = []
        if self.cleaned_data["canned"]:
            with translation.override(participant.language):
                parts.append(str(CANNED_REASONS[self.cleaned_data["canned"]]))
        if self.cleaned_data["text"].strip():
            parts.append(self.cleaned_data["text"].strip())
        return " ".join(parts)


def review_context(
    request: HttpRequest,
    report: Report,
    *,
    can_review: bool,
    next_report: Report | None,
    preserved_filters: str,
) -> dict[str, Any]:
    """Everything the review panel of a report shows.

    `preserved_filters` are the filters of the list the report was opened from
    (Django admin's `_changelist_filters`): the panel's links and forms carry
    them, so that the next report is the next one of that list.
    """
    report = Report.objects.select_related(
        "membership__participant", "day__shift", "day__task", "reviewed_by"
    ).get(pk=report.pk)
    submissions = list(
        report.submissions.select_related(
            "reviewed_by", "near_duplicate_of__report__membership__participant"
        ).order_by("-attempt")
    )
    latest = submissions[0] if submissions else None
    shift = report.day.shift
    return {
        "report": report,
        "participant": report.membership.participant,
        "membership": report.membership,
        "age": report.membership.participant.age_on(report.day.date),
        "day": report.day,
        "shift": shift,
        "task": report.day.task,
        "show_task_image": request.user.has_perm("core.view_task"),
        "latest": latest,
        "submissions": submissions,
        "same_file": _same_file(latest),
        "attempts_left": report_attempts_left(report),
        "can_review": can_review and report.can_be_reviewed,
        "next_report": next_report,
        "next_url": next_report
        and keep_filters(change_url(next_report), preserved_filters),
        "approve_url": keep_filters(
            reverse("admin:moderation_report_approve", args=[report.pk]),
            preserved_filters,
        ),
        "decline_url": keep_filters(
            reverse("admin:moderation_report_decline", args=[report.pk]),
            preserved_filters,
        ),
        "queue_url": list_url(preserved_filters),
        "decline_form": ReportDeclineForm(),
    }


def _same_file(submission: Submission | None) -> list[Submission]:
    """Other submissions of the very same Telegram file (another report, or
    another participant)."""
    if submission is None or not submission.telegram_file_unique_id:
        return []
    return list(
        Submission.objects.filter(
            telegram_file_unique_id=submission.telegram_file_unique_id
        )
        .exclude(pk=submission.pk)
        .select_related("report__membership__participant", "report__day")
        .order_by("-created_at")[:10]
    )


def queue_url() -> str:
    """The list of reports under review, oldest first."""
    return (
        reverse("admin:moderation_report_changelist")
        + f"?status__exact={Report.Status.REVIEWING}"
    )


def change_url(report: Report) -> str:
    return reverse("admin:moderation_report_change", args=[report.pk])


def keep_filters(url: str, preserved_filters: str) -> str:
    """`url` carrying the list's filters on (Django admin's own helper)."""
    return add_preserved_filters(
        {"preserved_filters": preserved_filters, "opts": Report._meta}, url
    )


def list_url(preserved_filters: str) -> str:
    """The list the moderator came from, with its filters; else the queue."""
    if not preserved_filters:
        return queue_url()
    return keep_filters(
        reverse("admin:moderation_report_changelist"), preserved_filters
    )


class ReviewViewsMixin:
    """Approve, decline and next views of the report admin (see `get_urls`).

    Each of them keeps the filters of the list the moderator works through
    (`_changelist_filters` in the query string, as Django's own change form
    does), so "next" stays within that list, in its order.
    """

    def approve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        report = self._review_target(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(self._open(request, report))
        following = self._following(request, report)
        self.apply_service(request, [report], report_approve)
        return HttpResponseRedirect(
            self._back(request) or self._open(request, following)
        )

    def decline_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        report = self._review_target(request, object_id)
        following = (
            self._following(request, report) if request.method == "POST" else None
        )
        response = self._decline(request, Report.objects.filter(pk=report.pk))
        return response or HttpResponseRedirect(
            self._back(request) or self._open(request, following)
        )

    def next_view(self, request: HttpRequest) -> HttpResponse:
        """Open the first report under review of the list, or the list itself."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(
            self._open(request, self.next_report(request, None))
        )

    def next_report(self, request: HttpRequest, report: Report | None) -> Report | None:
        """The report under review after `report` in the list the request came
        from (its preserved filters), else in the whole queue."""
        return report_next_to_review(report, within=self._filtered_list(request))

    def _filtered_list(self, request: HttpRequest) -> QuerySet | None:
        """The reports of the list as filtered, searched and ordered; None when
        the request carries no list's filters."""
        filters = request.GET.get("_changelist_filters")
        if filters is None:
            return None
        list_request = copy.copy(request)
        list_request.GET = QueryDict(filters)
        try:
            return self.get_changelist_instance(list_request).queryset
        except IncorrectLookupParameters:
            # Filters edited by hand into nonsense: the whole queue then.
            return None

    def _review_target(self, request: HttpRequest, object_id: str) -> Report:
        if not self.has_review_permission(request):
            raise PermissionDenied
        return get_object_or_404(Report, pk=object_id)

    def _following(self, request: HttpRequest, report: Report) -> Report | None:
        """The report to open once `report` is reviewed, found before the review:
        in a list filtered to reports under review, the reviewed one would no
        longer mark the place."""
        if self._back(request):
            return None
        return self.next_report(request, report)

    def _back(self, request: HttpRequest) -> str:
        """The list a review from a list's row returns to (its `next`), if safe."""
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}
        ):
            return back
        return ""

    def _open(self, request: HttpRequest, report: Report | None) -> str:
        """The page of `report` within the request's list; else that list, with
        word that nothing is left to review in it."""
        preserved_filters = self.get_preserved_filters(request)
        if report is None:
            messages.info(request, gettext("No more reports to review in this list."))
            return list_url(preserved_filters)
        return keep_filters(change_url(report), preserved_filters)

    def _decline(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Decline with the reason chosen; ask for it on a page of its own first."""
        if not self.has_review_permission(request):
            raise PermissionDenied
        return self.reason_service(
            request,
            queryset.select_related("membership__participant", "day__task"),
            report_decline,
            form_class=ReportDeclineForm,
            template="admin/moderation/report/decline.html",
            title=gettext("Decline reports"),
        )
