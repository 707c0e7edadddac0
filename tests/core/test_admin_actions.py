"""Object buttons and reason pages: one mixin (core.admin_actions) for every admin."""

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.urls import reverse

from core.admin_actions import ServiceActionsMixin
from core.models import Application, Shift
from tests.factories import ApplicationFactory, ShiftFactory

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def application():
    return ApplicationFactory()


def test_object_button_get_asks_to_confirm_and_changes_nothing(
    client, coordinator, application
):
    client.force_login(coordinator)
    url = reverse("admin:core_application_approve_detail", args=[application.pk])

    response = client.get(url)

    assert response.status_code == 200
    assert "Are you sure?" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_object_button_post_calls_the_service_as_the_staff_member(
    client, coordinator, application
):
    client.force_login(coordinator)
    url = reverse("admin:core_application_approve_detail", args=[application.pk])

    response = client.post(url)

    assert response.status_code == 302
    assert response.url == reverse(
        "admin:core_application_change", args=[application.pk]
    )
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert application.reviewed_by == coordinator
    assert messages_of(response) == ["1 object done."]


def test_object_button_refusal_is_a_warning(client, coordinator, application):
    client.force_login(coordinator)
    url = reverse("admin:core_application_approve_detail", args=[application.pk])
    client.post(url)

    response = client.post(url)

    warning = messages_of(response)[-1]
    assert warning.startswith("Refused: ")
    assert "is already Approved." in warning


def test_reason_page_asks_first_then_passes_the_reason(
    client, coordinator, application
):
    client.force_login(coordinator)
    url = reverse("admin:core_application_decline_detail", args=[application.pk])

    page = client.get(url)
    response = client.post(url, {"reason": "No consent form"})

    assert page.status_code == 200
    assert str(application.participant) in page.content.decode()
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED
    assert application.decline_reason == "No consent form"
    assert application.reviewed_by == coordinator


def test_reason_page_without_a_reason_declines_nothing(
    client, coordinator, application
):
    client.force_login(coordinator)
    url = reverse("admin:core_application_decline_detail", args=[application.pk])

    response = client.post(url, {"reason": ""})

    assert response.status_code == 200
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_shift_cancel_button_confirms_then_cancels(client, coordinator):
    shift = ShiftFactory()
    client.force_login(coordinator)
    url = reverse("admin:core_shift_cancel_detail", args=[shift.pk])

    page = client.get(url)
    shift.refresh_from_db()
    status_after_get = shift.status
    client.post(url)

    assert "Are you sure?" in page.content.decode()
    assert status_after_get == Shift.Status.PREPARING
    shift.refresh_from_db()
    assert shift.status == Shift.Status.CANCELLED


def test_every_admin_with_service_actions_uses_the_mixin():
    for model_admin in admin.site._registry.values():
        if model_admin.opts.app_label not in ("core", "moderation", "notifications"):
            continue
        actions = [
            *(getattr(model_admin, "actions", None) or []),
            *(getattr(model_admin, "actions_detail", None) or []),
        ]
        services = [name for name in actions if name not in ("delete_selected",)]
        if services:
            assert isinstance(model_admin, ServiceActionsMixin), model_admin
