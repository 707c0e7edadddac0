"""The ASGI application of the bot's webhook mode, for uvicorn (`runbot --webhook`)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
django.setup()

from botrunner.webhook import webhook_app_create  # noqa: E402

application = webhook_app_create()
