"""Exports built from the list's saved filters, never a replayed admin request."""

import csv
import datetime as dt
import io
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.core.files.storage import default_storage
from django.test import RequestFactory
from django.urls import reverse

from core.models import Application, Participant
from moderation.admin.exports import StreamingExportMixin
from moderation.exceptions import ExportFilterInvalid, ExportFilterUnknown
from moderation.insights.export_jobs import (
    export_job_create,
    export_job_run,
    export_queryset,
)
from moderation.insights.resources import EXPORT_RESOURCES, ReportResource
from moderation.models import ExportJob, Report
from tests.factories import (
    ApplicationFactory,
    MembershipFactory,
    ParticipantFactory,
    ReportFactory,
    ShiftFactory,
    UserFactory,
)
from tests.moderation.test_exports import export_post

pytestmark = pytest.mark.django_db

FIRST_DAY = dt.date(2026, 3, 2)


@pytest.fixture
def shifts():
    """Two shifts, each with members Ivanov and Petrov and a report a day for
    three days: approved, declined, approved."""
    first = ShiftFactory(
        start_date=FIRST_DAY,
        end_date=FIRST_DAY + dt.timedelta(days=20),
        status="finished",
    )
    second = ShiftFactory(
        start_date=FIRST_DAY + dt.timedelta(days=30),
        end_date=FIRST_DAY + dt.timedelta(days=50),
        status="started",
    )
    statuses = [Report.Status.APPROVED, Report.Status.DECLINED, Report.Status.APPROVED]
    for shift in (first, second):
        for last_name in ("Ivanov", "Petrov"):
            member = MembershipFactory(
                shift=shift, participant=ParticipantFactory(last_name=last_name)
            )
            for day, status in zip(shift.days.order_by("date"), statuses, strict=False):
                ReportFactory(membership=member, day=day, status=status)
    return first, second


def exported_ids(job: ExportJob) -> set[int]:
    with default_storage.open(job.file.name, "rb") as file:
        rows = list(csv.DictReader(io.StringIO(file.read().decode("utf-8-sig"))))
    return {int(row["id"]) for row in rows}


def test_export_job_writes_exactly_the_rows_of_the_saved_filters(coordinator, shifts):
    first, _second = shifts
    query = {
        "day__shift__id__exact": first.pk,
        "status__exact": "approved",
        "day__date_from": FIRST_DAY.isoformat(),
        "day__date_to": (FIRST_DAY + dt.timedelta(days=1)).strftime("%d.%m.%Y"),
        "q": "petrov",
        "o": "3",
        "p": "2",
    }

    job = export_job_create(
        by=coordinator,
        resource="reports",
        file_format="csv",
        fields=["id", "last_name"],
        query_string=urlencode(query),
    )
    job = export_job_run(job)

    assert job.status == ExportJob.Status.DONE, job.error
    assert exported_ids(job) == set(
        Report.objects.filter(
            day__shift=first,
            status="approved",
            day__date=FIRST_DAY,
            membership__participant__last_name="Petrov",
        ).values_list("pk", flat=True)
    )
    assert job.rows_done == 1


def exported_order(job: ExportJob) -> list[int]:
    with default_storage.open(job.file.name, "rb") as file:
        rows = list(csv.DictReader(io.StringIO(file.read().decode("utf-8-sig"))))
    return [int(row["id"]) for row in rows]


def test_export_job_without_filters_writes_every_row_in_the_lists_order(
    coordinator, shifts
):
    job = export_job_create(
        by=coordinator,
        resource="reports",
        file_format="csv",
        fields=["id"],
        query_string="",
    )
    job = export_job_run(job)

    assert exported_order(job) == list(
        Report.objects.order_by("-id").values_list("pk", flat=True)
    )
    assert job.rows_done == 12


def test_export_of_applications_by_date_range_and_shift(shifts):
    _first, second = shifts
    early = ApplicationFactory(shift=second)
    late = ApplicationFactory(shift=second)
    Application.objects.filter(pk=early.pk).update(
        created_at=dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)
    )
    Application.objects.filter(pk=late.pk).update(
        created_at=dt.datetime(2026, 2, 5, 12, tzinfo=dt.UTC)
    )
    resource = EXPORT_RESOURCES["applications"]()

    rows = export_queryset(
        resource,
        f"shift__id__exact={second.pk}&created_at_from=2026-02-01&created_at_to=",
    )

    assert list(rows.values_list("pk", flat=True)) == [late.pk]


@pytest.mark.parametrize(
    ("query", "error", "parameter"),
    [
        ("no_such_filter=1", ExportFilterUnknown, "no_such_filter"),
        (
            "membership__participant__phone=1",
            ExportFilterUnknown,
            "membership__participant__phone",
        ),
        ("day__shift__id__exact=first", ExportFilterInvalid, "day__shift__id__exact"),
        ("day__date_from=yesterday", ExportFilterInvalid, "day__date_from"),
        ("reviewed_by__isnull=maybe", ExportFilterInvalid, "reviewed_by__isnull"),
        ("status__exact=a&status__exact=b", ExportFilterInvalid, "status__exact"),
    ],
)
def test_export_queryset_refuses_filters_it_does_not_declare(query, error, parameter):
    with pytest.raises(error) as refused:
        export_queryset(ReportResource(), query)

    assert refused.value.parameter == parameter
    assert parameter in str(refused.value)


def test_export_with_an_unknown_filter_is_refused_with_a_clear_message(
    client, coordinator, shifts, settings
):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    client.force_login(coordinator)

    response = export_post(
        client, "moderation_report", "reportresource", 0, "?membership__points=5"
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "The export cannot filter by “membership__points”; remove that filter "
        "from the list and export again."
    ]
    assert not ExportJob.objects.exists()


# The admin's lists and the exports' declarations, held together.


def export_admins() -> list:
    return [
        model_admin
        for model_admin in admin.site._registry.values()
        if isinstance(model_admin, StreamingExportMixin)
    ]


def list_request(query: str = ""):
    request = RequestFactory().get(f"/?{query}")
    request.user = UserFactory(username="root", is_superuser=True)
    return request


@pytest.mark.parametrize("model_admin", export_admins(), ids=str)
def test_export_declares_every_filter_and_search_field_of_its_list(model_admin, shifts):
    # A filter with a single choice is not shown: two of each are there.
    UserFactory(username="reviewer")
    request = list_request()
    [resource] = model_admin.get_export_resource_classes(request)
    changelist = model_admin.get_changelist_instance(request)

    parameters = {
        parameter
        for spec in changelist.filter_specs
        for parameter in spec.expected_parameters()
    }

    assert parameters == set(resource.list_filters)
    assert list(model_admin.get_search_fields(request)) == resource.search_fields


LIST_QUERIES = {
    Report: [
        "status__exact=approved",
        "day__date_from=2026-03-03&day__date_to=2026-03-03",
        "q=ivanov",
        "reviewed_by__isnull=True&status__exact=declined",
        "day__task__id__exact={task}",
    ],
    Participant: ["q=petrov", "consent=current", "consent=none", "city=Kazan"],
}


@pytest.mark.parametrize(
    ("model", "query"),
    [(model, query) for model, queries in LIST_QUERIES.items() for query in queries],
)
def test_export_has_the_rows_the_admin_list_shows(shifts, model, query):
    ParticipantFactory(last_name="Sidorov", consent_version=None, consent_at=None)
    query = query.format(task=Report.objects.first().day.task_id)
    model_admin = admin.site._registry[model]
    request = list_request(query)
    [resource] = model_admin.get_export_resource_classes(request)

    exported = export_queryset(resource(), query)
    listed = model_admin.get_changelist_instance(request).queryset

    assert set(exported.values_list("pk", flat=True)) == set(
        listed.values_list("pk", flat=True)
    )
    assert exported.exists()


def test_export_page_link_keeps_the_list_filters(client, coordinator, shifts):
    client.force_login(coordinator)
    url = reverse("admin:moderation_report_changelist") + "?status__exact=declined"

    page = client.get(url).content.decode()

    assert reverse("admin:moderation_report_export") + "?status__exact=declined" in page
