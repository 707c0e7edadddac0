"""Webhook mode: Telegram posts updates to the web process instead of being polled."""

import hmac
import json
import logging
from typing import Any

from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from asgiref.sync import async_to_sync
from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    JsonResponse,
)
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from botrunner.bot import bot_create, dispatcher_create, storage_create
from botrunner.polling import update_parse
from core.heartbeats import BOT, heartbeat_record

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Without Redis the dialogs of one web process live here; run several web
# processes in webhook mode only with REDIS_URL set.
_memory_storage = MemoryStorage()


async def webhook_handle(payload: Any) -> None:
    """Handle one update posted by Telegram.

    Unlike the poller, failures outside the handlers (database or Redis down)
    propagate: the 500 makes Telegram deliver the update again later.
    """
    storage: BaseStorage = storage_create() if settings.REDIS_URL else _memory_storage
    # A Bot (its HTTP session) and a Redis client belong to one event loop, and
    # each request runs on its own loop under WSGI: both are made per request.
    bot = bot_create()
    try:
        update = update_parse(payload, bot)
        if update is not None:
            await dispatcher_create(storage=storage).feed_update(bot, update)
    finally:
        await bot.session.close()
        if storage is not _memory_storage:
            await storage.close()


@csrf_exempt
@require_POST
def telegram_webhook(request: HttpRequest) -> HttpResponse:
    """Receive an update; only Telegram knows the secret token it sends along."""
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    if not secret or not settings.TELEGRAM_BOT_TOKEN:
        raise Http404
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        logger.warning("Webhook call with a wrong secret token refused")
        return HttpResponseForbidden()
    try:
        payload = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest()
    async_to_sync(webhook_handle)(payload)
    heartbeat_record(BOT)
    return JsonResponse({"ok": True})
