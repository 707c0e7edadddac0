"""The live parts of the mailing form: recipient count and preview (JSON views)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils.translation import gettext, ngettext

from notifications.admin.mailing_forms import AudienceForm
from notifications.formatting import preview_html
from notifications.models import Mailing
from notifications.services import MailingPreview, mailing_preview
from notifications.services.audience import AUDIENCE_FIELDS, Audience, audience_count


def preview_note(preview: MailingPreview) -> str:
    """Say whose text the preview shows, or that the audience is empty."""
    if preview.recipient is None:
        return gettext(
            "The audience is empty: nobody would receive this mailing. "
            "Variables are shown as written."
        )
    return gettext("For the first recipient, %(name)s:") % {
        "name": preview.recipient.full_name
    }


class MailingLiveViews:
    """Views the mailing form's script posts the unsaved form to."""

    def get_urls(self):
        return [
            path(
                "audience-count/",
                self.admin_site.admin_view(self.audience_count_view),
                name="notifications_mailing_audience_count",
            ),
            path(
                "preview/",
                self.admin_site.admin_view(self.preview_view),
                name="notifications_mailing_preview",
            ),
            *super().get_urls(),
        ]

    # -- live helpers of the form -------------------------------------------------

    def audience_count_view(self, request: HttpRequest) -> JsonResponse:
        """Count the recipients the (unsaved) audience fields select."""
        audience = self._posted_audience(request)
        if audience is None:
            return JsonResponse({"error": gettext("Check the audience fields.")})
        counts = audience_count(audience)
        return JsonResponse(
            {
                **counts,
                "text": ngettext(
                    "%(total)d recipient; %(unreachable)d of them cannot be reached "
                    "(blocked the bot or no Telegram).",
                    "%(total)d recipients; %(unreachable)d of them cannot be reached "
                    "(blocked the bot or no Telegram).",
                    counts["total"],
                )
                % counts,
            }
        )

    def preview_view(self, request: HttpRequest) -> JsonResponse:
        """Render the text as the first recipient would see it, with its problems."""
        audience = self._posted_audience(request)
        text = request.POST.get("text", "")
        sample = Mailing(text=text, photo=request.POST.get("has_photo") or "")
        if audience is None:
            preview = MailingPreview(None, text)
            note = gettext("Check the audience fields.")
        else:
            preview = mailing_preview(sample, audience=audience)
            note = preview_note(preview)
        return JsonResponse(
            {
                "note": note,
                "html": preview_html(preview.text),
                "problems": sample.text_problems(),
            }
        )

    def _posted_audience(self, request: HttpRequest) -> Audience | None:
        # POST only, with the form's CSRF token; staff who may see mailings.
        if request.method != "POST" or not self.has_view_permission(request):
            raise PermissionDenied
        form = AudienceForm(request.POST)
        if not form.is_valid():
            return None
        data = form.cleaned_data
        return Audience(
            shift_ids=tuple(shift.pk for shift in data["shifts"]),
            **{name: data[name] for name in AUDIENCE_FIELDS},
        )

    # -- list columns ----------------------------------------------------------
