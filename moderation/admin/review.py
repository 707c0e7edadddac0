"""The review of a photo report in the admin: decline reasons, the review panel
and the approve / decline / next views."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_actions import apply_service
from core.models import Participant
from moderation.models import Report, Submission
from moderation.services import (
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


class ReportDeclineForm(forms.Form):
    """A canned reason, a reason in the moderator's words, or both."""

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

    def reason_for(self, participant: Participant) -> str:
        """Return the reason as it is sent to `participant`."""
        parts = []
        if self.cleaned_data["canned"]:
            with translation.override(participant.language):
                parts.append(str(CANNED_REASONS[self.cleaned_data["canned"]]))
        if self.cleaned_data["text"].strip():
            parts.append(self.cleaned_data["text"].strip())
        return " ".join(parts)


def review_context(
    request: HttpRequest, report: Report, *, can_review: bool
) -> dict[str, Any]:
    """Everything the review panel of a report shows."""
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
        "next_report": report_next_to_review(report),
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


class ReviewViewsMixin:
    """Approve, decline and next views of the report admin (see `get_urls`)."""

    def approve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        report = self._review_target(request, object_id)
        if request.method == "POST":
            apply_service(request, [report], report_approve)
        return HttpResponseRedirect(self._after_review(request, report))

    def decline_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        report = self._review_target(request, object_id)
        response = self._decline(request, Report.objects.filter(pk=report.pk))
        return response or HttpResponseRedirect(self._after_review(request, report))

    def next_view(self, request: HttpRequest) -> HttpResponse:
        """Open the oldest report under review, or the empty queue."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        report = report_next_to_review()
        if report is None:
            return HttpResponseRedirect(queue_url())
        return HttpResponseRedirect(
            reverse("admin:moderation_report_change", args=[report.pk])
        )

    def _review_target(self, request: HttpRequest, object_id: str) -> Report:
        if not self.has_review_permission(request):
            raise PermissionDenied
        return get_object_or_404(Report, pk=object_id)

    def _after_review(self, request: HttpRequest, report: Report) -> str:
        """Back to the list the review came from, else on to the next report."""
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}
        ):
            return back
        following = report_next_to_review(report)
        if following is None:
            return queue_url()
        return reverse("admin:moderation_report_change", args=[following.pk])

    def _decline(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Decline with the reason chosen; ask for it on a page of its own first."""
        if not self.has_review_permission(request):
            raise PermissionDenied
        form = ReportDeclineForm(request.POST if "decline" in request.POST else None)
        if form.is_valid():

            def decline(report: Report, *, by: Any) -> Report:
                return report_decline(
                    report,
                    by=by,
                    reason=form.reason_for(report.membership.participant),
                )

            apply_service(
                request,
                queryset.select_related("membership__participant"),
                decline,
            )
            return None
        return TemplateResponse(
            request,
            "admin/moderation/report/decline.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Decline reports"),
                "form": form,
                "reports": queryset.select_related(
                    "membership__participant", "day__task"
                ),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "media": self.media,
            },
        )
