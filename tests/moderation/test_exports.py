import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import roles
from core.models import Participant
from moderation.insights import exports
from moderation.insights.export_jobs import QUEUE_UNAVAILABLE
from moderation.insights.resources import ReportResource, TaskResource
from moderation.models import ExportJob, Report
from tests.factories import (
    ParticipantFactory,
    ReportFactory,
    TaskFactory,
    UserFactory,
)
from tests.workers import celery_publishing_to, free_port

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example","x")'


@pytest.mark.parametrize(
    "value", ["=1+2", "+cmd|' /C calc'!A0", "-2+3+cmd", "@SUM(A1)", "\tx", "\rx"]
)
def test_escape_formula_marks_formulas_as_text(value):
    assert exports.escape_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["Ivanov", "+7 900 123-45-67", "-5", "", "a=b"])
def test_escape_formula_leaves_plain_text(value):
    assert exports.escape_formula(value) == value


def export_post(client, model: str, resource: str, file_format: int, query=""):
    fields = resource_class(resource)().get_export_order()
    data = {"format": file_format, "resource": 0}
    data.update({f"{resource}_{field}": "on" for field in fields})
    url = reverse(f"admin:{model}_export") + query
    return client.post(url, data)


def resource_class(name: str):
    from moderation.insights import resources

    return next(
        cls
        for cls in resources.EXPORT_RESOURCES.values()
        if cls.__name__.lower() == name
    )


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


@pytest.fixture
def reports():
    evil = ReportFactory(
        membership__participant__last_name=EVIL, status=Report.Status.APPROVED
    )
    plain = ReportFactory(status=Report.Status.DECLINED)
    return evil, plain


def test_export_csv_streams_filtered_list_with_formulas_escaped(
    client, coordinator, reports
):
    client.force_login(coordinator)

    response = export_post(
        client,
        "moderation_report",
        "reportresource",
        0,
        "?status__exact=approved",
    )

    rows = read_csv(response)
    assert rows[0][:3] == ["id", "last_name", "first_name"]
    assert len(rows) == 2
    assert rows[1][1] == "'" + EVIL
    assert rows[1][rows[0].index("status")] == "Approved"


def test_export_xlsx_keeps_risky_text_as_text_cell(client, coordinator, reports):
    client.force_login(coordinator)

    response = export_post(client, "moderation_report", "reportresource", 1)

    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows())
    evil = next(row for row in rows[1:] if row[1].value == EVIL)
    assert evil[1].data_type == "s"
    assert evil[1].quotePrefix
    assert len(rows) == 3


def test_export_of_personal_data_needs_permission(client, reports):
    user = UserFactory(username="viewer")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_report", "view_task"])
    )
    client.force_login(user)

    denied = export_post(client, "moderation_report", "reportresource", 0)
    allowed = export_post(client, "core_task", "taskresource", 0)

    assert denied.status_code == 403
    assert allowed.status_code == 200


def test_moderator_cannot_export_reports(client, moderator, reports):
    client.force_login(moderator)

    response = export_post(client, "moderation_report", "reportresource", 0)

    assert response.status_code == 403


def test_export_query_count_does_not_grow_with_rows():
    TaskFactory.create_batch(3)
    resource = TaskResource()

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            columns = exports.columns_of(resource)
            rows = exports.stream_rows(
                resource._meta.model.objects.all(), columns, chunk_size=2
            )
            exports.write_csv(io.BytesIO(), columns, rows)
        return len(context)

    few = queries()
    TaskFactory.create_batch(20)

    assert queries() == few


def test_export_selected_columns_only(client, coordinator, reports):
    client.force_login(coordinator)
    url = reverse("admin:moderation_report_export")

    response = client.post(
        url,
        {
            "format": 0,
            "resource": 0,
            "reportresource_id": "on",
            "reportresource_status": "on",
        },
    )

    assert read_csv(response)[0] == ["id", "status"]


@pytest.fixture
def small_inline_limit(settings):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    settings.EXPORT_PROGRESS_ROWS = 1


def test_large_export_runs_as_job_with_private_download(
    client, coordinator, reports, small_inline_limit, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = export_post(
            client, "moderation_report", "reportresource", 1, "?status__exact=approved"
        )
    job = ExportJob.objects.get()
    download = reverse("admin:moderation_exportjob_download", args=[job.pk])

    assert response.status_code == 302
    assert job.status == ExportJob.Status.DONE
    assert (job.rows_total, job.rows_done, job.progress) == (1, 1, 100)
    assert job.query_string == "status__exact=approved"
    page = client.get(reverse("admin:moderation_exportjob_change", args=[job.pk]))
    assert download in page.content.decode()
    file = client.get(download)
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(file.streaming_content))).active
    assert sheet.max_row == 2
    assert client.get(f"/private-media/{job.file.name}").status_code == 403


def test_export_job_download_only_for_its_owner(
    client, coordinator, reports, small_inline_limit, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        export_post(client, "moderation_report", "reportresource", 0)
    job = ExportJob.objects.get()
    other = UserFactory(username="other", role=roles.COORDINATOR)

    client.force_login(other)
    response = client.get(reverse("admin:moderation_exportjob_download", args=[job.pk]))
    listed = client.get(reverse("admin:moderation_exportjob_changelist"))

    assert job.status == ExportJob.Status.DONE
    assert response.status_code == 403
    assert listed.context["cl"].result_count == 0


def test_large_export_while_the_broker_is_down_fails_the_job_visibly(
    client, coordinator, reports, small_inline_limit, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)

    with (
        celery_publishing_to(f"redis://127.0.0.1:{free_port()}/0"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = export_post(client, "moderation_report", "reportresource", 0)

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ExportJob.Status.FAILED
    assert job.error == QUEUE_UNAVAILABLE
    page = client.get(reverse("admin:moderation_exportjob_change", args=[job.pk]))
    assert QUEUE_UNAVAILABLE in page.content.decode()


def test_export_job_failure_is_recorded(coordinator):
    from moderation.insights.export_jobs import export_job_run

    job = ExportJob.objects.create(
        created_by=coordinator,
        model="moderation.report",
        resource="reports",
        file_format="csv",
        fields=["no_such_field"],
        query_string="no_such_filter=1",
    )

    job = export_job_run(job)

    assert job.status == ExportJob.Status.FAILED
    assert job.error


def test_export_participants_with_phone_unescaped(client, coordinator):
    ParticipantFactory(phone="+79001234567", last_name="@evil")
    client.force_login(coordinator)

    response = export_post(client, "core_participant", "participantresource", 0)

    rows = read_csv(response)
    header = rows[0]
    assert rows[1][header.index("phone")] == "+79001234567"
    assert rows[1][header.index("last_name")] == "'@evil"
    assert Participant.objects.count() == 1


def test_export_mailing_deliveries_only_mailing_rows(client, coordinator):
    from notifications.models import OutboxMessage

    participant = ParticipantFactory()
    for kind in ("mailing", "task"):
        OutboxMessage.objects.create(
            participant=participant, kind=kind, text=kind, dedupe_key=kind
        )
    client.force_login(coordinator)

    response = export_post(
        client, "moderation_mailingdelivery", "mailingdeliveryresource", 0
    )

    rows = read_csv(response)
    assert [row[-1] for row in rows[1:]] == ["mailing"]


def test_report_resource_naive_export_has_same_columns(reports):
    dataset = ReportResource().export(Report.objects.all())

    assert dataset.headers == [
        column.header for column in exports.columns_of(ReportResource())
    ]
