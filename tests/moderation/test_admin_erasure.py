"""The admin's "Erase participant" action: confirmation, Administrators only."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from core.models import Participant
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def participant():
    return ParticipantFactory(first_name="Masha", last_name="Petrova")


def erase_url(participant: Participant) -> str:
    return reverse("admin:core_participant_erase_detail", args=[participant.pk])


def change_url(participant: Participant) -> str:
    return reverse("admin:core_participant_change", args=[participant.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_erase_asks_for_confirmation_first(client, administrator, participant):
    client.force_login(administrator)

    response = client.get(erase_url(participant))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Are you sure?" in content
    assert "deleted for good" in content
    participant.refresh_from_db()
    assert not participant.is_erased


def test_erase_confirmed_erases_and_returns_to_the_participant(
    client, administrator, participant
):
    client.force_login(administrator)

    response = client.post(erase_url(participant))

    assert response.status_code == 302
    assert response["Location"] == change_url(participant)
    participant.refresh_from_db()
    assert participant.is_erased
    assert participant.first_name == ""
    assert messages_of(response) == ["1 object done."]


def test_erase_again_does_nothing_and_says_so(client, administrator, participant):
    client.force_login(administrator)
    client.post(erase_url(participant), follow=True)
    participant.refresh_from_db()
    erased_at = participant.erased_at

    response = client.post(erase_url(participant))

    [message] = messages_of(response)
    assert "was already erased" in message
    assert "nothing was done" in message
    participant.refresh_from_db()
    assert participant.erased_at == erased_at


def test_erase_again_says_so_in_russian(client, administrator, participant):
    client.force_login(administrator)
    client.post(erase_url(participant), follow=True)

    response = client.post(erase_url(participant), headers={"accept-language": "ru"})

    [message] = messages_of(response)
    assert "уже стёрт" in message


@pytest.mark.parametrize("role", ["coordinator", "moderator"])
def test_erase_is_for_administrators_only(client, request, role, participant):
    client.force_login(request.getfixturevalue(role))

    assert client.get(erase_url(participant)).status_code == 403
    assert client.post(erase_url(participant)).status_code == 403

    participant.refresh_from_db()
    assert not participant.is_erased


def test_erase_button_shows_to_administrators_only(
    client, administrator, coordinator, participant
):
    client.force_login(coordinator)
    assert (
        erase_url(participant)
        not in client.get(change_url(participant)).content.decode()
    )

    client.force_login(administrator)
    assert (
        erase_url(participant) in client.get(change_url(participant)).content.decode()
    )


def test_erased_participant_cannot_be_edited_back(client, administrator, participant):
    client.force_login(administrator)
    client.post(erase_url(participant))

    response = client.get(change_url(participant))

    assert response.status_code == 200
    assert 'name="first_name"' not in response.content.decode()
    assert f"Erased participant #{participant.pk}" in response.content.decode()
