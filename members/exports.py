"""CSV and XLSX exports of the staff organization list, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils.translation import gettext as _

from members.models import Organization

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> object:
    """Return ``value`` with a leading quote if a spreadsheet would read it as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def header() -> list[str]:
    return [
        _("Application number"),
        _("Full name (Russian)"),
        _("Short name"),
        _("BIN"),
        _("Legal form"),
        _("Region"),
        _("Status"),
        _("Joined on"),
        _("Applied at"),
        _("Address"),
        _("Phone"),
        _("Email"),
        _("Website"),
        _("Head"),
        _("Declared number of members"),
    ]


def row(org: Organization) -> list:
    return [
        org.application_number,
        org.name_ru,
        org.short_name,
        org.bin,
        org.get_kind_display(),
        org.region.name,
        org.get_status_display(),
        org.joined_on.isoformat() if org.joined_on else "",
        org.created_at.strftime("%Y-%m-%d %H:%M"),
        org.address,
        str(org.phone or ""),
        org.email,
        org.website,
        " — ".join(filter(None, [org.head_name, org.head_title])),
        org.declared_members if org.declared_members is not None else "",
    ]


def rows(organizations: Iterable[Organization]) -> Iterable[list]:
    yield header()
    for org in organizations:
        yield [neutralise(value) for value in row(org)]


def as_csv(organizations: Iterable[Organization], filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response.write("\ufeff")  # a BOM, so spreadsheet programs read the Cyrillic as UTF-8
    writer = csv.writer(response)
    writer.writerows(rows(organizations))
    return response


def as_xlsx(organizations: Iterable[Organization], filename: str) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Organizations")[:31])
    for values in rows(organizations):
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
