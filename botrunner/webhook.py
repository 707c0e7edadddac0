"""Webhook mode: Telegram posts each update to an ASGI app, served by uvicorn
with several worker processes (`runbot --webhook`).

A worker makes one Bot and one Dispatcher when it starts (ASGI lifespan) and
feeds every update posted to it through the same middlewares and handlers as
the poller. Dialog state is in Redis and one chat's updates are handled one at
a time across the workers (aiogram's event isolation). The answer is sent once
the update is handled: a 500 (the database unreachable, say) makes Telegram
deliver the update again later, and the services are idempotent on the update
id, so nothing is lost and nothing is stored twice.
"""

import hmac
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from django.conf import settings

from botrunner.bot import (
    bot_create,
    dispatcher_create,
    isolation_create,
    storage_create,
)
from botrunner.polling import update_parse
from core.heartbeats import BOT, aheartbeat_record

logger = logging.getLogger(__name__)

SECRET_HEADER = b"x-telegram-bot-api-secret-token"
# Telegram's updates are a few kilobytes; anything much larger is not one.
MAX_BODY_BYTES = 1024 * 1024

Scope = dict[str, Any]


class BodyTooLarge(Exception):
    """The request body passed MAX_BODY_BYTES."""


class WebhookApp:
    """The ASGI application receiving Telegram's updates on one path."""

    def __init__(self, path: str, secret: str) -> None:
        self.path = path
        self.secret = secret.encode()
        self.bot: Bot | None = None
        self.dispatcher: Dispatcher | None = None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            status = await self._answer(scope, receive)
            await _respond(send, status)

    async def startup(self) -> None:
        """Make this process's Bot and Dispatcher."""
        self.bot = bot_create()
        storage = storage_create()
        self.dispatcher = dispatcher_create(
            storage, isolation=isolation_create(storage)
        )

    async def shutdown(self) -> None:
        if self.dispatcher is not None:
            await self.dispatcher.fsm.events_isolation.close()
            await self.dispatcher.storage.close()
        if self.bot is not None:
            await self.bot.session.close()

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _answer(self, scope: Scope, receive: Any) -> int:
        """Handle one request; return the HTTP status to answer with."""
        if scope["path"] != self.path:
            return 404
        if scope["method"] != "POST":
            return 405
        given = dict(scope["headers"]).get(SECRET_HEADER, b"")
        if not self.secret or not hmac.compare_digest(given, self.secret):
            logger.warning("Webhook call with a wrong secret token refused")
            return 403
        try:
            payload = json.loads(await _body(receive))
        except BodyTooLarge:
            return 413
        except ValueError:
            return 400
        if self.bot is None or self.dispatcher is None:
            return 503  # started without its lifespan: nothing to handle with
        update = update_parse(payload, self.bot)
        if update is None:
            # Unreadable: answered 200, or Telegram would send it forever.
            return 200
        try:
            await self.dispatcher.feed_update(self.bot, update)
        except Exception:
            logger.exception(
                "Update %s failed; Telegram will send it again", update.update_id
            )
            return 500
        await aheartbeat_record(BOT)
        return 200


async def _body(receive: Any) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge()
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _respond(send: Any, status: int) -> None:
    body = b'{"ok":true}' if status == 200 else b""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                # Kept alive, the few connections of Telegram (or of the proxy)
                # would stay with whichever worker accepted them first, and the
                # others would idle through a burst; closed after each answer,
                # every update's connection goes to a worker free to take it.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def webhook_app_create() -> WebhookApp:
    """Return the app for the configured webhook URL and secret."""
    path = urlsplit(settings.TELEGRAM_WEBHOOK_URL).path or "/"
    return WebhookApp(path, settings.TELEGRAM_WEBHOOK_SECRET)
