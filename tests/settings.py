"""Test settings: the real settings with eager Celery, fast hashing and temp files.

DATABASE_URL and REDIS_URL from the environment are honoured, so CI runs the suite
against real PostgreSQL and Redis; without them it falls back to SQLite and locmem.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key")

from core.settings import *  # noqa: F403
from core.settings import DATABASES, STORAGES

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
SECURE_SSL_REDIRECT = False
# Static files come from the finders; tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
TELEGRAM_BOT_TOKEN = "123456:TEST"
TELEGRAM_API_BASE = "http://127.0.0.1:9"  # nothing listens there; tests start fakes

PRIVATE_MEDIA_ROOT = tempfile.mkdtemp(prefix="smena-tests-")

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, as in the demo, not Django's default shared in-memory database:
    # that one locks whole tables and fails at once ("database table is locked")
    # when a test reads while the bot writes from its thread; a file in WAL mode
    # lets readers go on and makes writers wait (the settings' timeout).
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.mkdtemp(prefix="smena-db-"), "test.sqlite3")
    }
STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": "/private-media/"},
    },
}

# The sender is driven by the tests that exercise it, never by on_commit.
OUTBOX_KICK_ENABLED = False
