"""Members of shifts."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from core.models import Membership
from moderation.admin.exports import StreamingExportMixin
from moderation.admin.labels import STATUS_COLOURS
from moderation.resources import MembershipResource


@admin.register(Membership)
class MembershipAdmin(StreamingExportMixin, ModelAdmin):
    resource_classes = [MembershipResource]
    list_display = ["participant", "shift", "show_status", "points", "created_at"]
    list_filter = ["status", "shift"]
    list_select_related = ["participant", "shift"]
    search_fields = ["participant__last_name", "participant__first_name"]
    readonly_fields = ["participant", "shift", "status", "points", "excluded_at"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        # Members are made by approving applications.
        return False

    @display(description=_("status"), label=STATUS_COLOURS)
    def show_status(self, membership: Membership) -> tuple[str, str]:
        return membership.status, membership.get_status_display()
