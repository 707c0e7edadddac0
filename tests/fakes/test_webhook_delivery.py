"""Check the fake Bot API delivers updates to a webhook as Telegram does."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiogram.types import Message, WebhookInfo
from aiogram.webhook.aiohttp_server import SimpleRequestHandler

from .receiver import HANG, WebhookReceiver
from .telegram_api import FakeTelegramAPI
from .telegram_api.webhook import queue_key

SECRET = "s3cret_token-1"


@pytest.fixture
def api() -> Iterator[FakeTelegramAPI]:
    """Run a fake whose webhook gives up and retries quickly."""
    with FakeTelegramAPI() as fake:
        fake.webhook_timing(timeout=5, retry_delay=0.02, max_retry_delay=0.1)
        yield fake


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """Run a webhook receiver on a free port."""
    with WebhookReceiver() as server:
        yield server


def bot_call[T](api: FakeTelegramAPI, call: Callable[[Bot], Awaitable[T]]) -> T:
    """Make one Bot API call with a real aiogram Bot, as the bot's code would."""

    async def scenario() -> T:
        async with api.make_bot() as bot:
            return await call(bot)

    return asyncio.run(scenario())


def set_webhook(api: FakeTelegramAPI, url: str, **options: Any) -> None:
    """Point the fake's webhook at ``url``."""
    assert bot_call(api, lambda bot: bot.set_webhook(url, **options))


def webhook_info(api: FakeTelegramAPI) -> WebhookInfo:
    """Return getWebhookInfo as aiogram parses it."""
    return bot_call(api, lambda bot: bot.get_webhook_info())


def test_webhook_delivers_pending_and_new_updates_with_the_secret(
    api: FakeTelegramAPI, receiver: WebhookReceiver
) -> None:
    before = api.message_update(1, text="queued before")

    set_webhook(api, receiver.url, secret_token=SECRET)
    after = api.photo_update(2)
    deliveries = api.wait_delivered(timeout=5)

    assert [item.update for item in receiver.received] == [before, after]
    assert {item.secret for item in receiver.received} == {SECRET}
    assert {item.content_type for item in receiver.received} == {"application/json"}
    assert [(d.update_id, d.status) for d in deliveries] == [(1, 200), (2, 200)]
    assert api.pending_updates() == []
    assert api.all_confirmed()
    stats = api.stats()
    assert (stats.updates_confirmed, stats.webhook_delivered) == (2, 2)


def test_webhook_without_a_secret_sends_no_secret_header(
    api: FakeTelegramAPI, receiver: WebhookReceiver
) -> None:
    set_webhook(api, receiver.url)

    api.message_update(1)
    api.wait_delivered(timeout=5)

    assert [item.secret for item in receiver.received] == [None]


def test_webhook_keeps_each_chat_in_order_and_chats_in_parallel(
    api: FakeTelegramAPI, receiver: WebhookReceiver
) -> None:
    receiver.hold()
    set_webhook(api, receiver.url, max_connections=3)
    first_chat = [api.message_update(1, text=f"m{i}")["update_id"] for i in range(3)]
    for chat_id in range(2, 6):
        api.message_update(chat_id)

    assert receiver.wait_for(lambda: receiver.in_flight == 3, timeout=5)
    open_chats = [item.chat_id for item in receiver.received]
    receiver.release()
    api.wait_delivered(timeout=5)

    assert len(set(open_chats)) == 3
    assert receiver.max_in_flight == api.stats().webhook_max_in_flight == 3
    assert receiver.max_in_flight_per_chat == 1
    assert [i.update_id for i in receiver.received if i.chat_id == 1] == first_chat
    assert sorted(receiver.accepted_ids()) == list(range(1, 8))


def test_webhook_retries_after_500_in_order_and_once_after_2xx(
    api: FakeTelegramAPI, receiver: WebhookReceiver
) -> None:
    first, second = (api.message_update(1, text=t)["update_id"] for t in "ab")
    other = api.message_update(2)["update_id"]
    receiver.answer(first, 500, 502)

    set_webhook(api, receiver.url)
    deliveries = api.wait_delivered(timeout=5)

    chat = [(i.update_id, i.status) for i in receiver.received if i.chat_id == 1]
    assert chat == [(first, 500), (first, 502), (first, 200), (second, 200)]
    assert sorted(receiver.accepted_ids()) == [first, second, other]
    assert [d.attempt for d in deliveries if d.update_id == first] == [1, 2, 3]
    assert api.stats().webhook_failed == 2
    assert api.all_confirmed()


def test_webhook_info_reports_the_last_error(
    api: FakeTelegramAPI, receiver: WebhookReceiver
) -> None:
    update_id = api.message_update(1)["update_id"]
    receiver.answer(update_id, *[500] * 1000)
    started = int(time.time())

    set_webhook(api, receiver.url, max_connections=7, allowed_updates=["message"])
    assert api.wait_for(lambda: api.webhook_deliveries, timeout=5)
    info = webhook_info(api)

    assert info.url == receiver.url
    assert info.has_custom_certificate is False
    assert info.pending_update_count == 1
    assert info.max_connections == 7
    assert info.allowed_updates == ["message"]
    assert (
        info.last_error_message
        == "Wrong response from the webhook: 500 Internal Server Error"
    )
    assert info.last_error_date.timestamp() >= started


def test_webhook_retries_while_the_receiver_is_down(
    api: FakeTelegramAPI, receiver: WebhookReceiver
) -> None:
    receiver.stop()
    set_webhook(api, receiver.url)
    ids = [api.message_update(chat_id)["update_id"] for chat_id in (1, 1, 2)]

    assert api.wait_for(lambda: len(api.webhook_deliveries) >= 4, timeout=5)
    refused = {d.error for d in api.webhook_deliveries}
    receiver.start()
    api.wait_delivered(timeout=5)

    assert refused == {"Connection refused"}
    assert webhook_info(api).last_error_message == "Connection refused"
    assert sorted(receiver.accepted_ids()) == ids
    assert [i.update_id for i in receiver.received if i.chat_id == 1] == ids[:2]


def test_webhook_retries_after_a_timeout(
    api: FakeTelegramAPI, receiver: WebhookReceiver
) -> None:
    api.webhook_timing(timeout=0.3)
    first, second = (api.message_update(1)["update_id"] for _ in range(2))
    receiver.answer(first, HANG)

    set_webhook(api, receiver.url)
    deliveries = api.wait_delivered(timeout=5)

    assert [(i.update_id, i.status) for i in receiver.received] == [
        (first, None),
        (first, 200),
        (second, 200),
    ]
    assert deliveries[0].error == "Read timeout expired"


def test_get_updates_conflicts_while_a_webhook_is_set(
    api: FakeTelegramAPI, receiver: WebhookReceiver
) -> None:
    set_webhook(api, receiver.url)

    with pytest.raises(TelegramConflictError, match="webhook is active"):
        bot_call(api, lambda bot: bot.get_updates(timeout=0))


def test_delete_webhook_stops_delivery_and_keeps_pending_updates(
    api: FakeTelegramAPI, receiver: WebhookReceiver
) -> None:
    stuck = api.message_update(1)["update_id"]
    receiver.answer(stuck, *[500] * 1000)
    set_webhook(api, receiver.url)
    assert api.wait_for(lambda: api.webhook_deliveries, timeout=5)

    assert bot_call(api, lambda bot: bot.delete_webhook())
    later = api.message_update(2)["update_id"]
    polled = bot_call(api, lambda bot: bot.get_updates(timeout=0))
    attempts, arrived = len(api.webhook_deliveries), len(receiver.received)

    assert [update.update_id for update in polled] == [stuck, later]
    # Several retry delays pass without a delivery.
    assert not api.wait_for(lambda: len(api.webhook_deliveries) > attempts, timeout=0.5)
    assert len(receiver.received) == arrived
    assert later not in {item.update_id for item in receiver.received}


def test_delete_webhook_can_drop_pending_updates(
    api: FakeTelegramAPI, receiver: WebhookReceiver
) -> None:
    stuck = api.message_update(1)["update_id"]
    receiver.answer(stuck, *[500] * 1000)
    set_webhook(api, receiver.url)
    assert api.wait_for(lambda: api.webhook_deliveries, timeout=5)

    bot_call(api, lambda bot: bot.delete_webhook(drop_pending_updates=True))

    assert api.pending_updates() == []
    assert bot_call(api, lambda bot: bot.get_updates(timeout=0)) == []
    assert api.stats().updates_discarded == 1


def test_set_webhook_can_drop_pending_updates(
    api: FakeTelegramAPI, receiver: WebhookReceiver
) -> None:
    api.message_update(1)
    api.message_update(2)

    set_webhook(api, receiver.url, drop_pending_updates=True)
    kept = api.message_update(3)["update_id"]
    api.wait_delivered(timeout=5)

    assert [item.update_id for item in receiver.received] == [kept]
    assert api.stats().updates_discarded == 2


def test_webhook_filters_by_allowed_updates(
    api: FakeTelegramAPI, receiver: WebhookReceiver
) -> None:
    set_webhook(api, receiver.url, allowed_updates=["message"])

    api.callback_update(1, "pressed")
    message = api.message_update(1)["update_id"]
    api.wait_delivered(timeout=5)

    assert [item.update_id for item in receiver.received] == [message]
    assert api.stats().updates_filtered == 1
    assert not api.all_confirmed()


def test_webhook_answer_with_a_method_is_executed(
    api: FakeTelegramAPI, receiver: WebhookReceiver
) -> None:
    receiver.reply = lambda update: {
        "method": "sendMessage",
        "chat_id": update["message"]["chat"]["id"],
        "text": f"echo: {update['message']['text']}",
    }
    set_webhook(api, receiver.url)

    api.message_update(42, text="hi")

    [call] = api.wait_sent(1, timeout=5, chat_id=42)
    assert call.text == "echo: hi"


@pytest.mark.parametrize("method", ["getMe", "deleteWebhook"])
def test_webhook_answer_with_a_refused_method_is_ignored(
    api: FakeTelegramAPI, receiver: WebhookReceiver, method: str
) -> None:
    receiver.reply = lambda update: {"method": method}
    set_webhook(api, receiver.url)

    api.message_update(42)
    api.message_update(42)
    api.wait_delivered(timeout=5)

    assert [call.method for call in api.calls] == ["setWebhook"]


def test_aiogram_webhook_handler_answers_in_the_response(
    api: FakeTelegramAPI,
) -> None:
    """aiogram answers a returned method as a multipart form; the fake runs it."""
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> Any:
        return message.answer(f"echo: {message.text}")

    bot = api.make_bot()
    handler = SimpleRequestHandler(dispatcher, bot, secret_token=SECRET)
    with WebhookReceiver(handler=handler.handle) as receiver:
        set_webhook(api, receiver.url, secret_token=SECRET)
        api.message_update(42, text="one")
        api.message_update(43, text="two")

        api.wait_delivered(timeout=5)
        calls = api.wait_sent(2, timeout=5)
    asyncio.run(bot.session.close())

    assert sorted((call.chat_id, call.text) for call in calls) == [
        (42, "echo: one"),
        (43, "echo: two"),
    ]


def test_webhook_resumes_after_the_server_restarts(
    api: FakeTelegramAPI, receiver: WebhookReceiver
) -> None:
    set_webhook(api, receiver.url)
    api.stop()

    update_id = api.message_update(1)["update_id"]
    api.start()
    api.wait_delivered(timeout=5)

    assert receiver.accepted_ids() == [update_id]


def test_webhook_burst_delivers_everything_once_in_chat_order(
    api: FakeTelegramAPI, receiver: WebhookReceiver
) -> None:
    set_webhook(api, receiver.url, max_connections=10)
    pushed: dict[int, list[int]] = {}
    for index in range(300):
        chat_id = index % 30
        pushed.setdefault(chat_id, []).append(api.photo_update(chat_id)["update_id"])

    api.wait_delivered(timeout=30)

    assert sorted(receiver.accepted_ids()) == sorted(
        i for ids in pushed.values() for i in ids
    )
    for chat_id, ids in pushed.items():
        assert [i.update_id for i in receiver.received if i.chat_id == chat_id] == ids
    assert receiver.max_in_flight <= 10


@pytest.mark.parametrize(
    "url",
    [
        "http://bot.example.org/webhook",
        "https://bot.example.org:8080/webhook",
        "ftp://127.0.0.1/webhook",
    ],
)
def test_set_webhook_refuses_urls_telegram_refuses(
    api: FakeTelegramAPI, url: str
) -> None:
    with pytest.raises(TelegramBadRequest, match="bad webhook"):
        set_webhook(api, url)


def test_set_webhook_refuses_a_bad_secret_token(api: FakeTelegramAPI) -> None:
    with pytest.raises(TelegramBadRequest, match="secret token"):
        set_webhook(api, "https://bot.example.org/", secret_token="no spaces")


def test_queue_key_groups_messages_by_chat_and_queries_by_user(
    api: FakeTelegramAPI,
) -> None:
    message = api.message_update(5, push=False)
    edited = {"update_id": 99, "edited_message": message["message"]}
    callback = api.callback_update(5, "x", user={"id": 7}, push=False)

    assert queue_key(message) == queue_key(edited) == ("chat", 5)
    assert queue_key(callback) == ("callback_query", 7)
    assert queue_key({"update_id": 3, "custom": {}}) == ("update", 3)
