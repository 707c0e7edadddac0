"""The statistics page of a shift, linked from the shift's page."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.decorators import action
from unfold.widgets import UnfoldAdminDateWidget

from core.models import Shift
from moderation.insights import charts, statistics


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=UnfoldAdminDateWidget
    )
    end = forms.DateField(label=_("To"), required=False, widget=UnfoldAdminDateWidget)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period must start before it ends."))
        return data


class ShiftStatisticsMixin:
    """Adds the "Statistics" button and page to the shift admin."""

    @action(description=_("Statistics"), url_path="statistics", permissions=["view"])
    def statistics_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        shift = get_object_or_404(Shift, pk=object_id)
        form = PeriodForm(request.GET or None)
        period = form.cleaned_data if form.is_valid() else {}
        scope = statistics.Scope.for_shift(
            shift, start=period.get("start"), end=period.get("end")
        )
        stats = statistics.summary(scope)
        return TemplateResponse(
            request,
            "admin/core/shift/statistics.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Statistics: %(shift)s") % {"shift": shift.title},
                "opts": self.model._meta,
                "original": shift,
                "form": form,
                "stats": stats,
                "charts": charts.chart_context(stats),
            },
        )
