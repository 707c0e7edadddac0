"""The review of a photo report in the admin: decline reasons and the review panel."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.models import Participant
from moderation.models import Report, Submission
from moderation.services import report_attempts_left, report_next_to_review

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
