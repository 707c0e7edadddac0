from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from notifications.models import OutboxMessage

OUTBOX_COLOURS = {
    "pending": "info",
    "sending": "warning",
    "sent": "success",
    "failed": "danger",
    "blocked": "danger",
    "expired": "",
    "cancelled": "",
}


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ModelAdmin):
    list_display = [
        "participant",
        "kind",
        "show_status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "kind"]
    list_select_related = ["participant"]
    search_fields = ["participant__last_name", "dedupe_key"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # The outbox is written by services only; staff read it.
        return False

    @display(description=_("status"), label=OUTBOX_COLOURS)
    def show_status(self, message: OutboxMessage) -> tuple[str, str]:
        return message.status, message.get_status_display()
