"""The main staff journeys in a real browser."""

import datetime as dt

import pytest
from django.utils import timezone

from core import roles
from core.models import Application, Shift
from tests.factories import ApplicationFactory, ShiftFactory, TaskFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


SIDEBAR_LINKS = {
    "shifts": "/admin/core/shift/",
    "applications": "/admin/core/application/",
    "reports": "/admin/moderation/report/",
    "staff": "/admin/core/user/",
    "roles": "/admin/core/role/",
}


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        (roles.ADMINISTRATOR, {"shifts", "applications", "reports", "staff", "roles"}),
        (roles.COORDINATOR, {"shifts", "applications", "reports"}),
        (roles.MODERATOR, {"reports"}),
    ],
)
def test_each_role_logs_in_and_sees_its_sidebar(login, screenshot, role, visible):
    page = login(role.lower(), role=role)

    screenshot(f"dashboard-{role.lower()}")

    shown = {
        name
        for name, href in SIDEBAR_LINKS.items()
        if page.locator(f'a[href="{href}"]').count()
    }
    assert shown == visible
    assert page.get_by_text("Reports to review").is_visible()


def test_wrong_password_is_refused(page):
    page.goto("/admin/login/")
    page.fill("input[name=username]", "nobody")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")

    assert "/admin/login/" in page.url
    assert page.locator(".errornote, [role=alert], .text-red-600").count() >= 1


def test_coordinator_creates_a_shift_with_a_plan(login, screenshot):
    TaskFactory.create_batch(3)
    page = login("coord", role=roles.COORDINATOR)
    start = timezone.localdate() + dt.timedelta(days=10)

    page.goto("/admin/core/shift/add/")
    page.fill("input[name=title]", "Spring shift")
    page.fill("input[name=start_date]", start.isoformat())
    page.fill("input[name=end_date]", (start + dt.timedelta(days=20)).isoformat())
    # The time zone list is searchable: type part of a city, pick the match.
    page.locator("select[name=time_zone] + .select2").click()
    page.locator(".select2-search__field").fill("yekat")
    page.keyboard.press("Enter")
    screenshot("shift-add")
    page.click("button[name=_save]")
    page.wait_for_url("**/admin/core/shift/")

    shift = Shift.objects.get(title="Spring shift")
    assert shift.status == Shift.Status.PREPARING
    assert shift.time_zone == "Asia/Yekaterinburg"
    assert shift.days.count() == 21


def test_coordinator_sees_rule_error_when_creating_a_second_preparing_shift(
    login, screenshot
):
    existing = ShiftFactory(title="Winter")
    page = login("coord", role=roles.COORDINATOR)

    page.goto("/admin/core/shift/add/")
    page.fill("input[name=title]", "Another")
    page.fill(
        "input[name=start_date]", (existing.end_date + dt.timedelta(days=5)).isoformat()
    )
    page.fill(
        "input[name=end_date]", (existing.end_date + dt.timedelta(days=30)).isoformat()
    )
    page.click("button[name=_save]")

    page.get_by_text("is already being prepared").wait_for()
    screenshot("shift-add-error")
    assert Shift.objects.count() == 1


def test_coordinator_approves_and_declines_applications(login, screenshot):
    approve_me, decline_me = ApplicationFactory.create_batch(2)
    page = login("coord", role=roles.COORDINATOR)

    page.goto("/admin/core/application/")
    page.check(f"input[name=_selected_action][value='{approve_me.pk}']")
    page.select_option("select[name=action]", "approve_selected")
    page.click(
        "button[name=index], button[type=submit][title], .actions button[type=submit]"
    )
    page.get_by_text("1 object done").wait_for()

    page.check(f"input[name=_selected_action][value='{decline_me.pk}']")
    page.select_option("select[name=action]", "decline_selected")
    page.click(
        "button[name=index], button[type=submit][title], .actions button[type=submit]"
    )
    page.fill("textarea[name=reason]", "No consent form yet")
    screenshot("application-decline")
    page.get_by_role("button", name="Decline").click()
    page.get_by_text("1 object done").wait_for()

    approve_me.refresh_from_db()
    decline_me.refresh_from_db()
    assert approve_me.status == Application.Status.APPROVED
    assert decline_me.status == Application.Status.DECLINED
    assert decline_me.decline_reason == "No consent form yet"
