"""What each staff role can and cannot open in the admin."""

import pytest
from django.conf import settings
from django.urls import reverse

from core import roles
from core.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = {
    "dashboard": "admin:index",
    "shifts": "admin:core_shift_changelist",
    "shift_add": "admin:core_shift_add",
    "applications": "admin:core_application_changelist",
    "members": "admin:core_membership_changelist",
    "participants": "admin:core_participant_changelist",
    "tasks": "admin:core_task_changelist",
    "reports": "admin:moderation_report_changelist",
    "outbox": "admin:notifications_outboxmessage_changelist",
    "mailings": "admin:notifications_mailing_changelist",
    "mailing_add": "admin:notifications_mailing_add",
    "message_texts": "admin:notifications_messagetemplate_changelist",
    "staff": "admin:core_user_changelist",
    "staff_add": "admin:core_user_add",
    "roles": "admin:core_role_changelist",
    "periodic_tasks": "admin:django_celery_beat_periodictask_changelist",
    "task_results": "admin:django_celery_results_taskresult_changelist",
    "audit": "admin:admin_logentry_changelist",
}
ALL = set(PAGES)
MATRIX = {
    roles.ADMINISTRATOR: ALL,
    roles.COORDINATOR: {
        "dashboard",
        "shifts",
        "shift_add",
        "applications",
        "members",
        "participants",
        "tasks",
        "reports",
        "outbox",
        "mailings",
        "mailing_add",
        "message_texts",
    },
    roles.MODERATOR: {"dashboard", "reports"},
}
CASES = [(role, page) for role in MATRIX for page in sorted(PAGES)]


@pytest.mark.parametrize(("role", "page"), CASES)
def test_role_opens_exactly_its_pages(client, role, page):
    client.force_login(UserFactory(username=role.lower(), role=role))

    response = client.get(reverse(PAGES[page]))

    allowed = page in MATRIX[role]
    assert (response.status_code == 200) is allowed, (role, page, response.status_code)
    if not allowed:
        assert response.status_code in (302, 403)


@pytest.mark.parametrize("role", list(MATRIX))
def test_role_sidebar_lists_only_its_pages(client, role):
    client.force_login(UserFactory(username=role.lower(), role=role))

    html = client.get(reverse("admin:index")).content.decode()

    for page, url_name in PAGES.items():
        if page in ("dashboard", "shift_add", "staff_add", "mailing_add"):
            continue
        shown = f'href="{reverse(url_name)}"' in html
        assert shown is (page in MATRIX[role]), (role, page)


def test_only_administrators_and_coordinators_may_export_personal_data():
    holders = {
        role
        for role in MATRIX
        if UserFactory(username=f"x-{role}", role=role).has_perm(
            "core.export_personal_data"
        )
    }

    assert holders == {roles.ADMINISTRATOR, roles.COORDINATOR}


def test_moderator_may_review_reports():
    user = UserFactory(username="m", role=roles.MODERATOR)

    assert user.has_perm("moderation.review_report")
    assert not user.has_perm("core.change_shift")


def test_every_role_permission_exists():
    from django.contrib.auth.models import Permission

    named = {name for wanted in roles.role_permissions().values() for name in wanted}
    existing = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list(
            "content_type__app_label", "codename"
        )
    }

    assert named - existing == set()


def test_coordinator_manages_digests():
    coordinator = UserFactory(username="coordinator", role=roles.COORDINATOR)

    assert coordinator.has_perm("moderation.change_digestsubscription")


def test_administrator_role_keeps_its_stored_name(client):
    client.force_login(UserFactory(username="admin", role=roles.ADMINISTRATOR))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    role = Role.objects.get(name=roles.COORDINATOR)
    url = reverse("admin:core_role_change", args=[role.pk])

    page = client.get(url).content.decode()
    client.post(
        url,
        {
            "name": "Координатор",
            "permissions": list(role.permissions.values_list("pk", flat=True)),
        },
    )

    assert "Координатор" in page
    assert 'name="name"' not in page
    role.refresh_from_db()
    assert role.name == roles.COORDINATOR


def group_permissions() -> dict[str, set[str]]:
    from django.contrib.auth.models import Group

    return {
        group.name: {
            f"{app_label}.{codename}"
            for app_label, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        for group in Group.objects.filter(name__in=roles.ROLES)
    }


def test_migrate_gives_each_role_exactly_its_declared_permissions():
    from django.contrib.auth.models import Permission

    every = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list(
            "content_type__app_label", "codename"
        )
    }
    declared = roles.role_permissions()

    assert group_permissions() == {
        roles.ADMINISTRATOR: every,
        roles.COORDINATOR: set(declared[roles.COORDINATOR]),
        roles.MODERATOR: set(declared[roles.MODERATOR]),
    }


def test_each_app_declares_the_permissions_of_its_own_models():
    from importlib import import_module

    for app_label in ("core", "moderation", "notifications"):
        declared = import_module(f"{app_label}.permissions").ROLE_PERMISSIONS

        assert {
            name.split(".")[0] for names in declared.values() for name in names
        } == {app_label}


def test_migrate_again_changes_no_role():
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    before = group_permissions()

    with CaptureQueriesContext(connection) as queries:
        call_command("migrate", verbosity=0)

    writes = [
        query["sql"]
        for query in queries
        if "auth_group" in query["sql"]
        and query["sql"].lstrip().upper().startswith(("INSERT", "DELETE", "UPDATE"))
    ]
    assert writes == []
    assert group_permissions() == before


def test_roles_sync_restores_a_changed_role():
    from django.contrib.auth.models import Group, Permission

    before = group_permissions()
    moderator = Group.objects.get(name=roles.MODERATOR)
    moderator.permissions.add(Permission.objects.get(codename="delete_shift"))
    moderator.permissions.remove(Permission.objects.get(codename="review_report"))

    roles.roles_sync()

    assert group_permissions() == before
