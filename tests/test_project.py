"""Project-wide guarantees: translations complete, services used as configured."""

import uuid
from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

PO_FILE = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def test_russian_translation_is_complete():
    with PO_FILE.open("rb") as po:
        catalog = read_po(po)

    untranslated = [
        message.id
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not message.string
            or (isinstance(message.string, tuple) and not all(message.string))
        )
    ]
    assert untranslated == []


def test_russian_translation_is_compiled_and_used():
    with translation.override("ru"):
        assert translation.gettext("Shifts") == "Смены"


def test_cache_round_trip():
    key = f"smena-test-{uuid.uuid4()}"

    cache.set(key, "value", 10)

    assert cache.get(key) == "value"


def test_redis_is_the_cache_when_configured():
    expected = (
        "core.cache.OutageTolerantRedisCache"
        if settings.REDIS_URL
        else "django.core.cache.backends.locmem.LocMemCache"
    )

    assert settings.CACHES["default"]["BACKEND"] == expected
