import pytest
from django.core.cache import cache, caches
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy as _

from notifications import texts as notifications_texts
from notifications.models import MessageTemplate
from notifications.services import message_template_reset, message_template_save
from notifications.texts import (
    REGISTRY,
    VERSION_CACHE_KEY,
    message_render,
    text_render,
    texts_check,
    texts_register,
)
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered():
    texts_register(
        "test_greeting",
        _("Hello, {name}! Points: {points}."),
        variables=("name", "points"),
        description="A test text.",
    )
    yield "test_greeting"
    REGISTRY.pop("test_greeting")


def test_message_render_uses_the_participant_language():
    english = ParticipantFactory(language="en", first_name="Ann")
    russian = ParticipantFactory(language="ru", first_name="Аня")

    assert message_render("shift_finished", english, shift="S", points=3).startswith(
        "🏁 Ann, the shift “S” is over"
    )
    assert "Аня" in message_render("shift_finished", russian, shift="S", points=3)
    assert "is over" not in message_render(
        "shift_finished", russian, shift="S", points=3
    )


def test_message_render_prefers_staff_wording_in_that_language():
    english = ParticipantFactory(language="en", first_name="Ann")
    russian = ParticipantFactory(language="ru", first_name="Аня")
    MessageTemplate.objects.create(
        key="reminder", language="en", text="Psst, {name}: {task}!"
    )

    assert message_render("reminder", english, task="Dishes") == "Psst, Ann: Dishes!"
    assert "Psst" not in message_render("reminder", russian, task="Dishes")


def test_message_render_escapes_participant_data():
    participant = ParticipantFactory(language="en", first_name="<b>Bob</b>")

    text = message_render("application_declined", participant, shift="S", reason="a<b")

    assert "&lt;b&gt;Bob&lt;/b&gt;" in text
    assert "a&lt;b" in text


def test_texts_register_makes_a_text_renderable_and_editable(registered):
    assert REGISTRY[registered].variables == ("name", "points")
    assert (
        text_render(registered, "en", name="Ann", points=2) == "Hello, Ann! Points: 2."
    )

    template = message_template_save(
        MessageTemplate(key=registered, language="en", text="{name}: {points}"),
        by=None,
    )

    assert text_render(registered, "en", name="Ann", points=2) == "Ann: 2"
    message_template_reset(template, by=None)
    assert text_render(registered, "en", name="Ann", points=2).startswith("Hello")


@pytest.mark.parametrize(
    ("text", "field_error"),
    [
        ("Hi {name}, you are {age}", "Unknown variables: {age}"),
        ("Hi <div>{name}</div>", "does not support the tag <div>"),
        ("", "This field cannot be blank."),
    ],
)
def test_message_template_save_refuses_unusable_wording(text, field_error):
    with pytest.raises(ValidationError) as error:
        message_template_save(
            MessageTemplate(key="reminder", language="en", text=text), by=None
        )

    assert any(field_error in message for message in error.value.messages)
    assert not MessageTemplate.objects.exists()


def test_message_template_save_refuses_unknown_key():
    with pytest.raises(ValidationError, match="no text with this key"):
        message_template_save(
            MessageTemplate(key="nope", language="en", text="x"), by=None
        )


def test_every_registered_default_is_valid_in_both_languages():
    assert texts_check() == []


def test_staff_wordings_are_read_once_per_process_not_per_message():
    participant = ParticipantFactory(language="en", first_name="Ann")
    MessageTemplate.objects.create(key="reminder", language="en", text="{name}?")
    message_render("reminder", participant, task="Dishes")

    with CaptureQueriesContext(connection) as queries:
        texts = [message_render("reminder", participant, task="Dishes") for _ in "abc"]

    assert texts == ["Ann?"] * 3
    assert len(queries) == 0


def test_wording_saved_by_another_process_is_read_once_the_shared_version_changes(
    monkeypatch,
):
    monkeypatch.setattr(notifications_texts, "RECHECK_SECONDS", 0.0)
    participant = ParticipantFactory(language="en", first_name="Ann")
    assert message_render("reminder", participant, task="Dishes").startswith("⏰")
    # Another process saves a wording: bulk_create sends this process no signal.
    MessageTemplate.objects.bulk_create(
        [MessageTemplate(key="reminder", language="en", text="Psst, {name}!")]
    )

    unchanged = message_render("reminder", participant, task="Dishes")
    # ... and after its commit changes the version, through its own cache client.
    caches.create_connection("default").set(VERSION_CACHE_KEY, "another", None)
    changed = message_render("reminder", participant, task="Dishes")

    assert unchanged.startswith("⏰")
    assert changed == "Psst, Ann!"


def test_staff_wording_saved_here_changes_the_shared_version(
    django_capture_on_commit_callbacks,
):
    version = cache.get_or_set(VERSION_CACHE_KEY, "before", None)

    with django_capture_on_commit_callbacks(execute=True):
        message_template_save(
            MessageTemplate(key="reminder", language="en", text="{name}?"), by=None
        )

    assert cache.get(VERSION_CACHE_KEY) not in (None, version)
