from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BotConfig(AppConfig):
    name = "botrunner"
    verbose_name = _("Telegram bot")

    def ready(self) -> None:
        # Registers the bot's replies as editable texts, so the admin lists them.
        from botrunner import texts  # noqa: F401
