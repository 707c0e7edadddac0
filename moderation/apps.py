from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        # Registers moderation's participant texts, so the admin lists them.
        from moderation import texts  # noqa: F401
