"""Registration over HTTP: /start, the five questions, back, cancel, apply."""

import datetime as dt

import pytest

from botrunner import texts
from core.models import Application, Participant
from tests.factories import ShiftFactory

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = 5001


def say(api, text, chat=CHAT, **kwargs):
    api.message_update(chat, text, **kwargs)


def last_text(api, chat=CHAT, count=1):
    return [call.text for call in api.wait_sent(count, chat_id=chat)][-1]


def test_registration_creates_participant_and_applies(api, bot):
    shift = ShiftFactory()

    say(api, "/start")
    api.wait_sent(2, chat_id=CHAT)
    for n, answer in enumerate(["anna-maria", "Petrova", "17.05.2014", "Kazan"]):
        say(api, answer)
        api.wait_sent(3 + n, chat_id=CHAT)
    api.contact_update(CHAT, "+7 900 123-45-67")
    api.wait_sent(8, chat_id=CHAT)

    participant = Participant.objects.get(telegram_id=CHAT)
    assert participant.first_name == "Anna-Maria"
    assert participant.birth_date == dt.date(2014, 5, 17)
    assert participant.phone == "+79001234567"
    assert participant.language == "ru"
    assert Application.objects.get(participant=participant).shift == shift
    sent = [call.text for call in api.sent_to(CHAT)]
    assert sent[-1] == texts.render("application_sent", "ru", shift=shift.title)
