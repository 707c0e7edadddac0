"""A new shift's limits unless staff change them: 3 attempts, 5 skipped reports."""

import datetime as dt

import pytest
from django.urls import reverse

from core.models import Shift
from moderation.shifts.lifecycle import shift_create
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def test_new_shift_allows_three_attempts_and_five_skips():
    TaskFactory()
    start = dt.date(2027, 3, 1)

    shift = shift_create(
        Shift(title="Spring", start_date=start, end_date=start + dt.timedelta(days=9)),
        by=None,
    )

    shift.refresh_from_db()
    assert (shift.max_attempts, shift.skip_limit) == (3, 5)


def test_new_shift_form_offers_three_attempts_and_five_skips(client, admin_user):
    client.force_login(admin_user)

    form = client.get(reverse("admin:core_shift_add")).context["adminform"].form

    assert (form["max_attempts"].initial, form["skip_limit"].initial) == (3, 5)
