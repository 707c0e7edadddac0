import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from botrunner.bot import bot_create, commands_publish, dispatcher_create
from botrunner.polling import poll
from botrunner.shards import ShardOptions, shards_running


class Command(BaseCommand):
    help = (
        "Run the participant Telegram bot (long polling), or with --webhook "
        "register TELEGRAM_WEBHOOK_URL so that the web process receives updates."
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
                "with Telegram and exit; updates then go to the web process."
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
            if not settings.TELEGRAM_WEBHOOK_URL.startswith("https://"):
                raise CommandError("TELEGRAM_WEBHOOK_URL must be an https:// URL.")
            if not settings.TELEGRAM_WEBHOOK_SECRET:
                raise CommandError("TELEGRAM_WEBHOOK_SECRET is not set.")
            asyncio.run(self._set_webhook())
            self.stdout.write(f"Webhook set to {settings.TELEGRAM_WEBHOOK_URL}")
            return
        asyncio.run(self._poll())

    async def _set_webhook(self) -> None:
        bot = bot_create()
        try:
            await bot.set_webhook(
                settings.TELEGRAM_WEBHOOK_URL,
                secret_token=settings.TELEGRAM_WEBHOOK_SECRET,
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
            async with shards_running(self._processes(), ShardOptions()) as shards:
                # Polling and a webhook exclude each other; pending updates are kept.
                await bot.delete_webhook(drop_pending_updates=False)
                await poll(dispatcher, bot, stop=stop, shards=shards)
        finally:
            await dispatcher.storage.close()
            await bot.session.close()

    def _processes(self) -> int:
        # SQLite takes one writer at a time: more processes would only wait on it.
        if connection.vendor == "sqlite":
            return 1
        return max(settings.BOT_PROCESSES, 1)
