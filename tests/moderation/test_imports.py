import datetime as dt
import io

import openpyxl
import pytest
import tablib
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import Participant, Task
from moderation.insights.imports import ParticipantImportResource
from tests.factories import ParticipantFactory, TaskFactory

pytestmark = pytest.mark.django_db

CSV, XLSX = 0, 1
HEADER = "last_name,first_name,birth_date,city,phone\n"


def upload(client, model: str, content: bytes, file_format: int, name="list.csv"):
    return client.post(
        reverse(f"admin:core_{model}_import"),
        {
            "resource": 0,
            "format": file_format,
            "import_file": SimpleUploadedFile(name, content),
        },
    )


def confirm(client, model: str, response):
    form = response.context["confirm_form"]
    return client.post(
        reverse(f"admin:core_{model}_process_import"), form.initial, follow=True
    )


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def test_import_participants_dry_run_then_confirm(coordinator_client):
    content = (
        HEADER
        + "Petrova,Anna,31.12.2014,Kazan,8 (900) 123-45-67\n"
        + "Sidorov,Ivan,2013-01-02,,+7 901 000-00-00\n"
    ).encode()

    preview = upload(coordinator_client, "participant", content, CSV)

    assert preview.status_code == 200
    assert "confirm_form" in preview.context
    assert not Participant.objects.exists()

    confirm(coordinator_client, "participant", preview)

    anna = Participant.objects.get(last_name="Petrova")
    assert anna.phone == "+79001234567"
    assert anna.birth_date == dt.date(2014, 12, 31)
    assert anna.telegram_id is None
    assert Participant.objects.count() == 2


def test_import_participants_known_phone_updates(coordinator_client):
    known = ParticipantFactory(phone="+79001234567", city="Kazan")
    content = (HEADER + "Petrova,Anna,,Samara,+79001234567\n").encode()

    confirm(
        coordinator_client,
        "participant",
        upload(coordinator_client, "participant", content, CSV),
    )

    known.refresh_from_db()
    assert known.city == "Samara"
    assert Participant.objects.count() == 1


def test_import_participants_bad_rows_show_errors_and_write_nothing(
    coordinator_client,
):
    content = (
        HEADER
        + "Petrova,Anna,31.12.2014,Kazan,+79001234567\n"
        + "Sidorov,Ivan,32.13.2014,Kazan,12345\n"
        + ",Olga,,Kazan,+79001234568\n"
    ).encode()

    response = upload(coordinator_client, "participant", content, CSV)

    html = response.content.decode()
    assert "confirm_form" not in response.context
    assert "“32.13.2014” is not a date" in html
    assert "“12345” is not a phone number" in html
    assert "This value is required." in html
    assert not Participant.objects.exists()


def test_import_dry_run_numbers_rows_as_the_spreadsheet_does(coordinator_client):
    content = (
        HEADER
        + "Petrova,Anna,31.12.2014,Kazan,+79001234567\n"
        + "Sidorov,Ivan,31.12.2014,Kazan,12345\n"
        + "Orlova,Olga,31.12.2014,Kazan,+79001234569\n"
        + "Popov,Petr,31.12.2014,Kazan,not a phone\n"
    ).encode()

    response = upload(coordinator_client, "participant", content, CSV)

    # The header is row 1: the bad rows are the spreadsheet's rows 3 and 5.
    invalid = response.context["result"].invalid_rows
    assert [row.number for row in invalid] == [3, 5]


@time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize(
    ("birth_date", "error"),
    [
        ("02.06.2026", "The date of birth 02.06.2026 is in the future."),
        ("2030-01-01", "The date of birth 01.01.2030 is in the future."),
        ("01.06.2026", "The date of birth must give an age from 3 to 100."),
        ("02.06.2023", "The date of birth must give an age from 3 to 100."),
    ],
)
def test_import_refuses_birth_dates_in_the_future_or_out_of_range(
    coordinator_client, birth_date, error
):
    content = (HEADER + f"Petrova,Anna,{birth_date},Kazan,+79001234567\n").encode()

    response = upload(coordinator_client, "participant", content, CSV)

    assert error in response.content.decode()
    assert [row.number for row in response.context["result"].invalid_rows] == [2]
    assert not Participant.objects.exists()


@time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False)
def test_import_accepts_a_birth_date_three_years_ago_today(coordinator_client):
    content = (HEADER + "Petrova,Anna,01.06.2023,Kazan,+79001234567\n").encode()

    confirm(
        coordinator_client,
        "participant",
        upload(coordinator_client, "participant", content, CSV),
    )

    assert Participant.objects.get().birth_date == dt.date(2023, 6, 1)


def test_import_cleans_names_and_cities_like_the_bot(coordinator_client):
    content = (
        HEADER + "petrova,anna-maria,,ростов-на-дону,+7 (900) 123-45-67\n"
    ).encode()

    confirm(
        coordinator_client,
        "participant",
        upload(coordinator_client, "participant", content, CSV),
    )

    anna = Participant.objects.get()
    assert (anna.last_name, anna.first_name, anna.city, anna.phone) == (
        "Petrova",
        "Anna-Maria",
        "Ростов-на-Дону",
        "+79001234567",
    )
    assert anna.language == "ru"  # no language column


def test_import_refuses_names_the_bot_refuses(coordinator_client):
    content = (HEADER + "Petrova,R2-D2,,Kazan,+79001234567\n").encode()

    response = upload(coordinator_client, "participant", content, CSV)

    assert "A name must be 1 to 64 letters" in response.content.decode()
    assert not Participant.objects.exists()


def test_import_preview_names_columns_and_errors_as_the_forms_do(
    coordinator_client,
):
    content = (HEADER + "Petrova,Anna,31.12.2014,Kazan,12345\n").encode()

    response = upload(coordinator_client, "participant", content, CSV)

    result = response.context["result"]
    assert result.diff_headers[:3] == ["Last name", "First name", "Date of birth"]
    [row] = result.invalid_rows
    assert list(row.field_specific_errors) == ["Phone"]


def test_import_participant_rows_roll_back_when_one_fails():
    dataset = tablib.Dataset(headers=["last_name", "first_name", "phone"])
    dataset.append(["Petrova", "Anna", "+79001234567"])
    dataset.append(["Sidorov", "Ivan", "not a phone"])

    result = ParticipantImportResource().import_data(
        dataset, dry_run=False, rollback_on_validation_errors=True
    )

    assert result.has_validation_errors()
    assert not Participant.objects.exists()


def test_import_participants_in_russian_explains_errors(coordinator_client):
    content = (HEADER + "Petrova,Anna,someday,Kazan,+79001234567\n").encode()

    response = coordinator_client.post(
        reverse("admin:core_participant_import"),
        {
            "resource": 0,
            "format": CSV,
            "import_file": SimpleUploadedFile("list.csv", content),
        },
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    assert "не похоже на дату" in response.content.decode()


def test_import_xlsx_with_date_cells(coordinator_client):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["last_name", "first_name", "birth_date", "phone", "language"])
    # A spreadsheet date cell has no time zone.
    birth = dt.datetime(2014, 12, 31)  # noqa: DTZ001
    sheet.append(["Petrova", "Anna", birth, 79001234567, "en"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    preview = upload(
        coordinator_client, "participant", buffer.getvalue(), XLSX, "list.xlsx"
    )
    confirm(coordinator_client, "participant", preview)

    anna = Participant.objects.get()
    assert (anna.birth_date, anna.phone, anna.language) == (
        dt.date(2014, 12, 31),
        "+79001234567",
        "en",
    )


def test_import_bad_encoding_is_explained(coordinator_client):
    content = (HEADER + "Петрова,Анна,,Казань,+79001234567\n").encode("cp1251")

    response = upload(coordinator_client, "participant", content, CSV)

    assert "The file is not in UTF-8" in response.content.decode()
    assert not Participant.objects.exists()


def test_import_wrong_columns_are_explained(coordinator_client):
    content = b"surname,name,telephone\nPetrova,Anna,+79001234567\n"

    response = upload(coordinator_client, "participant", content, CSV)

    html = response.content.decode()
    assert "The columns of the file do not match" in html
    assert "Missing: last_name, first_name, phone" in html
    assert "confirm_form" not in response.context
    assert not Participant.objects.exists()


def test_import_not_a_spreadsheet_is_explained(coordinator_client):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

    response = upload(coordinator_client, "participant", png, XLSX, "photo.xlsx")

    assert "could not be read as the chosen format" in response.content.decode()
    assert not Participant.objects.exists()


def test_import_larger_than_the_limit_is_refused(coordinator_client, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    content = HEADER.encode() + b"Petrova,Anna,,Kazan,+79001234567\n" * 40_000

    response = upload(coordinator_client, "participant", content, CSV)

    assert "The file is larger than 1 MB" in response.content.decode()
    assert "confirm_form" not in response.context
    assert not Participant.objects.exists()


def test_import_tasks_adds_and_updates_by_title(coordinator_client):
    TaskFactory(title="Brush teeth", description="Old text")
    content = (
        b"title,description,is_archived\n"
        b"Brush teeth,Morning and evening,0\n"
        b"Wash dishes,After dinner,1\n"
    )

    confirm(
        coordinator_client, "task", upload(coordinator_client, "task", content, CSV)
    )

    tasks = dict(Task.objects.values_list("title", "description"))
    assert tasks == {
        "Brush teeth": "Morning and evening",
        "Wash dishes": "After dinner",
    }
    assert Task.objects.get(title="Wash dishes").is_archived


def test_import_needs_add_and_change_permission(client, moderator):
    client.force_login(moderator)

    response = client.get(reverse("admin:core_task_import"))

    assert response.status_code == 403
