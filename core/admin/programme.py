"""Participants, the privacy notice, phone conflicts and the task catalogue.

`ParticipantAdmin` and `TaskAdmin` are registered by `moderation.admin.data`,
which adds their export, import and erasure (`core` may not import moderation).
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import RangeDateFilter
from unfold.widgets import UnfoldAdminURLInputWidget, UnfoldBooleanSwitchWidget

from core.admin.audit import ServiceAuditedAdmin
from core.admin_wording import ModelAdmin
from core.cleaners import (
    participant_birth_date_check,
    participant_city_clean,
    participant_name_clean,
    participant_phone_check_free,
    participant_phone_clean,
)
from core.exceptions import DomainError
from core.models import Participant, PhoneConflict, PrivacyNotice, Task
from core.paginators import EstimatedCountPaginator
from core.services import privacy_notice_update


class ParticipantForm(forms.ModelForm):
    """The admin's way in: the same cleaning rules as the bot and the import."""

    class Meta:
        model = Participant
        fields = [
            "first_name",
            "last_name",
            "birth_date",
            "city",
            "phone",
            "telegram_username",
            "language",
            "is_test",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The phone is how a participant added here is found when they register.
        if "phone" in self.fields:
            self.fields["phone"].required = True

    def _cleaned(self, name: str, cleaner: Callable[[Any], Any]) -> Any:
        """Run a core cleaner on a filled-in field; its refusal becomes the error."""
        value = self.cleaned_data.get(name)
        if value in (None, ""):
            return value
        try:
            return cleaner(value)
        except DomainError as error:
            raise ValidationError(str(error)) from error

    def clean_first_name(self) -> str:
        return self._cleaned("first_name", participant_name_clean)

    def clean_last_name(self) -> str:
        return self._cleaned("last_name", participant_name_clean)

    def clean_birth_date(self) -> dt.date | None:
        return self._cleaned("birth_date", participant_birth_date_check)

    def clean_city(self) -> str:
        return self._cleaned("city", participant_city_clean)

    def clean_phone(self) -> str:
        return self._cleaned(
            "phone",
            lambda value: participant_phone_check_free(
                participant_phone_clean(value), participant=self.instance
            ),
        )


class ConsentFilter(admin.SimpleListFilter):
    title = _("privacy notice")
    parameter_name = "consent"

    def lookups(self, request, model_admin):
        return [
            ("current", _("Agreed to the current version")),
            ("earlier", _("Agreed to an earlier version")),
            ("none", _("Not agreed")),
        ]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() not in ("current", "earlier", "none"):
            return queryset
        return queryset.consented(self.value())


class ParticipantAdmin(ModelAdmin):
    form = ParticipantForm
    list_display = [
        "__str__",
        "city",
        "birth_date",
        "telegram_username",
        "language",
        "is_test",
        "has_blocked_bot",
        "consent",
        "created_at",
    ]
    list_filter = [
        "language",
        "is_test",
        ConsentFilter,
        ("created_at", RangeDateFilter),
        "city",
    ]
    list_filter_submit = True
    search_fields = ["last_name", "first_name", "phone", "telegram_username", "city"]
    readonly_fields = [
        "telegram_id",
        "blocked_bot_at",
        "erased_at",
        "consent_version",
        "consent_at",
        "created_at",
        "updated_at",
    ]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["first_name", "last_name", "birth_date", "city", "phone"]}),
        (
            _("Telegram"),
            {
                "fields": [
                    "telegram_id",
                    "telegram_username",
                    "language",
                    "blocked_bot_at",
                ]
            },
        ),
        (_("Privacy notice"), {"fields": ["consent_version", "consent_at"]}),
        (
            _("Flags"),
            {"fields": ["is_test", "erased_at", "created_at", "updated_at"]},
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_erased:
            # Nothing may be written back into an erased participant.
            return [field.name for field in self.model._meta.fields]
        return super().get_readonly_fields(request, obj)

    @admin.display(boolean=True, description=_("blocked the bot"))
    def has_blocked_bot(self, participant: Participant) -> bool:
        return participant.has_blocked_bot

    @admin.display(description=_("privacy notice"), ordering="consent_at")
    def consent(self, participant: Participant) -> str:
        if participant.consent_version is None:
            return "—"
        return _("version %(version)d, %(date)s") % {
            "version": participant.consent_version,
            "date": date_format(participant.consent_at, "DATE_FORMAT"),
        }


class PrivacyNoticeForm(forms.ModelForm):
    url = forms.URLField(
        label=_("link to the full notice"),
        required=False,
        assume_scheme="https",
        widget=UnfoldAdminURLInputWidget,
        help_text=_("Shown in the notice in the bot (a public https:// address)."),
    )
    new_version = forms.BooleanField(
        label=_("Publish as a new version"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
        help_text=_(
            "Tick it when the notice has changed: every participant must agree "
            "again before using the bot further."
        ),
    )

    class Meta:
        model = PrivacyNotice
        fields = ["url"]


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(ServiceAuditedAdmin, ModelAdmin):
    """The one privacy notice: its link and version; the wording is a message text."""

    form = PrivacyNoticeForm
    list_display = ["__str__", "url", "updated_by", "updated_at"]
    fields = ["version", "wording", "url", "new_version", "updated_by", "updated_at"]
    readonly_fields = ["version", "wording", "updated_by", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Only a fresh database lacks the row the migration made.
        return (
            super().has_add_permission(request) and not PrivacyNotice.objects.exists()
        )

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        privacy_notice_update(
            obj,
            url=form.cleaned_data["url"],
            new_version=form.cleaned_data["new_version"],
            by=request.user,
        )

    @admin.display(description=_("wording"))
    def wording(self, notice: PrivacyNotice) -> str:
        return _(
            "Participants read the message text “bot_consent_ask” (Messages → "
            "Message texts), in each language, with buttons to agree or not."
        )


@admin.register(PhoneConflict)
class PhoneConflictAdmin(ModelAdmin):
    """Registrations refused because the phone belongs to another Telegram account.

    Staff contact the person; deleting a row marks it dealt with.
    """

    list_display = [
        "participant",
        "phone",
        "telegram_id",
        "telegram_username",
        "attempts",
        "created_at",
        "updated_at",
    ]
    list_select_related = ["participant"]
    search_fields = [
        "participant__last_name",
        "participant__phone",
        "telegram_username",
    ]
    readonly_fields = [
        "participant",
        "telegram_id",
        "telegram_username",
        "attempts",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("phone"), ordering="participant__phone")
    def phone(self, conflict: PhoneConflict) -> str:
        return conflict.participant.phone


class TaskAdmin(ModelAdmin):
    list_display = ["title", "thumbnail", "is_archived", "updated_at"]
    list_filter = ["is_archived"]
    search_fields = ["title", "description"]

    @admin.display(description=_("image"))
    def thumbnail(self, task: Task) -> str:
        if not task.image:
            return "—"
        return format_html(
            '<img src="{}" alt="" style="height:40px;border-radius:4px">',
            task.image.url,
        )
