"""Stand-in for ``coalition.spreadsheets.response`` until the coalition-wide helper lands (same signature).

Delete this module and import ``coalition.spreadsheets`` in ``events/exports.py`` when it is on main.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Return ``value`` with a leading apostrophe if a spreadsheet would run it as a formula."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not re.fullmatch(r"-?\d+(\.\d+)?", value):
        return "'" + value
    return value


def _typed(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    if value is None or isinstance(value, int | float | datetime.date):
        return value
    return neutralise(str(value))


def response(fmt: str, rows: Iterable[list], stem: str, *, title: str = "Sheet", **formats) -> HttpResponse:
    rows = [[_typed(value) for value in row] for row in rows]
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31] or "Sheet")
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        result = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow(
                [
                    ""
                    if v is None
                    else v.strftime(formats.get("csv_datetime", "%Y-%m-%d %H:%M"))
                    if isinstance(v, datetime.datetime)
                    else v.strftime(formats.get("csv_date", "%Y-%m-%d"))
                    if isinstance(v, datetime.date)
                    else v
                    for v in row
                ]
            )
        result = HttpResponse(("\ufeff" + buffer.getvalue()).encode(), content_type="text/csv; charset=utf-8")
    else:
        raise ValueError(f"Unknown spreadsheet format: {fmt}")
    result["Content-Disposition"] = f'attachment; filename="{re.sub(r"[^A-Za-z0-9._-]", "_", stem)}.{fmt}"'
    return result
