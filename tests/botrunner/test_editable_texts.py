"""Staff wording of bot replies, edited in the admin, reaches participants."""

import pytest
from django.utils import translation

from botrunner import texts
from notifications.messages import REGISTRY
from notifications.models import MessageTemplate
from tests.botrunner.test_menu import CHAT, messages


def test_bot_replies_are_registered_as_editable_texts():
    assert "bot_help" in REGISTRY
    assert "bot_balance" not in REGISTRY  # plural wording stays in code
    assert "bot_button_skip" not in REGISTRY  # pressed buttons are matched by label


@pytest.mark.django_db
def test_render_prefers_staff_wording_and_fills_only_plain_variables():
    MessageTemplate.objects.create(
        key="bot_help", language="en", text="Ask {who} {name.__class__}"
    )
    texts.overrides_refresh()

    try:
        assert (
            texts.render("help", "en", who="<Anna>")
            == "Ask &lt;Anna&gt; {name.__class__}"
        )
        with translation.override("ru"):
            russian_default = str(texts.TEXTS["help"])
        assert texts.render("help", "ru") == russian_default
    finally:
        MessageTemplate.objects.all().delete()
        texts.overrides_refresh()


@pytest.mark.django_db(transaction=True)
def test_edited_reply_reaches_the_participant(api, bot):
    MessageTemplate.objects.create(key="bot_help", language="en", text="Custom help!")
    texts._overrides_loaded_at = float("-inf")  # as if the copy were old

    try:
        api.message_update(CHAT, "/help", user={"language_code": "en"})

        assert messages(api, 1)[-1].text == "Custom help!"
    finally:
        MessageTemplate.objects.all().delete()
        texts.overrides_refresh()
