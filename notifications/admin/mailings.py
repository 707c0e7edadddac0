"""Mailings: write, target, schedule, watch; pause, resume, cancel, duplicate, test."""

from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.decorators import action, display

from core.admin.audit import ServiceAuditedAdmin
from core.admin_actions import ServiceActionsMixin
from core.admin_wording import ModelAdmin
from core.exceptions import DomainError
from core.services import user_telegram_chat_set
from notifications.admin.mailing_forms import MailingForm, SendTestForm
from notifications.admin.mailing_live import MailingLiveViews, preview_note
from notifications.formatting import preview_html
from notifications.models import Mailing, OutboxMessage
from notifications.services import (
    mailing_cancel,
    mailing_duplicate,
    mailing_pause,
    mailing_preview,
    mailing_resume,
    mailing_save_draft,
    mailing_schedule,
    mailing_send_test,
    mailing_stats,
)

Outbox = OutboxMessage.Status
MAILING_COLOURS = {
    "draft": "",
    "scheduled": "info",
    "sending": "warning",
    "paused": "warning",
    "done": "success",
    "cancelled": "danger",
}


@admin.register(Mailing)
class MailingAdmin(
    MailingLiveViews, ServiceAuditedAdmin, ServiceActionsMixin, ModelAdmin
):
    form = MailingForm
    list_display = [
        "title",
        "show_status",
        "show_progress",
        "scheduled_at",
        "recipients_count",
        "created_by",
        "created_at",
    ]
    list_filter = ["status"]
    list_select_related = ["created_by"]
    search_fields = ["title", "text"]
    autocomplete_fields = ["shifts"]
    change_form_after_template = "admin/notifications/mailing/after_form.html"
    actions = [
        "schedule_selected",
        "pause_selected",
        "resume_selected",
        "cancel_selected",
        "duplicate_selected",
    ]
    actions_detail = [
        "schedule_detail",
        "send_test_detail",
        "pause_detail",
        "resume_detail",
        "cancel_detail",
        "duplicate_detail",
    ]
    fieldsets = [
        (
            _("Message"),
            {"classes": ["tab"], "fields": ["title", "text", "photo", "buttons"]},
        ),
        (
            _("Audience"),
            {
                "classes": ["tab"],
                "fields": [
                    "shifts",
                    "membership",
                    "participant_kind",
                    "cities",
                    ("age_min", "age_max"),
                    "registered_since",
                ],
            },
        ),
        (
            _("Schedule"),
            {
                "classes": ["tab"],
                "fields": ["scheduled_at", "send_until", ("quiet_from", "quiet_to")],
            },
        ),
    ]

    class Media:
        js = ["notifications/mailing_form.js"]

    def has_change_permission(self, request, obj=None) -> bool:
        # Once scheduled, a mailing is read-only: duplicate it to change it.
        if isinstance(obj, Mailing) and not obj.is_editable:
            return False
        return super().has_change_permission(request, obj)

    # Unfold passes an object id to these, Django's list actions nothing; on a
    # mailing's page only the buttons its status allows are shown.
    def _may(self, request, obj, *statuses: str) -> bool:
        if not request.user.has_perm("notifications.change_mailing"):
            return False
        if obj is None:
            return True
        if not isinstance(obj, Mailing):
            obj = Mailing.objects.filter(pk=obj).only("status").first()
        return obj is not None and obj.status in statuses

    def has_schedule_permission(self, request, obj=None) -> bool:
        return self._may(request, obj, Mailing.Status.DRAFT)

    def has_pause_permission(self, request, obj=None) -> bool:
        return self._may(request, obj, Mailing.Status.SCHEDULED, Mailing.Status.SENDING)

    def has_resume_permission(self, request, obj=None) -> bool:
        return self._may(request, obj, Mailing.Status.PAUSED)

    def has_cancel_permission(self, request, obj=None) -> bool:
        return self._may(request, obj, Mailing.Status.DRAFT, *Mailing.ACTIVE_STATUSES)

    def has_duplicate_permission(self, request, obj=None) -> bool:
        return self.has_add_permission(request)

    def save_model(self, request, obj, form, change) -> None:
        mailing_save_draft(obj, by=request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Sent mailings are history; a draft may go.
        if obj is not None and obj.status != Mailing.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        mailing = self.get_object(request, object_id)
        extra = {}
        if mailing is not None and not mailing.is_editable:
            # Read-only: no form fields for the script; render on the server.
            preview = mailing_preview(mailing)
            extra["mailing_preview"] = preview_html(preview.text)
            extra["mailing_preview_note"] = preview_note(preview)
        if mailing is not None and mailing.fanned_out_at is not None:
            stats = mailing_stats(mailing)
            extra["mailing_stats"] = stats
            extra["mailing_counts"] = [
                (OutboxMessage.Status(status).label, count)
                for status, count in sorted(stats.by_status.items())
            ]
            extra["deliveries_url"] = (
                reverse("admin:notifications_outboxmessage_changelist")
                + f"?mailing__id__exact={mailing.pk}"
            )
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), **extra}
        )

    @display(description=_("status"), label=MAILING_COLOURS)
    def show_status(self, mailing: Mailing) -> tuple[str, str]:
        return mailing.status, mailing.get_status_display()

    def get_queryset(self, request):
        # Progress of every row on the page from one query (no query per row).
        deliveries = (
            OutboxMessage.objects.filter(mailing=OuterRef("pk"))
            .order_by()
            .values("mailing")
            .annotate(count=Count("pk"))
            .values("count")
        )
        waiting = deliveries.filter(status__in=[Outbox.PENDING, Outbox.SENDING])
        return (
            super()
            .get_queryset(request)
            .annotate(
                deliveries_total=Coalesce(Subquery(deliveries), 0),
                deliveries_waiting=Coalesce(Subquery(waiting), 0),
            )
        )

    @display(description=_("progress"))
    def show_progress(self, mailing: Mailing) -> str:
        if mailing.fanned_out_at is None:
            return "—"
        total = mailing.deliveries_total
        done = total - mailing.deliveries_waiting
        percent = round(100 * done / total) if total else 100
        return format_html(
            '<div style="min-width:8rem" title="{}">'
            '<div class="h-1.5 rounded-default bg-base-100 dark:bg-base-800">'
            '<div class="h-1.5 rounded-default bg-primary-600" style="width:{}%"></div>'
            '</div><span class="text-xs">{} / {}</span></div>',
            f"{percent}%",
            percent,
            done,
            total,
        )

    # -- actions ---------------------------------------------------------------

    @admin.action(
        description=_("Send / schedule selected mailings"), permissions=["schedule"]
    )
    def schedule_selected(self, request, queryset) -> None:
        self.apply_service(request, queryset, mailing_schedule)

    @admin.action(description=_("Pause selected mailings"), permissions=["pause"])
    def pause_selected(self, request, queryset) -> None:
        self.apply_service(request, queryset, mailing_pause)

    @admin.action(description=_("Resume selected mailings"), permissions=["resume"])
    def resume_selected(self, request, queryset) -> None:
        self.apply_service(request, queryset, mailing_resume)

    @admin.action(description=_("Cancel selected mailings"), permissions=["cancel"])
    def cancel_selected(self, request, queryset) -> None:
        self.apply_service(request, queryset, mailing_cancel)

    @admin.action(
        description=_("Duplicate selected mailings"), permissions=["duplicate"]
    )
    def duplicate_selected(self, request, queryset) -> None:
        self.apply_service(request, queryset, mailing_duplicate)

    @action(
        description=_("Send / schedule"), url_path="schedule", permissions=["schedule"]
    )
    def schedule_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.confirm_service(request, object_id, mailing_schedule)

    @action(description=_("Pause"), url_path="pause", permissions=["pause"])
    def pause_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.confirm_service(request, object_id, mailing_pause)

    @action(description=_("Resume"), url_path="resume", permissions=["resume"])
    def resume_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.confirm_service(request, object_id, mailing_resume)

    @action(description=_("Cancel"), url_path="cancel", permissions=["cancel"])
    def cancel_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.confirm_service(request, object_id, mailing_cancel)

    @action(description=_("Duplicate"), url_path="duplicate", permissions=["duplicate"])
    def duplicate_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        mailing = get_object_or_404(Mailing, pk=object_id)
        if request.method != "POST":
            return self.confirm_page(request, mailing)
        copy = mailing_duplicate(mailing, by=request.user)
        messages.success(request, gettext("A new draft was made from the mailing."))
        return HttpResponseRedirect(
            reverse("admin:notifications_mailing_change", args=[copy.pk])
        )

    @action(
        description=_("Send a test to me"), url_path="send-test", permissions=["view"]
    )
    def send_test_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        mailing = get_object_or_404(Mailing, pk=object_id)
        initial = {"chat_id": request.user.telegram_chat_id}
        form = SendTestForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            chat_id = form.cleaned_data["chat_id"]
            if chat_id != request.user.telegram_chat_id:
                user_telegram_chat_set(request.user, chat_id=chat_id, by=request.user)
            try:
                mailing_send_test(mailing, by=request.user)
            except DomainError as error:
                messages.warning(request, str(error))
            else:
                messages.success(
                    request,
                    gettext("The test message is on its way to chat %(chat)s.")
                    % {"chat": chat_id},
                )
            return HttpResponseRedirect(
                reverse("admin:notifications_mailing_change", args=[object_id])
            )
        return TemplateResponse(
            request,
            "admin/notifications/mailing/send_test.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Send a test to me"),
                "object": mailing,
                "form": form,
                "opts": self.model._meta,
            },
        )
