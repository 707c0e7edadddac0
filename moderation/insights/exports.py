"""Streamed CSV and XLSX exports of a queryset, with the columns of a resource.

Rows come from `values_list(<ORM paths>).iterator(chunk_size)`: one SQL statement
for the whole export (on PostgreSQL a server-side cursor, fetched chunk by chunk),
no model instances and no tablib Dataset, so memory stays flat whatever the row
count. Text that a spreadsheet would run as a formula is escaped in both formats.
"""

import csv
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from moderation.insights import resources
from moderation.insights.resources import ExportResource

# A cell starting with one of these is a formula to Excel / LibreOffice (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# ...unless it is only a signed number or phone: "+7 900 123-45-67", "-5".
PLAIN_NUMBER = re.compile(r"[+-]?[\d\s().-]*\d")
ProgressCallback = Callable[[int], None]


def is_formula(value: str) -> bool:
    return value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value)


def escape_formula(value: str) -> str:
    """Make a text cell inert for spreadsheets: a leading ' marks it as text."""
    return "'" + value if is_formula(value) else value


@dataclasses.dataclass
class Column:
    header: str
    path: str
    choices: dict | None = None


def columns_of(
    resource: ExportResource, selected: list[str] | None = None
) -> list[Column]:
    """The resource's export columns, each with its ORM path and choice labels."""
    model = resource._meta.model
    result = []
    for field in resource.stream_fields(selected):
        model_field = resources.model_field(model, field.attribute)
        choices = None
        if model_field is not None and model_field.choices:
            choices = {key: str(label) for key, label in model_field.flatchoices}
        result.append(Column(str(field.column_name), field.attribute, choices))
    return result


def stream_rows(
    queryset: models.QuerySet,
    columns: list[Column],
    chunk_size: int | None = None,
) -> Iterator[tuple]:
    """Yield the raw values of `columns` for each row of `queryset`."""
    chunk_size = chunk_size or settings.EXPORT_CHUNK_SIZE
    return queryset.values_list(*[column.path for column in columns]).iterator(
        chunk_size=chunk_size
    )


def _converter(column: Column, *, native: bool) -> Callable[[Any], Any]:
    """Build the per-value conversion of one column, for CSV text or XLSX cells."""
    tz = timezone.get_current_timezone()
    choices = column.choices

    def convert(value: Any) -> Any:
        if value is None:
            return None if native else ""
        if choices is not None:
            value = choices.get(value, value)
        if isinstance(value, str):
            return value
        if isinstance(value, dt.datetime):
            # Spreadsheets have no time zones: local wall time of the site.
            local = value.astimezone(tz).replace(tzinfo=None, microsecond=0)
            return local if native else local.isoformat(sep=" ")
        if native:
            return value
        if isinstance(value, bool):
            return "1" if value else "0"
        return str(value)

    return convert


def iter_csv(
    columns: list[Column],
    rows: Iterable[tuple],
    *,
    progress: ProgressCallback | None = None,
    progress_every: int = 10_000,
    chunk_rows: int = 1000,
) -> Iterator[bytes]:
    """Yield a UTF-8 CSV (with BOM, so Excel reads Cyrillic) in pieces of rows."""
    converters = [_converter(column, native=False) for column in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([escape_formula(column.header) for column in columns])
    for count, row in enumerate(rows, start=1):
        writer.writerow(
            [
                escape_formula(convert(value))
                for convert, value in zip(converters, row, strict=True)
            ]
        )
        if count % chunk_rows == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
        if progress and count % progress_every == 0:
            progress(count)
    yield buffer.getvalue().encode()


def write_csv(
    file: IO[bytes], columns: list[Column], rows: Iterable[tuple], **kwargs
) -> int:
    """Write the CSV of `rows` into `file`; return the row count."""
    counted = _Counter(rows)
    for chunk in iter_csv(columns, counted, **kwargs):
        file.write(chunk)
    return counted.count


class _Counter:
    """An iterable that counts what passes through it."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[tuple]:
        for row in self.rows:
            self.count += 1
            yield row


def write_xlsx(
    file: IO[bytes],
    columns: list[Column],
    rows: Iterable[tuple],
    *,
    progress: ProgressCallback | None = None,
    progress_every: int = 10_000,
) -> int:
    """Write an XLSX with openpyxl's streaming writer; return the row count.

    A risky text keeps its value but is stored as a text cell with Excel's
    "quote prefix" style, the same as typing ' before it: never a formula.
    """
    converters = [_converter(column, native=True) for column in columns]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([_xlsx_value(sheet, column.header) for column in columns])
    count = 0
    for row in rows:
        sheet.append(
            [
                _xlsx_value(sheet, convert(value))
                for convert, value in zip(converters, row, strict=True)
            ]
        )
        count += 1
        if progress and count % progress_every == 0:
            progress(count)
    workbook.save(file)
    return count


def _xlsx_value(sheet: Any, value: Any) -> Any:
    if isinstance(value, str) and value and is_formula(value):
        cell = WriteOnlyCell(sheet)
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_to_file(
    file: IO[bytes],
    resource: ExportResource,
    queryset: models.QuerySet,
    *,
    file_format: str,
    selected: list[str] | None = None,
    progress: ProgressCallback | None = None,
) -> int:
    """Stream the resource's export of `queryset` into `file`; return the row count."""
    columns = columns_of(resource, selected)
    queryset = resource.filter_export(queryset)
    return WRITERS[file_format](
        file,
        columns,
        stream_rows(queryset, columns),
        progress=progress,
        progress_every=settings.EXPORT_PROGRESS_ROWS,
    )
