"""Step 1 of the people import: turn the uploaded bytes into rows of text, or refuse the whole file.

Nothing here touches the database. A file is refused (:class:`FileRefused`) when it is not text, an Excel workbook,
an encoding other than UTF-8 (with or without BOM) or cp1251, too big, has missing or repeated columns, too many rows
or a line too long. Problems of a single row (a cell too many) are kept with its line for the plan to report.
"""

from __future__ import annotations

import csv
import io
from _csv import Reader
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from coalition.uploads import binary_kind

# The columns in the order of the template; `required` ones must be in the header.
COLUMNS = (
    "iin",
    "last_name",
    "first_name",
    "patronymic",
    "phone",
    "email",
    "organization",
    "role",
    "position",
    "consent",
    "consent_date",
)
REQUIRED_COLUMNS = ("iin", "last_name", "first_name", "consent", "consent_date")
# Header names offices write in Russian or Kazakh, mapped to the column codes.
HEADER_ALIASES = {
    "иин": "iin",
    "жсн": "iin",
    "фамилия": "last_name",
    "тегі": "last_name",
    "имя": "first_name",
    "аты": "first_name",
    "отчество": "patronymic",
    "әкесінің аты": "patronymic",
    "телефон": "phone",
    "e-mail": "email",
    "эл. почта": "email",
    "электронная почта": "email",
    "организация": "organization",
    "ұйым": "organization",
    "бин": "organization",
    "роль": "role",
    "рөлі": "role",
    "должность": "position",
    "лауазымы": "position",
    "согласие": "consent",
    "келісім": "consent",
    "дата согласия": "consent_date",
    "келісім күні": "consent_date",
}


class FileRefused(Exception):
    """The file as a whole cannot be read; nothing was written. ``code`` says why, whatever the language."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class ParsedFile:
    encoding: str
    delimiter: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (line, {column: text})
    row_errors: dict[int, list[str]] = field(default_factory=dict)  # line -> problems found while reading
    ignored_columns: list[str] = field(default_factory=list)


def read_file(content: bytes) -> ParsedFile:
    """Return the file's rows, or raise FileRefused for a file-level problem."""
    _check_size(content)
    text, encoding = _decode(content)
    if not text.strip():
        raise FileRefused(_("The file is empty."), code="empty")
    _check_line_lengths(text)
    first = text.lstrip("\ufeff").splitlines()[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = _read_header(next(reader))
        parsed = ParsedFile(
            encoding=encoding,
            delimiter=delimiter,
            ignored_columns=[name for name in header if name not in COLUMNS],
        )
        for line, cells in _lines(reader):
            _add_row(parsed, line, header, cells)
    except csv.Error as exc:
        raise FileRefused(
            _("The file is not valid CSV near line %(line)d: %(error)s") % {"line": reader.line_num, "error": exc},
            code="csv",
        ) from exc
    if not parsed.rows:
        raise FileRefused(_("The file has a header but no rows of people."), code="empty")
    return parsed


def _check_size(content: bytes) -> None:
    if len(content) > settings.PEOPLE_IMPORT_MAX_BYTES:
        raise FileRefused(
            _("The file is larger than %(size)d KB: split it into smaller files.")
            % {"size": settings.PEOPLE_IMPORT_MAX_BYTES // 1024},
            code="size",
        )


def _decode(content: bytes) -> tuple[str, str]:
    """Return (text, encoding): UTF-8 (a BOM is dropped), else cp1251, else refuse."""
    _refuse_binary(content)
    try:
        return content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1251"), "cp1251"
    except UnicodeDecodeError as exc:
        raise FileRefused(
            _("The file is neither UTF-8 nor Windows-1251 text: save it as CSV UTF-8 and upload it again."),
            code="encoding",
        ) from exc


def _refuse_binary(content: bytes) -> None:
    """Refuse a workbook, a known binary kind (judged by content, not name) or UTF-16 text."""
    if content.startswith(b"PK\x03\x04"):
        raise FileRefused(
            _("This is an Excel workbook, not a CSV file: in Excel choose Save as → CSV UTF-8 and upload that."),
            code="xlsx",
        )
    kind = binary_kind(content)  # by content, not name: an image, PDF, archive or program renamed .csv
    if kind is not None:
        raise FileRefused(
            _("The file is %(kind)s, not a CSV text file: export the table as CSV UTF-8 and upload that.")
            % {"kind": kind},
            code="binary",
        )
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in content:
        raise FileRefused(
            _("The file is not CSV text (it holds binary data or UTF-16): save it as CSV UTF-8 and upload it again."),
            code="binary",
        )


def _check_line_lengths(text: str) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > settings.PEOPLE_IMPORT_MAX_LINE:
            raise FileRefused(
                _("Line %(line)d is longer than %(limit)d characters: is this the right file?")
                % {"line": number, "limit": settings.PEOPLE_IMPORT_MAX_LINE},
                code="line_length",
            )


def _header_name(name: str) -> str:
    key = name.strip().strip("\ufeff").strip().lower().replace("ё", "е")
    return HEADER_ALIASES.get(key, key.replace(" ", "_"))


def _read_header(cells: list[str]) -> list[str]:
    """Return the column codes of the header line, or refuse a header with repeated or missing columns."""
    header = [_header_name(name) for name in cells]
    duplicated = sorted(name for name, count in Counter(header).items() if name and count > 1)
    if duplicated:
        raise FileRefused(
            _("Columns appear twice in the header: %(columns)s.") % {"columns": ", ".join(duplicated)},
            code="columns",
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise FileRefused(
            _("Columns missing from the header: %(columns)s. The first line must name the columns (%(all)s).")
            % {"columns": ", ".join(missing), "all": ", ".join(COLUMNS)},
            code="columns",
        )
    return header


def _lines(reader: Reader) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, cells) of each non-blank line after the header, refusing a file of too many rows."""
    count = 0
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if count >= settings.PEOPLE_IMPORT_MAX_ROWS:
            raise FileRefused(
                _("The file has more than %(limit)d rows: split it into smaller files.")
                % {"limit": settings.PEOPLE_IMPORT_MAX_ROWS},
                code="rows",
            )
        count += 1
        yield reader.line_num, cells


def _add_row(parsed: ParsedFile, line: int, header: list[str], cells: list[str]) -> None:
    """Add one line's cells under their column codes (unknown columns dropped, missing ones empty)."""
    if any(cell.strip() for cell in cells[len(header) :]):
        parsed.row_errors[line] = [
            _("The row has %(cells)d cells but the header %(columns)d columns (a separator inside a name?).")
            % {"cells": len(cells), "columns": len(header)}
        ]
    values = {name: cells[i].strip() if i < len(cells) else "" for i, name in enumerate(header) if name}
    parsed.rows.append((line, {name: values.get(name, "") for name in COLUMNS}))
