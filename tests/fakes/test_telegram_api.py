"""Check the fake Bot API against a real aiogram client."""

import asyncio
import io
import threading
import time
from collections.abc import Iterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)

from .telegram_api import DEFAULT_TOKEN, FakeTelegramAPI, make_jpeg

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="OK", callback_data="ok")]]
)


@pytest.fixture
def api() -> Iterator[FakeTelegramAPI]:
    """Run a fresh fake server for one test."""
    with FakeTelegramAPI() as fake:
        yield fake


def make_bot(api: FakeTelegramAPI, token: str = DEFAULT_TOKEN) -> Bot:
    """Build a real aiogram Bot pointed at the fake, as production code would."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
    return Bot(token, session=session)


def test_get_me_returns_bot_identity(api: FakeTelegramAPI) -> None:
    """Check getMe describes the bot whose id is the token prefix."""

    async def scenario() -> None:
        async with make_bot(api) as bot:
            me = await bot.get_me()
        assert me.id == 123456
        assert me.is_bot
        assert me.username == "smena_test_bot"

    asyncio.run(scenario())


def test_send_message_is_recorded(api: FakeTelegramAPI) -> None:
    """Check sendMessage is recorded with decoded params and per-chat ids."""

    async def scenario() -> list[Message]:
        async with make_bot(api) as bot:
            return [
                await bot.send_message(
                    42, "<b>Hi</b>", parse_mode="HTML", reply_markup=KEYBOARD
                ),
                await bot.send_message(42, "again"),
                await bot.send_message(43, "other chat"),
            ]

    first, second, other = asyncio.run(scenario())
    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.text == "Hi"
    assert first.reply_markup.inline_keyboard[0][0].callback_data == "ok"
    call = api.sent_to(42)[0]
    assert call.method == "sendMessage"
    assert call.chat_id == 42
    assert call.text == "<b>Hi</b>"
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ok"
    assert [c.text for c in api.sent] == ["<b>Hi</b>", "again", "other chat"]
    assert call.at <= api.sent[-1].at


def test_send_photo_upload_is_recorded(api: FakeTelegramAPI) -> None:
    """Check a multipart sendPhoto upload is recorded and downloadable."""
    content = make_jpeg(7)

    async def scenario() -> tuple[Message, bytes]:
        async with make_bot(api) as bot:
            sent = await bot.send_photo(
                42, BufferedInputFile(content, "shift.jpg"), caption="Shift"
            )
            downloaded = await bot.download(sent.photo[-1].file_id)
        return sent, downloaded.getvalue()

    message, downloaded = asyncio.run(scenario())
    call = api.sent[0]
    assert call.method == "sendPhoto"
    assert call.files["photo"].content == content
    assert call.files["photo"].filename == "shift.jpg"
    assert message.caption == "Shift"
    assert (message.photo[-1].width, message.photo[-1].height) == (64, 64)
    assert downloaded == content


def test_send_photo_by_file_id_reuses_file(api: FakeTelegramAPI) -> None:
    """Check sendPhoto accepts known file ids and rejects unknown ones."""
    api.add_file("known-id", "known-unique", make_jpeg(1))

    async def scenario() -> Message:
        async with make_bot(api) as bot:
            with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
                await bot.send_photo(42, "missing-id")
            return await bot.send_photo(42, "known-id")

    assert asyncio.run(scenario()).photo[-1].file_unique_id == "known-unique"


def test_send_media_group_uploads_album(api: FakeTelegramAPI) -> None:
    """Check sendMediaGroup returns one message per item in one album."""
    photos = [make_jpeg(1), make_jpeg(2)]

    async def scenario() -> list[Message]:
        async with make_bot(api) as bot:
            media = [
                InputMediaPhoto(media=BufferedInputFile(data, f"{i}.jpg"))
                for i, data in enumerate(photos)
            ]
            return await bot.send_media_group(42, media)

    messages = asyncio.run(scenario())
    assert [m.message_id for m in messages] == [1, 2]
    assert messages[0].media_group_id == messages[1].media_group_id
    files = api.sent[0].files
    assert [files["media[0]"].content, files["media[1]"].content] == photos


def test_download_returns_pushed_photo_bytes(api: FakeTelegramAPI) -> None:
    """Check getFile plus download return the bytes behind pushed photos."""
    first = api.photo_update(42)["message"]["photo"][-1]
    second = api.photo_update(42)["message"]["photo"][-1]
    again = api.photo_update(42, file_unique_id=first["file_unique_id"])
    again_photo = again["message"]["photo"][-1]

    async def scenario() -> list[bytes]:
        async with make_bot(api) as bot:
            file = await bot.get_file(first["file_id"])
            assert file.file_path is not None
            assert file.file_size == first["file_size"]
            return [
                (await bot.download(item["file_id"])).getvalue()
                for item in (first, second, again_photo)
            ]

    first_bytes, second_bytes, again_bytes = asyncio.run(scenario())
    assert first_bytes[:2] == b"\xff\xd8"
    assert first_bytes == api.stored_file(first["file_id"]).content
    assert first_bytes != second_bytes
    assert again_bytes == first_bytes
    assert api.stats().downloads == 3


def test_get_updates_honours_offset(api: FakeTelegramAPI) -> None:
    """Check updates stay pending until an offset beyond them confirms them."""
    pushed = [api.message_update(42, text=f"m{i}") for i in range(3)]
    assert [u["update_id"] for u in pushed] == [1, 2, 3]

    async def scenario() -> None:
        async with make_bot(api) as bot:
            updates = await bot.get_updates(timeout=0)
            assert [u.message.text for u in updates] == ["m0", "m1", "m2"]
            assert len(await bot.get_updates(timeout=0)) == 3
            assert not api.all_confirmed()
            rest = await bot.get_updates(offset=updates[1].update_id, timeout=0)
            assert [u.update_id for u in rest] == [2, 3]
            assert await bot.get_updates(offset=4, timeout=0) == []

    asyncio.run(scenario())
    assert api.pending_updates() == []
    assert api.all_confirmed()
    assert api.stats().updates_confirmed == 3


def test_get_updates_long_poll_wakes_on_push(api: FakeTelegramAPI) -> None:
    """Check a waiting getUpdates returns as soon as another thread pushes."""
    timer = threading.Timer(
        0.2, api.message_update, args=(42,), kwargs={"text": "late"}
    )

    async def scenario() -> float:
        async with make_bot(api) as bot:
            started = time.monotonic()
            timer.start()
            updates = await bot.get_updates(timeout=5)
            assert [u.message.text for u in updates] == ["late"]
            return time.monotonic() - started

    try:
        assert 0.1 < asyncio.run(scenario()) < 2
    finally:
        timer.cancel()


def test_get_updates_times_out_empty(api: FakeTelegramAPI) -> None:
    """Check a long poll without updates returns [] after its timeout."""

    async def scenario() -> float:
        async with make_bot(api) as bot:
            started = time.monotonic()
            assert await bot.get_updates(timeout=1) == []
            return time.monotonic() - started

    assert 0.9 < asyncio.run(scenario()) < 2


def test_get_updates_filters_by_allowed_updates(api: FakeTelegramAPI) -> None:
    """Check update types missing from allowed_updates are dropped and reported."""
    api.message_update(42)
    api.callback_update(42, "ok")

    async def scenario() -> None:
        async with make_bot(api) as bot:
            updates = await bot.get_updates(allowed_updates=["message"], timeout=0)
            assert [u.event_type for u in updates] == ["message"]
            await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)

    asyncio.run(scenario())
    assert api.stats().updates_filtered == 1
    assert not api.all_confirmed()


def test_builders_parse_as_aiogram_updates(api: FakeTelegramAPI) -> None:
    """Check every update builder produces updates aiogram validates."""
    api.message_update(42, text="/start payload")
    api.photo_update(42, media_group_id="album", caption="look")
    api.document_update(42, "application/pdf", file_name="doc.pdf")
    api.contact_update(42, "+79990000000")
    api.sticker_update(42)
    api.voice_update(42, duration=3)
    api.callback_update(42, "pressed")
    api.message_update(-1001234, text="group", user={"id": 7, "first_name": "Ann"})

    async def scenario() -> None:
        async with make_bot(api) as bot:
            updates = await bot.get_updates(timeout=0)
        messages = [u.message for u in updates if u.message]
        assert [m.content_type for m in messages] == [
            "text",
            "photo",
            "document",
            "contact",
            "sticker",
            "voice",
            "text",
        ]
        assert messages[0].entities[0].type == "bot_command"
        assert messages[1].media_group_id == "album"
        assert messages[2].document.file_name == "doc.pdf"
        assert messages[3].contact.user_id == 42
        assert messages[5].voice.duration == 3
        assert (messages[6].chat.type, messages[6].from_user.id) == ("supergroup", 7)
        query = updates[6].callback_query
        assert (query.data, query.from_user.id) == ("pressed", 42)

    asyncio.run(scenario())


def test_callback_answer_and_edits(api: FakeTelegramAPI) -> None:
    """Check callback answers, edits and deletes behave like Telegram's."""

    async def scenario() -> None:
        async with make_bot(api) as bot:
            sent = await bot.send_message(42, "Pick", reply_markup=KEYBOARD)
            query_id = api.callback_update(42, "ok")["callback_query"]["id"]
            update = (await bot.get_updates(timeout=0))[0]
            assert update.callback_query.message.message_id == sent.message_id
            assert await bot.answer_callback_query(query_id, text="Done")
            with pytest.raises(TelegramBadRequest, match="query is too old"):
                await bot.answer_callback_query(query_id)
            edited = await bot.edit_message_text(
                "Picked", chat_id=42, message_id=sent.message_id
            )
            assert (edited.text, edited.reply_markup) == ("Picked", None)
            with pytest.raises(TelegramBadRequest, match="not modified"):
                await bot.edit_message_text(
                    "Picked", chat_id=42, message_id=sent.message_id
                )
            await bot.edit_message_reply_markup(
                chat_id=42, message_id=sent.message_id, reply_markup=KEYBOARD
            )
            assert await bot.delete_message(42, sent.message_id)
            with pytest.raises(TelegramBadRequest, match="message to delete not found"):
                await bot.delete_message(42, sent.message_id)

    asyncio.run(scenario())
    methods = [call.method for call in api.sent_to(42)]
    assert methods == [
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
        "editMessageReplyMarkup",
        "deleteMessage",
    ]


def test_set_my_commands_is_stored(api: FakeTelegramAPI) -> None:
    """Check setMyCommands and deleteWebhook succeed and are inspectable."""

    async def scenario() -> None:
        async with make_bot(api) as bot:
            assert await bot.delete_webhook(drop_pending_updates=True)
            assert await bot.set_my_commands(
                [BotCommand(command="start", description="Go")]
            )

    api.message_update(42)
    asyncio.run(scenario())
    assert api.commands[("default", "")] == [{"command": "start", "description": "Go"}]
    assert api.stats().updates_discarded == 1


def test_blocked_chat_raises_forbidden(api: FakeTelegramAPI) -> None:
    """Check sends to a chat that blocked the bot raise TelegramForbiddenError."""
    api.block_chat(42)

    async def scenario() -> None:
        async with make_bot(api) as bot:
            with pytest.raises(
                TelegramForbiddenError, match="bot was blocked by the user"
            ):
                await bot.send_message(42, "hi")
            await bot.send_message(43, "hi")

    asyncio.run(scenario())
    assert [call.chat_id for call in api.sent] == [43]
    assert api.stats().errors == {403: 1}


def test_fail_next_raises_server_error(api: FakeTelegramAPI) -> None:
    """Check fail_next makes the next call fail with a 5xx, then recovers."""
    api.fail_next(1, status=502)

    async def scenario() -> None:
        async with make_bot(api) as bot:
            with pytest.raises(TelegramServerError, match="Bad Gateway"):
                await bot.send_message(42, "first")
            await bot.send_message(42, "second")

    asyncio.run(scenario())
    assert [call.text for call in api.sent] == ["second"]


def test_fail_next_429_raises_retry_after(api: FakeTelegramAPI) -> None:
    """Check an injected 429 carries retry_after into TelegramRetryAfter."""
    api.fail_next(1, status=429, retry_after=3, method="sendMessage")

    async def scenario() -> None:
        async with make_bot(api) as bot:
            with pytest.raises(TelegramRetryAfter) as caught:
                await bot.send_message(42, "hi")
        assert caught.value.retry_after == 3

    asyncio.run(scenario())
    assert api.too_many_requests == 1


def test_rate_limit_rejects_per_chat_excess(api: FakeTelegramAPI) -> None:
    """Check sends beyond the per-chat limit get 429s that are counted."""
    api.rate_limit(global_per_sec=30, per_chat_per_sec=1)

    async def scenario() -> None:
        async with make_bot(api) as bot:
            await bot.send_message(42, "one")
            for _ in range(2):
                with pytest.raises(TelegramRetryAfter) as caught:
                    await bot.send_message(42, "too fast")
                assert caught.value.retry_after == 1
            await bot.send_message(43, "other chat")

    asyncio.run(scenario())
    stats = api.stats()
    assert api.too_many_requests == stats.too_many_requests == 2
    assert stats.max_per_chat_per_sec == 1
    assert stats.succeeded == {"sendMessage": 2}


def test_rate_limit_rejects_global_excess(api: FakeTelegramAPI) -> None:
    """Check the global limit applies across chats."""
    api.rate_limit(global_per_sec=2, per_chat_per_sec=None)

    async def scenario() -> None:
        async with make_bot(api) as bot:
            await bot.send_message(1, "a")
            await bot.send_message(2, "b")
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(3, "c")

    asyncio.run(scenario())
    assert api.stats().max_global_per_sec == 2
    assert api.too_many_requests == 1


def test_stats_measure_burst_without_limits(api: FakeTelegramAPI) -> None:
    """Check stats report the densest bursts even without limits."""

    async def scenario() -> None:
        async with make_bot(api) as bot:
            for text in ("a", "b", "c"):
                await bot.send_message(42, text)
            await bot.send_message(43, "d")

    asyncio.run(scenario())
    stats = api.stats()
    assert (stats.max_per_chat_per_sec, stats.max_global_per_sec) == (3, 4)
    assert stats.too_many_requests == 0


def test_delay_next_causes_client_timeout(api: FakeTelegramAPI) -> None:
    """Check a delayed call times out on the client yet is still delivered."""
    api.delay_next(1, 1.5)

    async def scenario() -> None:
        async with make_bot(api) as bot:
            with pytest.raises(TelegramNetworkError):
                await bot.send_message(42, "slow", request_timeout=1)

    asyncio.run(scenario())
    assert [call.text for call in api.wait_sent(1, timeout=3)] == ["slow"]


def test_unknown_method_returns_404(api: FakeTelegramAPI) -> None:
    """Check unknown methods get Telegram's 404 body and JSON bodies work."""

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            url = f"{api.base_url}/bot{api.token}"
            async with session.post(f"{url}/noSuchMethod", json={}) as response:
                assert response.status == 404
                assert await response.json() == {
                    "ok": False,
                    "error_code": 404,
                    "description": "Not Found: method not found",
                }
            body = {"chat_id": 42, "text": "json"}
            async with session.post(f"{url}/sendMessage", json=body) as response:
                assert (await response.json())["result"]["text"] == "json"

    asyncio.run(scenario())
    assert api.sent[0].params == {"chat_id": 42, "text": "json"}


def test_wrong_token_is_unauthorized(api: FakeTelegramAPI) -> None:
    """Check a bot with another token gets 401."""

    async def scenario() -> None:
        async with make_bot(api, token="999:OTHER") as bot:
            with pytest.raises(TelegramUnauthorizedError):
                await bot.get_me()

    asyncio.run(scenario())


def test_dispatcher_polling_round_trip(api: FakeTelegramAPI) -> None:
    """Check aiogram's polling loop receives, answers and confirms updates."""
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    async def scenario() -> None:
        bot = make_bot(api)
        polling = asyncio.create_task(
            dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1)
        )
        api.message_update(42, text="one")
        api.message_update(43, text="two")
        calls = await api.await_sent(2, timeout=3)
        assert await api.await_for(api.all_confirmed, timeout=3)
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, timeout=3)
        assert sorted(call.text for call in calls) == ["echo: one", "echo: two"]

    asyncio.run(scenario())


def test_async_context_manager_serves() -> None:
    """Check the fake also runs under ``async with`` and hands out bots."""

    async def scenario() -> None:
        async with FakeTelegramAPI() as fake, fake.make_bot() as bot:
            await bot.send_message(42, "async")
            calls = await fake.await_sent(1, timeout=1, chat_id=42)
            assert calls[0].text == "async"

    asyncio.run(scenario())


def test_waits_are_bounded(api: FakeTelegramAPI) -> None:
    """Check the waiting helpers give up after their timeout."""
    started = time.monotonic()
    assert not api.wait_for(lambda: False, timeout=0.2)
    with pytest.raises(TimeoutError, match="expected 1 sent call"):
        api.wait_sent(1, timeout=0.2)
    assert not asyncio.run(api.await_for(lambda: False, timeout=0.2))
    assert time.monotonic() - started < 2


def test_stop_releases_pending_long_poll() -> None:
    """Check stopping the server ends an open long poll promptly."""
    api = FakeTelegramAPI().start()

    async def scenario() -> None:
        async with make_bot(api) as bot:
            poll = asyncio.create_task(bot.get_updates(timeout=30))
            await asyncio.sleep(0.2)
            started = time.monotonic()
            await asyncio.to_thread(api.stop)
            assert await asyncio.wait_for(poll, timeout=3) == []
            assert time.monotonic() - started < 3

    asyncio.run(scenario())


def test_download_of_unknown_path_is_404(api: FakeTelegramAPI) -> None:
    """Check downloads of unknown paths fail like Telegram's file server."""

    async def scenario() -> int:
        async with aiohttp.ClientSession() as session:
            url = f"{api.base_url}/file/bot{api.token}/photos/missing.jpg"
            async with session.get(url) as response:
                return response.status

    assert asyncio.run(scenario()) == 404


def test_photo_bytes_are_real_jpegs() -> None:
    """Check make_jpeg is deterministic per seed and distinct across seeds."""
    assert make_jpeg(1) == make_jpeg(1)
    assert make_jpeg(1) != make_jpeg(2)
    assert io.BytesIO(make_jpeg(3)).read(2) == b"\xff\xd8"


def test_delay_next_without_delivery_drops_the_call(api: FakeTelegramAPI) -> None:
    """Check a held call with deliver=False times out and never takes effect."""
    api.delay_next(1, 1.5, deliver=False)

    async def scenario() -> None:
        async with make_bot(api) as bot:
            with pytest.raises(TelegramNetworkError):
                await bot.send_message(42, "lost", request_timeout=1)

    asyncio.run(scenario())
    assert api.wait_for(lambda: api.calls, timeout=3)
    assert [call.status for call in api.calls] == [504]
    assert api.sent == []


def test_storm_scripts_faults_per_chat_and_records_sends_in_pause(
    api: FakeTelegramAPI,
) -> None:
    """Check a storm's faults follow each chat's seeded script, and sends during
    a 429's retry_after are refused and recorded."""
    api.storm(seed=7, share=1.0, max_faults=1, retry_after=10, hang_seconds=0.5)

    async def send(bot: Bot, chat_id: int) -> str:
        try:
            await bot.send_message(chat_id, "hi", request_timeout=0.3)
        except TelegramRetryAfter:
            return "429"
        except TelegramServerError:
            return "5xx"
        except TelegramNetworkError:
            return "hang"
        return "ok"

    async def scenario() -> list[str]:
        async with make_bot(api) as bot:
            return [await send(bot, chat_id) for chat_id in range(1, 30)]

    outcomes = asyncio.run(scenario())
    first_429 = outcomes.index("429")
    # Every chat's one fault came first (share=1.0), except during the pause.
    assert set(outcomes[:first_429]) <= {"5xx", "hang"}
    assert outcomes[first_429 + 1] == "429"
    assert api.storm_pauses == 1
    assert [(chat, pause) for chat, pause, _after in api.sent_in_pause] == [
        (chat, 1) for chat in range(first_429 + 2, 30)
    ]
    assert api.sent == []
