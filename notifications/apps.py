from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Messages")

    def ready(self) -> None:
        # Registers the outbox's readiness check with core's.
        # Connects the renewal of the staff wordings' copy and the texts' check.
        from notifications import (
            health,  # noqa: F401
            texts,  # noqa: F401
        )
