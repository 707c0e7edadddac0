"""Loaded once by the forkserver the bot's child processes are forked from.

Setting Django up and importing the bot takes seconds of CPU (Django's apps,
aiogram, Pillow, scipy); done here, every child starts with it already done.
Django opens no connection while setting up, so the children share none.
"""

import django

django.setup()

# imagehash imports scipy's DCT on the first phash (half a second), which would
# stall the first photo of a burst. Loaded here, in the bot's processes only: in
# moderation/images.py it also loaded into the Celery worker, whose sender then
# kept its pace less well (a 429 in bench.broadcast).
import scipy.fftpack  # noqa: E402, F401

import botrunner.bot  # noqa: E402
import botrunner.polling  # noqa: E402, F401
from botrunner.handlers import routers_create  # noqa: E402

# Building the routers inspects every handler's signature: about half a second of
# CPU, paid by each child at each start if it built its own. Built here once,
# each child gives its forked copy to its dispatcher.
ROUTERS = routers_create()
