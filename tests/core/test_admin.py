"""Every registered admin opens; the admin forms and actions go through services."""

import datetime as dt
import zoneinfo

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from core.models import Application, Shift
from moderation.admin.shifts import ShiftForm
from tests.factories import ApplicationFactory, ShiftFactory, TaskFactory

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)


@pytest.fixture
def client_admin(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_admin_changelist_opens(client_admin, app_label, model_name):
    response = client_admin.get(reverse(f"admin:{app_label}_{model_name}_changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_admin_add_opens_or_is_forbidden(client_admin, app_label, model_name):
    model_admin = admin.site._registry[
        next(
            model
            for model in admin.site._registry
            if (model._meta.app_label, model._meta.model_name)
            == (app_label, model_name)
        )
    ]

    response = client_admin.get(reverse(f"admin:{app_label}_{model_name}_add"))

    expected = 200 if model_admin.has_add_permission(response.wsgi_request) else 403
    assert response.status_code == expected


def test_admin_change_pages_open(client_admin):
    application = ApplicationFactory()
    pages = [
        reverse("admin:core_shift_change", args=[application.shift.pk]),
        reverse("admin:core_application_change", args=[application.pk]),
        reverse("admin:core_participant_change", args=[application.participant.pk]),
        reverse(
            "admin:core_task_change", args=[application.shift.days.first().task.pk]
        ),
    ]

    for page in pages:
        assert client_admin.get(page).status_code == 200, page


def test_admin_dashboard_shows_key_numbers(client_admin):
    ApplicationFactory.create_batch(3)

    response = client_admin.get(reverse("admin:index"))

    cards = {card["title"]: card["value"] for card in response.context["kpi_cards"]}
    assert cards["Pending applications"] == 3
    assert "Reports to review" in cards


def shift_form(**overrides) -> dict:
    data = {
        "title": "Spring",
        "start_date": "2027-03-01",
        "end_date": "2027-03-30",
        "time_zone": "Europe/Moscow",
        "task_hour": 8,
        "reminder_hour": 20,
        "max_attempts": 3,
        "skip_limit": 5,
        "final_message": "",
        "days-TOTAL_FORMS": 0,
        "days-INITIAL_FORMS": 0,
    }
    return {**data, **overrides}


def test_admin_shift_add_creates_plan(client_admin):
    TaskFactory.create_batch(3)

    response = client_admin.post(reverse("admin:core_shift_add"), shift_form())

    assert response.status_code == 302
    shift = Shift.objects.get()
    assert shift.days.count() == 30


def test_admin_shift_add_shows_rule_error(client_admin):
    TaskFactory()

    response = client_admin.post(
        reverse("admin:core_shift_add"), shift_form(end_date="2027-08-01")
    )

    assert response.status_code == 200
    assert "shorter than 4 months" in response.content.decode()
    assert not Shift.objects.exists()


def test_admin_shift_add_without_tasks_shows_error(client_admin):
    response = client_admin.post(reverse("admin:core_shift_add"), shift_form())

    assert "no active tasks" in response.content.decode()


def test_admin_shift_form_offers_every_time_zone_russian_first():
    groups = dict(ShiftForm().fields["time_zone"].choices)

    [russia, others] = groups.values()
    offered = [zone for zone, _label in [*russia, *others]]
    assert russia[:2] == [
        ("Europe/Kaliningrad", "Europe/Kaliningrad (UTC+02:00)"),
        ("Europe/Moscow", "Europe/Moscow (UTC+03:00)"),
    ]
    assert sorted(offered) == sorted(zoneinfo.available_timezones())
    assert [zone for zone, _label in others] == sorted(zone for zone, _ in others)


def test_admin_shift_add_selects_time_zone_of_settings(client_admin, settings):
    settings.TIME_ZONE = "Asia/Yekaterinburg"

    page = client_admin.get(reverse("admin:core_shift_add")).content.decode()

    assert '<option value="Asia/Yekaterinburg" selected>' in page
    assert '<option value="America/New_York">' in page
    assert "unfold-admin-autocomplete" in page


def test_admin_shift_add_with_chosen_time_zone(client_admin):
    TaskFactory()

    client_admin.post(
        reverse("admin:core_shift_add"), shift_form(time_zone="Asia/Vladivostok")
    )

    assert Shift.objects.get().time_zone == "Asia/Vladivostok"


def test_admin_shift_add_rejects_unknown_time_zone(client_admin):
    TaskFactory()

    response = client_admin.post(
        reverse("admin:core_shift_add"), shift_form(time_zone="Mars/Olympus")
    )

    assert response.status_code == 200
    assert "Mars/Olympus is not one of the available choices" in (
        response.content.decode()
    )
    assert not Shift.objects.exists()


def test_admin_shift_change_keeps_its_time_zone(client_admin):
    shift = ShiftFactory(time_zone="Asia/Irkutsk")
    url = reverse("admin:core_shift_change", args=[shift.pk])
    page = client_admin.get(url).content.decode()

    client_admin.post(
        url,
        shift_form(
            title="Renamed",
            start_date=shift.start_date,
            end_date=shift.end_date,
            time_zone="Asia/Irkutsk",
        ),
    )

    assert '<option value="Asia/Irkutsk" selected>' in page
    shift.refresh_from_db()
    assert (shift.title, shift.time_zone) == ("Renamed", "Asia/Irkutsk")


def test_admin_shift_change_shows_stored_zone_unknown_to_tz_database(client_admin):
    shift = ShiftFactory()
    Shift.objects.filter(pk=shift.pk).update(time_zone="Old/Zone")

    page = client_admin.get(
        reverse("admin:core_shift_change", args=[shift.pk])
    ).content.decode()

    assert '<option value="Old/Zone" selected>' in page


def run_action(client, model: str, action: str, objects, **extra):
    return client.post(
        reverse(f"admin:core_{model}_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **extra},
        follow=True,
    )


def test_admin_start_selected_calls_service(client_admin):
    shift = ShiftFactory()

    run_action(client_admin, "shift", "start_selected", [shift])

    shift.refresh_from_db()
    assert shift.status == Shift.Status.STARTED


def test_admin_cancel_selected_reports_refusals(client_admin):
    started = ShiftFactory(status=Shift.Status.STARTED)

    response = run_action(client_admin, "shift", "cancel_selected", [started])

    started.refresh_from_db()
    assert started.status == Shift.Status.STARTED
    assert "Refused" in response.content.decode()


def test_admin_finish_detail_needs_post(client_admin):
    shift = ShiftFactory(status=Shift.Status.STARTED, start_date=dt.date(2020, 1, 1))
    url = reverse("admin:core_shift_finish_detail", args=[shift.pk])

    client_admin.get(url)
    shift.refresh_from_db()
    assert shift.status == Shift.Status.STARTED

    client_admin.post(url)
    shift.refresh_from_db()
    assert shift.status == Shift.Status.FINISHED


def test_admin_approve_selected_calls_service(client_admin):
    applications = ApplicationFactory.create_batch(2)

    run_action(client_admin, "application", "approve_selected", applications)

    assert set(Application.objects.values_list("status", flat=True)) == {"approved"}


def test_admin_decline_selected_asks_for_reason(client_admin):
    application = ApplicationFactory()

    response = run_action(
        client_admin, "application", "decline_selected", [application]
    )

    assert "Reason" in response.content.decode()
    application.refresh_from_db()
    assert application.is_pending


def test_admin_decline_selected_with_reason(client_admin):
    application = ApplicationFactory()

    run_action(
        client_admin,
        "application",
        "decline_selected",
        [application],
        reason="Too young",
    )

    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED
    assert application.decline_reason == "Too young"


def test_admin_decline_detail_with_reason(client_admin):
    application = ApplicationFactory()

    client_admin.post(
        reverse("admin:core_application_decline_detail", args=[application.pk]),
        {"reason": "Too young"},
    )

    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED


def test_admin_shift_detail_offers_only_allowed_steps(client_admin):
    started = ShiftFactory(status=Shift.Status.STARTED)
    preparing = ShiftFactory(start_date=started.end_date + dt.timedelta(days=1))

    preparing_page = client_admin.get(
        reverse("admin:core_shift_change", args=[preparing.pk])
    ).content.decode()
    started_page = client_admin.get(
        reverse("admin:core_shift_change", args=[started.pk])
    ).content.decode()

    start_url = reverse("admin:core_shift_start_detail", args=[preparing.pk])
    assert start_url in preparing_page
    assert (
        reverse("admin:core_shift_finish_detail", args=[preparing.pk])
        not in preparing_page
    )
    assert reverse("admin:core_shift_finish_detail", args=[started.pk]) in started_page
    assert (
        reverse("admin:core_shift_cancel_detail", args=[started.pk]) not in started_page
    )
