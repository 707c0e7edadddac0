"""Admin for staff, participants and the task catalogue, plus the third-party apps
re-registered with Unfold's classes."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat import models as beat_models
from django_celery_results import admin as results_admin
from django_celery_results import models as results_models
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import RangeDateFilter
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from core.models import Participant, Task, User
from core.paginators import EstimatedCountPaginator

admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "roles",
        "is_active",
    ]
    list_filter = ["groups", "is_active", "is_superuser"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def roles(self, user: User) -> str:
        return ", ".join(group.name for group in user.groups.all())


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


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
    readonly_fields = [
        "telegram_id",
        "blocked_bot_at",
        "erased_at",
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


# django-celery-beat and django-celery-results, with Unfold's look.
for model in (
    beat_models.PeriodicTask,
    beat_models.IntervalSchedule,
    beat_models.CrontabSchedule,
    beat_models.SolarSchedule,
    beat_models.ClockedSchedule,
    results_models.TaskResult,
    results_models.GroupResult,
):
    admin.site.unregister(model)


class UnfoldTaskSelectWidget(UnfoldAdminSelectWidget, beat_admin.TaskSelectWidget):
    pass


class UnfoldPeriodicTaskForm(beat_admin.PeriodicTaskForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["task"].widget = UnfoldAdminTextInputWidget()
        self.fields["regtask"].widget = UnfoldTaskSelectWidget()


@admin.register(beat_models.PeriodicTask)
class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin, ModelAdmin):
    form = UnfoldPeriodicTaskForm


@admin.register(beat_models.IntervalSchedule)
class IntervalScheduleAdmin(ModelAdmin):
    pass


@admin.register(beat_models.CrontabSchedule)
class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin, ModelAdmin):
    pass


@admin.register(beat_models.SolarSchedule)
class SolarScheduleAdmin(ModelAdmin):
    pass


@admin.register(beat_models.ClockedSchedule)
class ClockedScheduleAdmin(beat_admin.ClockedScheduleAdmin, ModelAdmin):
    pass


@admin.register(results_models.TaskResult)
class TaskResultAdmin(results_admin.TaskResultAdmin, ModelAdmin):
    pass


@admin.register(results_models.GroupResult)
class GroupResultAdmin(results_admin.GroupResultAdmin, ModelAdmin):
    pass
