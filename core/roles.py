"""Staff roles: Django groups and the permissions each one holds.

Roles are applied by data migrations (`sync_roles`), so every deployment has them.
A permission is "app_label.codename"; "app_label.*" means all of that app's.
"""

from typing import Any

from django.utils.translation import gettext_noop

# The groups' names, stored in English; `core.models.Role` shows them translated.
ADMINISTRATOR = gettext_noop("Administrator")
COORDINATOR = gettext_noop("Coordinator")
MODERATOR = gettext_noop("Moderator")


def _crud(app_label: str, model: str, *actions: str) -> list[str]:
    actions = actions or ("view", "add", "change", "delete")
    return [f"{app_label}.{action}_{model}" for action in actions]


ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Administrators hold every permission, including staff accounts and beat.
    ADMINISTRATOR: ["*"],
    COORDINATOR: [
        *_crud("core", "shift"),
        *_crud("core", "shiftday", "view", "change"),
        *_crud("core", "application", "view", "change"),
        *_crud("core", "membership", "view", "change"),
        *_crud("core", "participant", "view", "add", "change"),
        *_crud("core", "phoneconflict", "view", "delete"),
        *_crud("core", "privacynotice", "view", "change"),
        "core.export_personal_data",
        *_crud("core", "task"),
        *_crud("moderation", "report", "view", "change"),
        "moderation.review_report",
        *_crud("notifications", "outboxmessage", "view", "change"),
        *_crud("notifications", "mailing"),
        *_crud("notifications", "messagetemplate"),
        *_crud("moderation", "digestsubscription"),
    ],
    MODERATOR: [
        *_crud("moderation", "report", "view", "change"),
        "moderation.review_report",
    ],
}


def sync_roles(apps: Any, schema_editor: Any = None) -> None:
    """Create the role groups and set exactly their permissions (a migration step)."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=role)
        if wanted == ["*"]:
            group.permissions.set(permission_model.objects.all())
            continue
        permissions = []
        for name in wanted:
            app_label, codename = name.split(".")
            permission = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            # An earlier migration runs before later models exist; the migration
            # that adds a model syncs the roles again.
            if permission is not None:
                permissions.append(permission)
        group.permissions.set(permissions)
