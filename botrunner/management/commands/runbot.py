import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from botrunner.bot import bot_create, dispatcher_create


class Command(BaseCommand):
    help = "Run the participant Telegram bot (long polling)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check that TELEGRAM_BOT_TOKEN is set; exit 1 if not.",
        )

    def handle(self, *args, check: bool = False, **options) -> None:
        if not settings.TELEGRAM_BOT_TOKEN:
            raise CommandError("TELEGRAM_BOT_TOKEN is not set.")
        if check:
            return
        asyncio.run(self._poll())

    async def _poll(self) -> None:
        bot = bot_create()
        try:
            await dispatcher_create().start_polling(bot, handle_signals=True)
        finally:
            await bot.session.close()
