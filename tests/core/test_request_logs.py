"""Refused requests are logged as one line; server errors keep their traceback."""

import logging

import pytest
from django.test import Client
from django.urls import reverse


def request_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "django.request"]


def test_permission_denied_is_logged_as_one_line(client, moderator, caplog):
    client.force_login(moderator)

    # Staff accounts are the administrators' only.
    response = client.get(reverse("admin:core_user_changelist"))

    assert response.status_code == 403
    [record] = request_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "Forbidden (Permission denied): /admin/core/user/"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


@pytest.mark.urls("tests.core.failing_urls")
def test_server_error_is_logged_with_its_traceback(db, caplog):
    client = Client(raise_request_exception=False)

    response = client.get("/fail/")

    assert response.status_code == 500
    [record] = request_records(caplog)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert "Traceback" in caplog.text
    assert "RuntimeError: the view failed" in caplog.text
