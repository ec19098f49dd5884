"""Bulk import of people from a CSV file: read it, preview what it would do (a dry run), then apply it whole.

Three steps, each its own module:

1. :mod:`.reading` — :func:`read_file` turns the bytes into rows or refuses the whole file (:class:`FileRefused`):
   not text, an Excel workbook, an encoding other than UTF-8 (with or without BOM) or cp1251, missing columns, too
   many rows, a line too long. Nothing is written for a refused file.
2. :mod:`.rows` and :mod:`.planning` — :func:`plan` checks each row's cells (no database), then compares it with
   the database: *new* person, *update* of the person with that IIN (which fields), *unchanged*, *duplicate* of an
   earlier line of the file, or *error* (the reasons). Rows are checked against the database in a few queries
   whatever the file's size. The plan has a digest.
3. :mod:`.applying` — :func:`store_upload` keeps the file for its preview; :func:`apply_import` re-reads the stored
   file, re-plans it inside one transaction with the people locked, and applies it only if the plan's digest is
   still the one the user previewed and no row has an error: all rows or none, written in bulk. One audit entry
   records the file and every person it created or changed.

Cells are text and stay text: a cell such as ``=cmd|' /C calc'!A0`` is stored as typed (never evaluated), flagged in
the preview, and neutralised in every export (coalition.spreadsheets).
"""

from __future__ import annotations

from coalition import audit
from members.people_import.applying import (
    IMPORT_CONSENT_TEXT,
    ImportRefused,
    apply_import,
    preview,
    preview_expired,
    store_upload,
)
from members.people_import.planning import Plan, plan
from members.people_import.reading import COLUMNS, REQUIRED_COLUMNS, FileRefused, ParsedFile, read_file
from members.people_import.rows import RowPlan

__all__ = [
    "COLUMNS",
    "IMPORT_CONSENT_TEXT",
    "REQUIRED_COLUMNS",
    "FileRefused",
    "ImportRefused",
    "ParsedFile",
    "Plan",
    "RowPlan",
    "apply_import",
    "audit",  # the audit log the import writes to (tests make it fail to show the import writes nothing then)
    "plan",
    "preview",
    "preview_expired",
    "read_file",
    "store_upload",
    "template_rows",
]


def template_rows() -> list[list[str]]:
    """Return the rows of the downloadable template: the header only (an example row could be imported by mistake)."""
    return [list(COLUMNS)]
