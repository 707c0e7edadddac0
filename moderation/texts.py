"""The texts moderation sends participants, editable by staff in the admin.

Services render them with `notifications.texts.message_render(key, participant,
...)`, which also gives `{name}`; every variable listed here must be given.
"""

from django.utils.translation import gettext_lazy as _

from notifications.texts import texts_register

texts_register(
    "application_approved",
    _(
        "🎉 {name}, you are in the shift “{shift}”! The first task comes on "
        "{first_task_at}."
    ),
    variables=("name", "shift", "first_task_at"),
    description=_("An application is approved."),
)
texts_register(
    "application_declined",
    _("{name}, your application to the shift “{shift}” was declined. Reason: {reason}"),
    variables=("name", "shift", "reason"),
    description=_("An application is declined, with the reason."),
)
texts_register(
    "application_cancelled",
    _("{name}, the shift “{shift}” was cancelled, so your application is closed."),
    variables=("name", "shift", "reason"),
    description=_("A pending application closes as the shift is cancelled."),
)
texts_register(
    "day_task",
    _("📅 Day {day}: {task}\n\n{description}\n\nSend a photo when it is done."),
    variables=("name", "day", "task", "description", "date", "shift"),
    description=_("The day's task, at the task hour."),
)
texts_register(
    "reminder",
    _("⏰ {name}, today's photo for “{task}” has not come yet. There is still time!"),
    variables=("name", "task", "day", "shift"),
    description=_("Reminder at the reminder hour while the photo is missing."),
)
texts_register(
    "report_approved",
    _("✅ {name}, your report for day {day} is approved! Points: {points}."),
    variables=("name", "day", "points", "task", "shift"),
    description=_("A photo report is approved."),
)
texts_register(
    "report_declined",
    _(
        "❌ {name}, your report for day {day} was declined: {reason}\n"
        "Attempts left: {attempts_left}."
    ),
    variables=("name", "day", "reason", "attempts_left", "task", "shift"),
    description=_("A photo report is declined, with the reason."),
)
texts_register(
    "member_excluded",
    _("{name}, tasks skipped: {skipped}, so you are no longer in the shift “{shift}”."),
    variables=("name", "skipped", "shift", "points"),
    description=_("A member is excluded for skipped tasks."),
)
texts_register(
    "shift_finished",
    _("🏁 {name}, the shift “{shift}” is over. Your points: {points}. Thank you!"),
    variables=("name", "shift", "points"),
    description=_("The shift is over (unless the shift has its own final message)."),
)
# Labels of the day's task keyboard; the bot answers their callback data
# ("skip", "balance").
texts_register("button_skip_task", _("Skip task"), variables=("name",))
texts_register("button_balance", _("My balance"), variables=("name",))
