"""The outbox and message-text admin, and the in-doubt count on the dashboard."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from core import roles
from notifications.models import MessageTemplate, OutboxMessage
from notifications.services import message_enqueue
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

Outbox = OutboxMessage.Status


@pytest.fixture
def staff(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def participant():
    return MembershipFactory().participant


def test_outbox_shows_and_resolves_in_doubt_messages(staff, participant):
    messages = [
        message_enqueue(participant, kind="shift", text="x", dedupe_key=key)
        for key in ("a", "b")
    ]
    OutboxMessage.objects.update(status=Outbox.IN_DOUBT)
    url = reverse("admin:notifications_outboxmessage_changelist")

    html = staff.get(url).content.decode()
    staff.post(
        url,
        {"action": "requeue_selected", ACTION_CHECKBOX_NAME: [messages[0].pk]},
    )
    staff.post(
        url,
        {
            "action": "confirm_delivered_selected",
            ACTION_CHECKBOX_NAME: [messages[1].pk],
        },
    )

    assert "may or may not have arrived" in html
    statuses = dict(OutboxMessage.objects.values_list("dedupe_key", "status"))
    assert statuses == {"a": Outbox.PENDING, "b": Outbox.SENT}


def test_moderator_cannot_resolve_outbox_messages(client):
    client.force_login(UserFactory(username="mod", role=roles.MODERATOR))

    response = client.get(reverse("admin:notifications_outboxmessage_changelist"))

    assert response.status_code == 403


def test_message_text_add_is_prefilled_with_the_default(staff):
    response = staff.get(
        reverse("admin:notifications_messagetemplate_add") + "?key=reminder&language=en"
    )

    form = response.context["adminform"].form
    assert form.initial["text"].startswith("⏰ {name}")


def test_message_text_save_checks_variables(staff):
    url = reverse("admin:notifications_messagetemplate_add")

    refused = staff.post(url, {"key": "reminder", "language": "en", "text": "{age}"})
    saved = staff.post(url, {"key": "reminder", "language": "en", "text": "{name}!"})

    assert "Unknown variables: {age}" in refused.content.decode()
    assert saved.status_code == 302
    template = MessageTemplate.objects.get()
    assert (template.text, template.updated_by.username) == ("{name}!", "coordinator")


def test_all_message_texts_lists_every_key_and_language(staff):
    MessageTemplate.objects.create(
        key="reminder", language="ru", text="Psst (ru), {name}!"
    )

    response = staff.get(reverse("admin:notifications_messagetemplate_all"))

    html = response.content.decode()
    assert html.count("<code>reminder</code>") == 2
    assert "Psst (ru), {name}!" in html
    assert "?key=day_task&amp;language=en" in html


def test_dashboard_reports_messages_in_doubt(staff, participant):
    message_enqueue(participant, kind="shift", text="x", dedupe_key="a")
    OutboxMessage.objects.update(status=Outbox.IN_DOUBT)

    response = staff.get(reverse("admin:index"))

    notes = [card["note"] for card in response.context["kpi_cards"]]
    assert "Failed: 0 · in doubt: 1" in notes
