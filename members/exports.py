"""CSV and XLSX exports of the staff organization list, safe to open in a spreadsheet (coalition.spreadsheets)."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpResponse
from django.utils.translation import gettext as _

from coalition import spreadsheets
from coalition.spreadsheets import neutralise
from members.models import Organization

__all__ = ["as_csv", "as_xlsx", "header", "neutralise", "row", "rows"]


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
        org.joined_on,
        org.created_at,
        org.address,
        str(org.phone or ""),
        org.email,
        org.website,
        " — ".join(filter(None, [org.head_name, org.head_title])),
        org.declared_members,
    ]


def rows(organizations: Iterable[Organization]) -> Iterable[list]:
    yield header()
    for org in organizations:
        yield row(org)


def as_csv(organizations: Iterable[Organization], filename: str) -> HttpResponse:
    return spreadsheets.csv_response(rows(organizations), f"{filename}.csv")


def as_xlsx(organizations: Iterable[Organization], filename: str) -> HttpResponse:
    return spreadsheets.xlsx_response(rows(organizations), f"{filename}.xlsx", title=_("Organizations"))
