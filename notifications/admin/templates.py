"""Message texts: staff's wording of every participant-facing text, per language."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.decorators import display

from core.admin.audit import ServiceAuditedAdmin
from core.admin_wording import ModelAdmin
from core.models import Participant
from notifications.models import MessageTemplate
from notifications.services import message_template_reset, message_template_save
from notifications.texts import editable_texts, text_default


def _key_choices() -> list[tuple[str, str]]:
    return [
        (key, f"{key} — {spec.description}" if spec.description else key)
        for key, spec in editable_texts().items()
    ]


class MessageTemplateForm(forms.ModelForm):
    # Choices are read per form: apps register their texts at start-up.
    key = forms.ChoiceField(label=_("text"), choices=_key_choices)

    class Meta:
        model = MessageTemplate
        fields = ["key", "language", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 6})}


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ServiceAuditedAdmin, ModelAdmin):
    audited_deletes = True

    form = MessageTemplateForm
    list_display = ["key", "language", "excerpt", "updated_by", "updated_at"]
    list_filter = ["language", "key"]
    search_fields = ["key", "text"]
    list_select_related = ["updated_by"]
    readonly_fields = ["variables", "default_text"]
    fields = ["key", "language", "variables", "default_text", "text"]
    list_before_template = "admin/notifications/messagetemplate/intro.html"

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        key, language = initial.get("key"), initial.get("language")
        if key in editable_texts() and language in Participant.Language.values:
            initial.setdefault("text", text_default(key, language))
        return initial

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "key", "language"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        message_template_save(obj, by=request.user)

    def delete_model(self, request, obj) -> None:
        message_template_reset(obj, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for template in queryset:
            message_template_reset(template, by=request.user)

    def get_urls(self):
        return [
            path(
                "all/",
                self.admin_site.admin_view(self.all_texts_view),
                name="notifications_messagetemplate_all",
            ),
            *super().get_urls(),
        ]

    def all_texts_view(self, request: HttpRequest) -> HttpResponse:
        """List every registered text in every language, default or staff's wording."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        overrides = {
            (template.key, template.language): template
            for template in MessageTemplate.objects.all()
        }
        add_url = reverse("admin:notifications_messagetemplate_add")
        rows = []
        for key, spec in editable_texts().items():
            for language, label in Participant.Language.choices:
                override = overrides.get((key, language))
                rows.append(
                    {
                        "key": key,
                        "description": spec.description,
                        "language": label,
                        # The text is in that language, whatever the page's.
                        "language_code": language,
                        "variables": ", ".join(
                            f"{{{name}}}" for name in spec.variables
                        ),
                        "text": override.text
                        if override
                        else text_default(key, language),
                        "overridden": override is not None,
                        "url": reverse(
                            "admin:notifications_messagetemplate_change",
                            args=[override.pk],
                        )
                        if override
                        else f"{add_url}?key={key}&language={language}",
                    }
                )
        return TemplateResponse(
            request,
            "admin/notifications/messagetemplate/all.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("All message texts"),
                "rows": rows,
                "opts": self.model._meta,
                "can_add": self.has_add_permission(request),
            },
        )

    @display(description=_("wording"))
    def excerpt(self, template: MessageTemplate) -> str:
        return Truncator(template.text).chars(80)

    @display(description=_("variables"))
    def variables(self, template: MessageTemplate) -> str:
        spec = editable_texts().get(template.key)
        if spec is None:
            return "—"
        return ", ".join(f"{{{name}}}" for name in spec.variables) or "—"

    @display(description=_("default text"))
    def default_text(self, template: MessageTemplate) -> str:
        if template.key not in editable_texts():
            return "—"
        return format_html(
            '<div style="white-space:pre-wrap">{}</div>',
            text_default(template.key, template.language or "ru"),
        )
