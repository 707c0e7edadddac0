"""Staff roles: Django groups, each holding the permissions the apps declare for it.

Each app says what its models allow each role in its own `permissions.py`
(`ROLE_PERMISSIONS`: role name -> ["app_label.codename", ...]); this module
assembles the groups from what the installed apps declare, after every `migrate`
(`roles_sync`, a `post_migrate` receiver connected in `CoreConfig.ready`), so
every deployment has them and migrations hold no live code for them.
Administrators hold every permission.
"""

from importlib import import_module

from django.apps import AppConfig, apps
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_noop

# The groups' names, stored in English; `core.models.Role` shows them translated.
ADMINISTRATOR = gettext_noop("Administrator")
COORDINATOR = gettext_noop("Coordinator")
MODERATOR = gettext_noop("Moderator")
ROLES = (ADMINISTRATOR, COORDINATOR, MODERATOR)


def crud(app_label: str, model: str, *actions: str) -> list[str]:
    """The permissions "app_label.<action>_<model>" (all four when no action)."""
    actions = actions or ("view", "add", "change", "delete")
    return [f"{app_label}.{action}_{model}" for action in actions]


def role_permissions() -> dict[str, list[str]]:
    """Gather the permissions every installed app declares for each role
    (Administrators excepted: they hold all)."""
    declared: dict[str, list[str]] = {COORDINATOR: [], MODERATOR: []}
    for app_config in apps.get_app_configs():
        if not module_has_submodule(app_config.module, "permissions"):
            continue
        module = import_module(f"{app_config.name}.permissions")
        for role, names in getattr(module, "ROLE_PERMISSIONS", {}).items():
            declared[role] += names
    return declared


def roles_sync(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the role groups and give each exactly its permissions; a second
    run changes nothing."""
    from django.contrib.auth.models import Group, Permission

    permissions = Permission.objects.using(using)
    wanted = {ADMINISTRATOR: permissions.all()}
    for role, names in role_permissions().items():
        # A name whose permission does not exist (yet: a partial migrate) matches
        # no row; tests check that every declared one exists.
        wanted[role] = permissions.filter(
            Q.create(
                [
                    Q(content_type__app_label=app_label, codename=codename)
                    for app_label, codename in (name.split(".") for name in names)
                ],
                Q.OR,
            )
        )
    for role in ROLES:
        group, _created = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set(list(wanted[role]))


def roles_sync_after_migrate(sender: AppConfig, *, using: str, **kwargs) -> None:
    """`post_migrate` receiver: see `CoreConfig.ready` for when it runs."""
    roles_sync(using=using)
