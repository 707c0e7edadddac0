"""Loaded once by the forkserver the bot's child processes are forked from.

Setting Django up and importing the bot takes seconds of CPU (Django's apps,
aiogram, Pillow, scipy); done here, every child starts with it already done.
Django opens no connection while setting up, so the children share none.
"""

import django

django.setup()

import botrunner.bot  # noqa: E402
import botrunner.polling  # noqa: E402, F401
