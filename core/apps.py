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
        # After every `migrate`: beat's table then holds the periodic tasks
        # declared in core/schedule.py.
        post_migrate.connect(
            _periodic_tasks_write, sender=self, dispatch_uid="core.schedule"
        )


def _periodic_tasks_write(sender: AppConfig, **kwargs) -> None:
    from core.schedule import periodic_tasks_sync

    # `migrate` passes the state it migrated to; `flush` passes none.
    try:
        kwargs.get("apps", apps).get_model("django_celery_beat", "PeriodicTask")
    except LookupError:
        return  # migrated to a point before django-celery-beat's tables
    periodic_tasks_sync()
