import asyncio
import signal
from urllib.parse import urlsplit

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from botrunner.bot import bot_create, commands_publish, dispatcher_create
from botrunner.polling import poll

# http:// is accepted for these hosts only: a local Bot API server in front of
# the bot, or the tests' fake. Telegram itself posts to https:// only.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class Command(BaseCommand):
    help = (
        "Run the participant Telegram bot: long polling in this process, or with "
        "--webhook register TELEGRAM_WEBHOOK_URL and serve it with uvicorn workers."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check that TELEGRAM_BOT_TOKEN is set; exit 1 if not.",
        )
        parser.add_argument(
            "--webhook",
            action="store_true",
            help=(
                "Register the webhook (TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET) "
                "and serve it on TELEGRAM_WEBHOOK_BIND with "
                "TELEGRAM_WEBHOOK_WORKERS processes."
            ),
        )

    def handle(
        self, *args, check: bool = False, webhook: bool = False, **options
    ) -> None:
        if not settings.TELEGRAM_BOT_TOKEN:
            raise CommandError("TELEGRAM_BOT_TOKEN is not set.")
        if check:
            return
        if webhook:
            self._serve_webhook()
        else:
            asyncio.run(self._poll())

    def _serve_webhook(self) -> None:
        url = urlsplit(settings.TELEGRAM_WEBHOOK_URL)
        if url.scheme != "https" and url.hostname not in LOCAL_HOSTS:
            raise CommandError("TELEGRAM_WEBHOOK_URL must be an https:// URL.")
        if not settings.TELEGRAM_WEBHOOK_SECRET:
            raise CommandError("TELEGRAM_WEBHOOK_SECRET is not set.")
        workers = max(settings.TELEGRAM_WEBHOOK_WORKERS, 1)
        if workers > 1 and not settings.REDIS_URL:
            raise CommandError(
                "Several webhook workers share dialogs through Redis: set REDIS_URL "
                "or TELEGRAM_WEBHOOK_WORKERS=1."
            )
        host, _, port = settings.TELEGRAM_WEBHOOK_BIND.rpartition(":")
        asyncio.run(self._set_webhook())
        self.stdout.write(f"Webhook set to {settings.TELEGRAM_WEBHOOK_URL}")
        uvicorn.run(
            "botrunner.asgi:application",
            host=host or "127.0.0.1",
            port=int(port),
            workers=workers,
            lifespan="on",
            # Behind a TLS proxy: trust its X-Forwarded-* headers.
            proxy_headers=True,
            log_config=None,  # Django's LOGGING, with its secret redaction
            access_log=False,
        )

    async def _set_webhook(self) -> None:
        bot = bot_create()
        try:
            await bot.set_webhook(
                settings.TELEGRAM_WEBHOOK_URL,
                secret_token=settings.TELEGRAM_WEBHOOK_SECRET,
                max_connections=settings.TELEGRAM_WEBHOOK_MAX_CONNECTIONS,
                allowed_updates=dispatcher_create().resolve_used_update_types(),
            )
            await commands_publish(bot)
        finally:
            await bot.session.close()

    async def _poll(self) -> None:
        bot = bot_create()
        dispatcher = dispatcher_create()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            # Finish and confirm the batch in hand, then exit.
            loop.add_signal_handler(signum, stop.set)
        try:
            # Polling and a webhook exclude each other; pending updates are kept.
            await bot.delete_webhook(drop_pending_updates=False)
            await poll(dispatcher, bot, stop=stop)
        finally:
            await dispatcher.storage.close()
            await bot.session.close()
