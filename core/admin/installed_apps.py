"""django-celery-beat, django-celery-results and django-axes, re-registered with
Unfold's look and the project's wording (see core.admin_wording)."""

import calendar

from axes import admin as axes_admin
from axes import models as axes_models
from cron_descriptor import (
    ExpressionDescriptor,
    FormatException,
    MissingFieldException,
    Options,
    WrongArgumentException,
)
from django.contrib import admin
from django.utils import translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat import models as beat_models
from django_celery_results import admin as results_admin
from django_celery_results import models as results_models
from unfold.admin import TabularInline
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from core.admin_wording import ModelAdmin, accusative_of

# cron-descriptor's catalogues by language; English for any other.
CRON_LOCALES = {"ru": "ru_RU"}


def crontab_description(crontab: beat_models.CrontabSchedule) -> str:
    """The schedule in words ("At 09:00 Europe/Moscow") in the reader's language.

    django-celery-beat's `human_readable` says it with cron-descriptor in the
    server process's locale (`locale.getlocale()`), English on most servers.
    """
    options = Options()
    options.locale_code = CRON_LOCALES.get(translation.get_language(), "en_US")
    options.use_24hour_time_format = True
    expression = " ".join(
        beat_models.cronexp(getattr(crontab, part))
        for part in ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
    )
    try:
        words = ExpressionDescriptor(expression, options).get_description()
    except (FormatException, MissingFieldException, WrongArgumentException):
        words = expression
    if options.locale_code != "en_US":
        # cron-descriptor names days as the process locale does ("Friday"); they
        # follow "on" ("только в пятницу"): the accusative of Django's names.
        for number, name in enumerate(calendar.day_name):
            words = words.replace(name, accusative_of(WEEKDAYS[number]).lower())
    return f"{words} {crontab.timezone}"


for model in (
    axes_models.AccessAttempt,
    axes_models.AccessLog,
    axes_models.AccessFailureLog,
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


class TaskPathFilter(admin.AllValuesFieldListFilter):
    """The filter by task, titled in the reader's language (see PeriodicTaskInline)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("Task Name")


@admin.register(beat_models.PeriodicTask)
class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin, ModelAdmin):
    form = UnfoldPeriodicTaskForm
    list_filter = [
        ("task", TaskPathFilter) if name == "task" else name
        for name in beat_admin.PeriodicTaskAdmin.list_filter
    ]
    # django-celery-beat's template only hides the schedule in words and writes
    # it again, by script, after "Translation:" in English.
    change_form_template = None

    # Shadows the model's property of that name: a column labelled from its name.
    @admin.display(description=_("schedule"))
    def scheduler(self, task: beat_models.PeriodicTask) -> str:
        if task.crontab:
            return crontab_description(task.crontab)
        return str(task.scheduler or "—")

    @admin.display(description=_("schedule in words"))
    def crontab_translation(self, task: beat_models.PeriodicTask) -> str:
        return crontab_description(task.crontab) if task.crontab else "—"


@admin.register(beat_models.IntervalSchedule)
class IntervalScheduleAdmin(ModelAdmin):
    pass


class PeriodicTaskInline(beat_admin.PeriodicTaskInline, TabularInline):
    """The tasks run on a schedule. django-celery-beat labels the task's dotted
    path "Task Name" without translation; this column says it in Russian too."""

    fields = ("name", "task_path", "args", "kwargs")
    readonly_fields = fields

    @admin.display(description=_("Task Name"))
    def task_path(self, task: beat_models.PeriodicTask) -> str:
        return task.task


@admin.register(beat_models.CrontabSchedule)
class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin, ModelAdmin):
    inlines = [PeriodicTaskInline]
    list_display = ["__str__", "in_words"]
    fields = ["in_words", *beat_admin.CrontabScheduleAdmin.fields[1:]]
    readonly_fields = ["in_words"]

    @admin.display(description=_("schedule in words"))
    def in_words(self, crontab: beat_models.CrontabSchedule) -> str:
        return crontab_description(crontab)


@admin.register(beat_models.SolarSchedule)
class SolarScheduleAdmin(ModelAdmin):
    pass


@admin.register(beat_models.ClockedSchedule)
class ClockedScheduleAdmin(beat_admin.ClockedScheduleAdmin, ModelAdmin):
    inlines = [PeriodicTaskInline]


@admin.register(results_models.TaskResult)
class TaskResultAdmin(results_admin.TaskResultAdmin, ModelAdmin):
    pass


@admin.register(results_models.GroupResult)
class GroupResultAdmin(results_admin.GroupResultAdmin, ModelAdmin):
    pass


@admin.register(axes_models.AccessAttempt)
class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin, ModelAdmin):
    pass


@admin.register(axes_models.AccessLog)
class AccessLogAdmin(axes_admin.AccessLogAdmin, ModelAdmin):
    pass


@admin.register(axes_models.AccessFailureLog)
class AccessFailureLogAdmin(axes_admin.AccessFailureLogAdmin, ModelAdmin):
    pass
