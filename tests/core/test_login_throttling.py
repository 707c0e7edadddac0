"""Login throttling per client address, directly and behind trusted proxies; HSTS."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from core.settings import axes_client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
PASSWORD = "pass-word-123"
PROXY = "10.0.0.2"


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def behind_proxies(settings):
    """Trust `count` reverse proxies in front of Django, as TRUSTED_PROXY_COUNT does."""

    def trust(count: int) -> None:
        for name, value in axes_client_address(count).items():
            setattr(settings, name, value)

    return trust


def login(client, username: str, password: str, **meta: str) -> int:
    response = client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        **meta,
    )
    return response.status_code


def fail_until_locked(client, **meta: str) -> None:
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "root", "wrong", **meta)


def test_failures_from_one_address_do_not_lock_out_another(client, root):
    fail_until_locked(client, REMOTE_ADDR="198.51.100.7")

    assert login(client, "root", PASSWORD, REMOTE_ADDR="198.51.100.7") == 429
    assert login(client, "root", PASSWORD, REMOTE_ADDR="198.51.100.8") == 302


def test_one_password_sprayed_over_usernames_is_limited_per_address(client, root):
    for number in range(settings.AXES_FAILURE_LIMIT):
        UserFactory(username=f"staff-{number}")
        login(client, f"staff-{number}", "Summer2027!", REMOTE_ADDR="198.51.100.7")

    assert login(client, "root", PASSWORD, REMOTE_ADDR="198.51.100.7") == 429
    assert login(client, "root", PASSWORD, REMOTE_ADDR="198.51.100.8") == 302


def test_a_success_clears_the_address_s_failures(client, root):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "root", "wrong", REMOTE_ADDR="198.51.100.7")
    assert login(client, "root", PASSWORD, REMOTE_ADDR="198.51.100.7") == 302
    client.logout()

    login(client, "root", "wrong", REMOTE_ADDR="198.51.100.7")

    assert login(client, "root", PASSWORD, REMOTE_ADDR="198.51.100.7") == 302


def test_without_trusted_proxies_the_forwarded_header_is_ignored(client, root):
    for number in range(settings.AXES_FAILURE_LIMIT):
        # A client choosing a new address per attempt gets nowhere.
        login(
            client,
            "root",
            "wrong",
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{number}",
        )

    assert login(client, "root", PASSWORD, REMOTE_ADDR="198.51.100.7") == 429


def test_behind_a_proxy_one_client_does_not_lock_out_the_others(
    client, root, behind_proxies
):
    behind_proxies(1)
    fail_until_locked(client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")

    locked = login(
        client, "root", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    other = login(
        client, "root", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.8"
    )

    assert (locked, other) == (429, 302)


def test_behind_a_proxy_a_forged_header_does_not_change_the_address(
    client, root, behind_proxies
):
    behind_proxies(1)
    for number in range(settings.AXES_FAILURE_LIMIT):
        # The client writes its own header; the proxy appends the real address.
        forged = f"203.0.113.{number}, 198.51.100.7"
        login(client, "root", "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forged)

    locked = login(
        client, "root", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )

    assert locked == 429


def test_behind_two_proxies_the_address_the_first_one_saw_counts(
    client, root, behind_proxies
):
    behind_proxies(2)
    for number in range(settings.AXES_FAILURE_LIMIT):
        chain = f"203.0.113.{number}, 198.51.100.7, 10.0.0.1"
        login(client, "root", "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=chain)

    locked = login(
        client,
        "root",
        PASSWORD,
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.7, 10.0.0.1",
    )
    other = login(
        client,
        "root",
        PASSWORD,
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.8, 10.0.0.1",
    )

    assert (locked, other) == (429, 302)


def test_hsts_preload_is_sent_only_when_asked_for(settings):
    # SecurityMiddleware reads its settings once: a new client for each.
    settings.SECURE_HSTS_SECONDS = 31536000
    assert not settings.SECURE_HSTS_PRELOAD

    default = Client().get(LOGIN, secure=True)["Strict-Transport-Security"]
    settings.SECURE_HSTS_PRELOAD = True
    asked = Client().get(LOGIN, secure=True)["Strict-Transport-Security"]

    assert default == "max-age=31536000; includeSubDomains"
    assert asked == "max-age=31536000; includeSubDomains; preload"


def settings_in_production(**environment: str) -> list[str]:
    """Read a few settings in a fresh process with a production-like environment."""
    ours = ("TRUSTED_PROXY_COUNT", "DJANGO_SECURE_HSTS_PRELOAD")
    env = {
        **{name: value for name, value in os.environ.items() if name not in ours},
        "DJANGO_SETTINGS_MODULE": "core.settings",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_DEBUG": "false",
        **environment,
    }
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_PRELOAD, s.SILENCED_SYSTEM_CHECKS);"
        "print(s.AXES_IPWARE_META_PRECEDENCE_ORDER, "
        "getattr(s, 'AXES_IPWARE_PROXY_COUNT', None))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()


def test_production_defaults_trust_no_proxy_and_send_no_preload():
    assert settings_in_production() == [
        "False ['security.W021']",
        "('REMOTE_ADDR',) None",
    ]


def test_environment_sets_trusted_proxies_and_preload():
    lines = settings_in_production(
        TRUSTED_PROXY_COUNT="1", DJANGO_SECURE_HSTS_PRELOAD="true"
    )

    assert lines == ["True []", "('HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR') 0"]
