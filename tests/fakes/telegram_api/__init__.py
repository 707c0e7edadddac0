"""Fake Telegram Bot API server for tests and benchmarks.

A real ``aiogram.Bot`` talks to it over HTTP on 127.0.0.1, so polling, sending,
uploads, downloads and error handling run through aiogram's real client code
without ever contacting api.telegram.org.

Design: the server always runs in its own daemon thread with its own event loop.
That one design serves both kinds of tests: sync tests are not blocked by it, and
async tests cannot deadlock it (e.g. a handler making a blocking call on the
test's loop). All shared state sits behind one lock, so every helper below is
callable from any thread.

Sync tests (pytest functions without pytest-asyncio)::

    def test_reply() -> None:
        with FakeTelegramAPI() as api:  # or api.start() ... api.stop()
            api.message_update(42, text="/start")
            asyncio.run(poll_once(api.make_bot()))  # the code under test
            [call] = api.wait_sent(1, timeout=2, chat_id=42)
            assert call.text == "Hello"

Async code (e.g. a benchmark driven by ``asyncio.run``)::

    async with FakeTelegramAPI() as api:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
        async with Bot(api.token, session=session) as bot:  # or api.make_bot()
            await bot.send_message(42, "hi")
        calls = await api.await_sent(1, timeout=2)

Webhook mode (a receiver such as ``tests/fakes/receiver.py`` on 127.0.0.1)::

    api.webhook_timing(timeout=2, retry_delay=0.05)  # Telegram: 60 s, ~1 s
    await bot.set_webhook(receiver_url, secret_token="s3cret", max_connections=40)
    api.photo_update(42)  # POSTed to the receiver, retried until it answers 2xx
    deliveries = api.wait_delivered(timeout=5)  # or await api.await_delivered()

Layout: ``server.py`` runs the HTTP server and enforces faults, ``state.py``
implements the Bot API methods, ``feeding.py`` builds and queues updates,
``webhook.py`` posts them to a webhook, ``api.py`` adds inspection, waiting,
fault set-up and stats; ``builders.py``, ``files.py`` and ``wire.py`` hold
object builders, file storage and request/answer decoding.

Semantics worth knowing:

* ``api.calls`` lists every request (getUpdates and failures included);
  ``api.sent`` only successful sends, edits, deletions and callback answers.
* ``fail_next``/``delay_next`` skip getUpdates unless ``method="getUpdates"``
  is given, because a polling bot would otherwise absorb them. A delayed call
  still takes effect after its delay, as when a client times out on a slow
  Telegram that delivers the message anyway; ``deliver=False`` drops it.
* ``storm(seed=...)`` fails message sends with 429s, 5xx and dropped hangs,
  scripted per chat from the seed; ``sent_in_pause`` lists sends that came
  before a storm 429's ``retry_after`` ran out.
* Rate limits and the per-second stats count message-posting calls
  (sendMessage, sendPhoto, sendDocument, sendMediaGroup), one per call.
* As in Telegram, an update stays pending until a later getUpdates passes an
  offset beyond it, and aiogram confirms a batch only with its next poll. So
  check ``api.wait_for(api.all_confirmed)`` while the bot is still polling.
  Updates of types left out of ``allowed_updates`` are dropped, counted in
  ``stats().updates_filtered`` and make ``all_confirmed()`` false.
* A newer getUpdates ends an older pending one with 409, as Telegram does.
* ``wait_for``/``wait_sent`` block the calling thread; on an event loop that
  also runs the bot, use ``await_for``/``await_sent`` instead.
* With a webhook set, every pending and newly pushed update is POSTed to it
  as Telegram does (see ``webhook.py``): one update at a time per chat (a
  user's callback queries in a queue of their own), chats in parallel over at
  most ``max_connections`` requests; a non-2xx answer, a refused connection or
  a timeout keeps the update pending and retries it after a doubling delay,
  and is shown by getWebhookInfo. A 2xx confirms it (``pending_updates()``,
  ``all_confirmed()`` work as with polling) and may carry a method call
  (JSON or aiogram's multipart form), which is run and recorded like a call.
  ``webhook_deliveries`` lists every POST. getUpdates answers 409 meanwhile.
  setWebhook/deleteWebhook abandon a request in flight (its update stays
  pending); plain http is accepted for loopback hosts, as a local server does.
* Message ids count per chat, shared by pushed user messages and bot replies.
  State (files, messages, recorded calls) survives ``stop()``/``start()``.
"""

from .api import FakeTelegramAPI, Stats
from .builders import make_jpeg
from .files import StoredFile, Upload
from .server import DEFAULT_TOKEN, ApiCall
from .webhook import Delivery

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "Delivery",
    "FakeTelegramAPI",
    "Stats",
    "StoredFile",
    "Upload",
    "make_jpeg",
]
