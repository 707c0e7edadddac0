from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BotConfig(AppConfig):
    name = "botrunner"
    verbose_name = _("Telegram bot")

    def ready(self) -> None:
        # Registers the bot's replies as editable texts, so the admin lists them.
        from botrunner import texts  # noqa: F401
        from botrunner.dialogs import dialog_forget
        from moderation.participants.erasure import erasure_hook_register

        # Erasing a participant (in moderation) also forgets their dialog here.
        erasure_hook_register(dialog_forget)
