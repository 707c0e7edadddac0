"""Email digests: who gets the statistics, how often; and "send now"."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from unfold.decorators import action

from core.admin.audit import ServiceAuditedAdmin
from core.admin_actions import ServiceActionsMixin
from core.admin_wording import ModelAdmin
from moderation.insights.digests import (
    digest_send,
    digest_subscription_delete,
    digest_subscription_save,
)
from moderation.models import DigestSubscription


@admin.register(DigestSubscription)
class DigestSubscriptionAdmin(ServiceAuditedAdmin, ServiceActionsMixin, ModelAdmin):
    audited_deletes = True

    list_display = [
        "title",
        "shift",
        "frequency",
        "hour",
        "time_zone",
        "is_active",
        "last_sent_at",
    ]
    list_filter = ["frequency", "is_active"]
    list_select_related = ["shift"]
    filter_horizontal = ["recipients"]
    autocomplete_fields = ["shift"]
    readonly_fields = ["time_zone", "last_sent_at"]
    fields = [
        "title",
        "recipients",
        "shift",
        "frequency",
        "weekday",
        "hour",
        "time_zone",
        "is_active",
        "last_sent_at",
    ]
    actions = ["send_now_selected"]
    actions_detail = ["send_now_detail"]

    @admin.display(description=_("time zone"))
    def time_zone(self, subscription: DigestSubscription) -> str:
        return subscription.time_zone

    def save_model(self, request, obj, form, change) -> None:
        digest_subscription_save(obj, by=request.user)

    def delete_model(self, request, obj) -> None:
        digest_subscription_delete(obj, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for subscription in queryset:
            digest_subscription_delete(subscription, by=request.user)

    @admin.action(description=_("Send selected digests now"), permissions=["change"])
    def send_now_selected(self, request, queryset) -> None:
        self.apply_service(request, queryset, digest_send)

    @action(description=_("Send now"), url_path="send-now", permissions=["change"])
    def send_now_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.confirm_service(request, object_id, digest_send)
