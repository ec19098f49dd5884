"""Spreadsheet files the coalition hands out (CSV and XLSX), safe to open in Excel or LibreOffice.

One rule for every export and every import check (CSV/formula injection): a text cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return would be run as a formula, so it gets a leading apostrophe — except a plain
number (``-1``, ``-1500.00``, ``42``), which a spreadsheet reads as a number and never runs. ``+7`` is not a plain
number (phone numbers start with it) and is quoted.

Numbers, Decimals, dates and datetimes are written as typed values in XLSX (never as text); in CSV they are written
in a fixed form (ISO dates unless the caller asks for another). CSV files start with a UTF-8 byte order mark so Excel
reads Cyrillic and Kazakh letters, and are comma-separated like every export before this module.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import re
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# ASCII digits only: "-٣" (an Arabic-Indic digit) is not a number to Excel, it is a formula.
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?", re.ASCII)
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_CELL = 32767  # Excel refuses longer cells
# Characters XML 1.0 (and so XLSX) cannot hold; openpyxl raises on them.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Cell = object
Row = Iterable[Cell]


def is_plain_number(text: str) -> bool:
    """Return whether ``text`` is an optionally negative decimal number, such as ``-1500.00``."""
    return PLAIN_NUMBER.fullmatch(text) is not None


def looks_like_formula(text: str) -> bool:
    """Return whether a spreadsheet would run ``text`` as a formula (and it is not a plain number)."""
    return text.startswith(FORMULA_PREFIXES) and not is_plain_number(text)


def neutralise(value: Cell) -> Cell:
    """Return ``value`` with a leading apostrophe if a spreadsheet would run it as a formula, else ``value``."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def _typed(value: Cell) -> Cell:
    """Return the value a cell should hold: a number, date or datetime as itself, anything else as neutralised text."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float | Decimal):
        return value if (value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)) else str(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, datetime.date | datetime.time):
        return value
    return neutralise(str(value))


def _csv_cell(value: Cell, date_format: str, datetime_format: str) -> str:
    value = _typed(value)
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime(datetime_format)
    if isinstance(value, datetime.date):
        return value.strftime(date_format)
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    return str(value)


def csv_bytes(
    rows: Iterable[Row],
    *,
    delimiter: str = ",",
    date_format: str = "%Y-%m-%d",
    datetime_format: str = "%Y-%m-%d %H:%M",
) -> bytes:
    """Return ``rows`` as CSV in UTF-8 with a byte order mark, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in rows:
        writer.writerow([_csv_cell(value, date_format, datetime_format) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode()


def _xlsx_cell(sheet, value: Cell, date_format: str, datetime_format: str):
    value = _typed(value)
    if isinstance(value, str):
        # Strip what XML cannot hold *before* neutralising again: "\x01=1" must not become "=1".
        value = neutralise(_XML_ILLEGAL.sub("", value)[:XLSX_MAX_CELL])
    # openpyxl also writes Decimal, date and time (its stub lists only str, float and datetime).
    cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
    if isinstance(value, datetime.datetime):
        cell.number_format = datetime_format
    elif isinstance(value, datetime.date):
        cell.number_format = date_format
    return cell


def xlsx_bytes(
    rows: Iterable[Row],
    *,
    title: str = "Sheet",
    date_format: str = "yyyy-mm-dd",
    datetime_format: str = "yyyy-mm-dd hh:mm",
) -> bytes:
    """Return ``rows`` as a one-sheet XLSX workbook (openpyxl write-only), every text cell neutralised."""
    workbook = Workbook(write_only=True)
    # Sheet titles: at most 31 characters, none of []:*?/\ .
    sheet = workbook.create_sheet(title=re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31] or "Sheet")
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value, date_format, datetime_format) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_sheets_bytes(sheets: Iterable[tuple[str, Iterable[Row]]]) -> bytes:
    """Return an XLSX workbook of several named sheets (such as an XLSForm's), every text cell neutralised."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title=re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31] or "Sheet")
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value, "yyyy-mm-dd", "yyyy-mm-dd hh:mm") for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response


def csv_response(rows: Iterable[Row], filename: str, **options) -> HttpResponse:
    """Return a download of ``rows`` as ``filename`` (with its .csv); options as for csv_bytes()."""
    return _attachment(HttpResponse(csv_bytes(rows, **options), content_type=CSV_CONTENT_TYPE), filename)


def xlsx_response(rows: Iterable[Row], filename: str, **options) -> HttpResponse:
    """Return a download of ``rows`` as ``filename`` (with its .xlsx); options as for xlsx_bytes()."""
    return _attachment(HttpResponse(xlsx_bytes(rows, **options), content_type=XLSX_CONTENT_TYPE), filename)


def response(fmt: str, rows: Iterable[Row], stem: str, *, title: str = "Sheet", **formats) -> HttpResponse:
    """Return ``rows`` as a ``fmt`` ("csv" or "xlsx") download named ``stem``.csv/.xlsx.

    ``formats`` may hold ``csv_date``/``csv_datetime`` (strftime) and ``xlsx_date``/``xlsx_datetime`` (Excel number
    formats) for the way dates are shown.
    """
    if fmt == "xlsx":
        options = {key[5:] + "_format": value for key, value in formats.items() if key.startswith("xlsx_")}
        return xlsx_response(rows, f"{stem}.xlsx", title=title, **options)
    if fmt == "csv":
        options = {key[4:] + "_format": value for key, value in formats.items() if key.startswith("csv_")}
        return csv_response(rows, f"{stem}.csv", **options)
    raise ValueError(f"Unknown spreadsheet format: {fmt}")
