import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")


def login(client, password: str):
    return client.post(
        LOGIN, {"username": "root", "password": password, "next": "/admin/"}
    )


def test_login_succeeds_with_right_password(client, admin_user):
    response = login(client, "pass-word-123")

    assert response.status_code == 302


def test_login_is_throttled_after_repeated_failures(client, admin_user, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong")

    response = login(client, "pass-word-123")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_check_deploy_is_clean_with_production_settings():
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "core.settings",
        "DJANGO_SECRET_KEY": "x" * 20 + "production-like-secret-key-1234567890",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "smena.example.org",
    }
    for name in (
        "DJANGO_SECURE_SSL_REDIRECT",
        "DJANGO_SECURE_COOKIES",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    ):
        env.pop(name, None)

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
