"""CSV and XLSX exports chosen and downloaded in a real browser."""

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from core import roles
from core.models import Participant
from moderation.models import ExportJob, Report

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

REPORTS = "/admin/moderation/report/"
PARTICIPANTS = "/admin/core/participant/"
# A name a spreadsheet would run as a formula unless it is escaped.
EVIL = '=HYPERLINK("http://evil.example","win")'
# The list's Export button (its accessible name includes its icon's ligature).
EXPORT_BUTTON = 'a[href*="/export/"]'
COLUMNS = ["id", "last_name", "first_name", "shift", "task", "status"]


@pytest.fixture
def reports(reports_under_review) -> list[Report]:
    """Three reports under review, one of a participant with a formula for a name,
    and one approved report the filtered exports must leave out."""
    reviewing = [*reports_under_review(2), *reports_under_review(1, last_name=EVIL)]
    [approved] = reports_under_review(1)
    Report.objects.filter(pk=approved.pk).update(status=Report.Status.APPROVED)
    return reviewing


def expected(reports: list[Report]) -> dict[str, dict[str, str]]:
    """The columns of each report as the database has them, by id."""
    rows = {}
    for report in Report.objects.filter(pk__in=[r.pk for r in reports]).select_related(
        "membership__participant", "day__shift", "day__task"
    ):
        participant = report.membership.participant
        rows[str(report.pk)] = {
            "id": str(report.pk),
            "last_name": participant.last_name,
            "first_name": participant.first_name,
            "shift": report.day.shift.title,
            "task": report.day.task.title,
            "status": report.get_status_display(),
        }
    return rows


def export(page, list_url: str, file_format: str):
    """Open Export on the list at `list_url`, choose `file_format`, submit.

    Returns the page's answer: a Playwright download (inline) or None when the
    export became a background job.
    """
    page.goto(list_url)
    page.click(EXPORT_BUTTON)
    page.wait_for_url("**/export/**")
    page.select_option("select[name=format]", label=file_format)
    with page.expect_download() as download:
        page.get_by_role("button", name="Submit").click()
    return download.value


def saved(download) -> bytes:
    """The downloaded file's content."""
    return Path(download.path()).read_bytes()


def csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # a BOM, for Excel
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(content: bytes) -> tuple[list[str], list[tuple]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header, *rows = sheet.iter_rows()
    return [cell.value for cell in header], rows


def test_export_csv_of_filtered_reports_matches_database(login, reports):
    page = login("coord", role=roles.COORDINATOR)

    download = export(page, f"{REPORTS}?status__exact=reviewing", "csv")

    assert download.suggested_filename.startswith("reports-")
    assert download.suggested_filename.endswith(".csv")
    rows = csv_rows(saved(download))
    assert {row["id"]: {k: row[k] for k in COLUMNS} for row in rows} == {
        pk: {**row, "last_name": "'" + row["last_name"]}
        if row["last_name"] == EVIL
        else row
        for pk, row in expected(reports).items()
    }


def test_export_xlsx_of_filtered_reports_matches_database(login, reports):
    page = login("coord", role=roles.COORDINATOR)

    download = export(page, f"{REPORTS}?status__exact=reviewing", "xlsx")

    assert download.suggested_filename.endswith(".xlsx")
    header, rows = xlsx_rows(saved(download))
    by_id = {str(row[0].value): row for row in rows}
    wanted = expected(reports)
    assert set(by_id) == set(wanted)
    for pk, columns in wanted.items():
        row = by_id[pk]
        assert {k: str(row[header.index(k)].value) for k in COLUMNS} == columns
    evil = next(r for r in rows if r[header.index("last_name")].value == EVIL)
    assert evil[header.index("last_name")].quotePrefix  # text, not a formula
    assert evil[header.index("last_name")].data_type == "s"


def test_export_page_offers_csv_and_xlsx(login, screenshot, reports):
    page = login("coord", role=roles.COORDINATOR)
    page.goto(PARTICIPANTS)

    page.click(EXPORT_BUTTON)
    page.wait_for_url("**/export/**")

    formats = page.eval_on_selector_all(
        "select[name=format] option",
        "options => options.filter(o => o.value).map(o => o.text.trim())",
    )
    assert formats == ["csv", "xlsx"]
    assert page.locator("input[type=checkbox][name^=participantresource_]").count() >= 6
    screenshot("export-form")


def test_export_large_list_runs_as_job_downloaded_from_exports_page(
    login, screenshot, reports, settings
):
    settings.EXPORT_INLINE_MAX_ROWS = 2
    page = login("coord", role=roles.COORDINATOR)
    page.goto(PARTICIPANTS)
    page.click(EXPORT_BUTTON)
    page.wait_for_url("**/export/**")
    page.select_option("select[name=format]", label="csv")

    page.get_by_role("button", name="Submit").click()

    page.get_by_text("prepared in the background").wait_for()
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE
    page.goto("/admin/moderation/exportjob/")
    screenshot("export-jobs")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download", exact=True).click()
    rows = csv_rows(saved(download.value))
    assert {row["id"] for row in rows} == {
        str(pk) for pk in Participant.objects.values_list("pk", flat=True)
    }
    assert {row["last_name"] for row in rows} >= {"'" + EVIL, "Ivanov"}


def test_export_moderator_has_no_export_button(login, reports):
    page = login("mod", role=roles.MODERATOR)

    page.goto(REPORTS)

    assert page.locator("#result_list, table").first.is_visible()
    assert page.locator(EXPORT_BUTTON).count() == 0
    assert page.goto(f"{REPORTS}export/").status == 403
