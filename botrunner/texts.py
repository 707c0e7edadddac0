"""Every text the bot says, in English and Russian (through gettext)."""

from django.utils.translation import gettext_lazy as _

START = _(
    "Hi! This is the Smena bot. Here you will register for a shift, get the daily "
    "task and send photo reports."
)
HELP = _(
    "Send a photo of the day's task when you have done it. Use the buttons to skip "
    "a task or check your balance."
)
