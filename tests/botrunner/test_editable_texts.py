"""Staff wording of bot replies, edited in the admin, reaches participants."""

import pytest
from django.utils import translation

from botrunner import texts
from notifications.models import MessageTemplate
from notifications.texts import editable_texts, staff_wordings_refresh
from tests.botrunner.test_menu import CHAT, messages


def test_bot_replies_are_registered_as_editable_texts():
    editable = editable_texts()

    assert "bot_help" in editable
    assert "bot_balance" not in editable  # plural wording stays in code
    assert "bot_button_skip" not in editable  # pressed buttons are matched by label


@pytest.mark.django_db
def test_render_prefers_staff_wording_and_fills_only_plain_variables():
    MessageTemplate.objects.create(
        key="bot_help", language="en", text="Ask {who} {name.__class__}"
    )
    staff_wordings_refresh()

    assert (
        texts.render("help", "en", who="<Anna>") == "Ask &lt;Anna&gt; {name.__class__}"
    )
    with translation.override("ru"):
        russian_default = str(texts.TEXTS["help"])
    assert texts.render("help", "ru") == russian_default


@pytest.mark.django_db(transaction=True)
def test_edited_reply_reaches_the_participant(api, bot):
    api.message_update(CHAT, "/help", user={"language_code": "en"})
    messages(api, 1)  # the bot has read the staff wordings: there were none
    MessageTemplate.objects.create(key="bot_help", language="en", text="Custom help!")

    api.message_update(CHAT, "/help", user={"language_code": "en"})

    assert messages(api, 2)[-1].text == "Custom help!"
