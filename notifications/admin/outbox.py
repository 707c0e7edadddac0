"""The outbox: every outgoing message with its state; staff resolve in-doubt ones."""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from unfold.decorators import action, display

from core.admin_actions import ServiceActionsMixin
from core.admin_wording import ModelAdmin
from notifications.models import OutboxMessage
from notifications.services import message_confirm_delivered, message_requeue

OUTBOX_COLOURS = {
    "pending": "info",
    "sending": "warning",
    "sent": "success",
    "failed": "danger",
    "blocked": "danger",
    "expired": "",
    "cancelled": "",
    "in_doubt": "warning",
}
# The states that want staff attention, counted above the list.
ATTENTION = ("pending", "sending", "in_doubt", "failed")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ServiceActionsMixin, ModelAdmin):
    list_display = [
        "recipient",
        "kind",
        "show_status",
        "attempts",
        "mailing",
        "created_at",
        "sent_at",
        "short_error",
    ]
    list_filter = ["status", "kind", "mailing"]
    list_select_related = ["participant", "mailing"]
    search_fields = ["participant__last_name", "dedupe_key"]
    show_full_result_count = False
    list_before_template = "admin/notifications/outboxmessage/summary.html"
    actions = ["requeue_selected", "confirm_delivered_selected"]
    readonly_fields = [
        "participant",
        "chat_id",
        "mailing",
        "kind",
        "show_text",
        "photo",
        "buttons",
        "dedupe_key",
        "status",
        "priority",
        "attempts",
        "next_attempt_at",
        "expires_at",
        "claimed_at",
        "last_error",
        "telegram_message_id",
        "created_at",
        "sent_at",
    ]
    exclude = ["text"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # The outbox is written by services only; staff read it.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.change_outboxmessage")

    def changelist_view(self, request, extra_context=None):
        # One count per state: each is served by a partial index, however big
        # the outbox grows.
        counts = {
            status: OutboxMessage.objects.filter(status=status).count()
            for status in ATTENTION
        }
        url = reverse("admin:notifications_outboxmessage_changelist")
        extra_context = {
            **(extra_context or {}),
            "outbox_summary": [
                {
                    "label": OutboxMessage.Status(status).label,
                    "count": counts[status],
                    "href": f"{url}?status__exact={status}",
                    "alert": status in ("in_doubt", "failed") and counts[status],
                }
                for status in ATTENTION
            ],
        }
        return super().changelist_view(request, extra_context)

    @display(description=_("recipient"))
    def recipient(self, message: OutboxMessage) -> str:
        if message.participant is not None:
            return str(message.participant)
        return _("staff chat %(chat)s") % {"chat": message.chat_id}

    @display(description=_("status"), label=OUTBOX_COLOURS)
    def show_status(self, message: OutboxMessage) -> tuple[str, str]:
        return message.status, message.get_status_display()

    @display(description=_("last error"))
    def short_error(self, message: OutboxMessage) -> str:
        return Truncator(message.last_error).chars(60)

    @display(description=_("text"))
    def show_text(self, message: OutboxMessage) -> str:
        return format_html('<div style="white-space:pre-wrap">{}</div>', message.text)

    @action(
        description=_("Send again (not delivered: checked)"),
        permissions=["resolve"],
    )
    def requeue_selected(self, request, queryset) -> None:
        self.apply_service(request, queryset, message_requeue)

    @action(
        description=_("Mark in-doubt messages as delivered"),
        permissions=["resolve"],
    )
    def confirm_delivered_selected(self, request, queryset) -> None:
        self.apply_service(request, queryset, message_confirm_delivered)
