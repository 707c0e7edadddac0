"""Participants and the task catalogue (`moderation.admin.data` adds their export
and import)."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import RangeDateFilter

from core.admin_wording import ModelAdmin
from core.models import Participant, Task
from core.paginators import EstimatedCountPaginator


@admin.register(Participant)
class ParticipantAdmin(ModelAdmin):
    list_display = [
        "__str__",
        "city",
        "birth_date",
        "telegram_username",
        "language",
        "is_test",
        "has_blocked_bot",
        "created_at",
    ]
    list_filter = ["language", "is_test", ("created_at", RangeDateFilter), "city"]
    list_filter_submit = True
    search_fields = ["last_name", "first_name", "phone", "telegram_username", "city"]
    readonly_fields = ["telegram_id", "blocked_bot_at", "created_at", "updated_at"]
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
        (_("Flags"), {"fields": ["is_test", "created_at", "updated_at"]}),
    ]

    @admin.display(boolean=True, description=_("blocked the bot"))
    def has_blocked_bot(self, participant: Participant) -> bool:
        return participant.has_blocked_bot


@admin.register(Task)
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
