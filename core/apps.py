from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Programme")

    def ready(self) -> None:
        from core import roles

        # `migrate` (and `flush`) send post_migrate once per app with models, in
        # INSTALLED_APPS order, and auth creates each app's permissions in its own
        # receiver: after the last app's, every permission exists.
        last = [config for config in apps.get_app_configs() if config.models_module]
        post_migrate.connect(
            roles.roles_sync_after_migrate, sender=last[-1], dispatch_uid="core.roles"
        )
