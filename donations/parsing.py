"""Parsing files from outside: the bank statement and the donor registry (CSV), and the election file (JSON).

Parsing is kept apart from the services so it can be tested on bytes alone. A file-level problem (not UTF-8, a
missing column in the header, a spreadsheet formula in a cell) refuses the whole file: nothing is written. A
row-level problem (another currency, a bad date or amount, a short row) refuses that row with its line number;
the good rows are still imported.

Bank statement format (UTF-8, comma-separated, a header row)::

    date,bank_reference,amount,currency,payer_name,payer_id,payer_kind,payer_citizenship,purpose
    2026-05-04,KZB-000123,150000.00,KZT,Иванов Иван,900101300123,individual,KZ,Взнос EF-7K3M9Q2P
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from coalition.identifiers import is_valid_bin, is_valid_iin
from coalition.spreadsheets import looks_like_formula
from coalition.uploads import NotText, csv_text

STATEMENT_COLUMNS = (
    "date",
    "bank_reference",
    "amount",
    "currency",
    "payer_name",
    "payer_id",
    "payer_kind",
    "payer_citizenship",
    "purpose",
)
DONOR_COLUMNS = ("id", "kind", "name", "citizenship", "category")
_AMOUNT = re.compile(r"^\d{1,16}(\.\d{1,2})?$")


class FileRefused(Exception):
    """The file as a whole cannot be read; nothing was imported. ``code`` says why, whatever the language."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class StatementRow:
    line: int
    received_on: date
    bank_reference: str
    amount: Decimal
    currency: str
    payer_name: str
    payer_id: str
    payer_kind: str
    payer_citizenship: str
    purpose: str


@dataclass
class ParsedFile:
    rows: list = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"line": n, "error": text}
    read: int = 0


def _decode(content: bytes) -> str:
    """Return the file as text, judged by its content: an image, archive or program renamed .csv is refused."""
    try:
        return csv_text(content)
    except NotText as exc:
        raise FileRefused(str(exc), code=exc.code) from exc


def _reader(content: bytes, columns: tuple[str, ...]) -> csv.DictReader:
    text = _decode(content)
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey="_extra")
    try:
        # An unnamed column (",," in the header) gets a name of its own, so its cells are read and checked too:
        # under one shared empty name each row would keep only the last of them.
        header = [name.strip() or f"_unnamed_{i}" for i, name in enumerate(reader.fieldnames or [])]
    except csv.Error as exc:  # a broken quote in the header running into a field over the csv module's limit
        raise FileRefused(_("The file is not valid CSV: %(error)s") % {"error": exc}, code="csv") from exc
    twice = sorted(name for name, count in Counter(header).items() if name and count > 1)
    if twice:
        # Only one of the two columns would be read and the other silently dropped (with whatever it holds).
        raise FileRefused(
            _("Columns appear twice in the header: %(columns)s.") % {"columns": ", ".join(twice)}, code="columns"
        )
    missing = [name for name in columns if name not in header]
    if missing:
        raise FileRefused(
            _("Columns missing from the header: %(columns)s.") % {"columns": ", ".join(missing)}, code="columns"
        )
    reader.fieldnames = header
    return reader


def _records(reader: csv.DictReader, parsed: ParsedFile) -> list[tuple[int, dict]]:
    """Return (line, record) for each data row; refuse the file if any cell is a formula."""
    records = []
    try:
        for record in reader:
            line = reader.line_num
            parsed.read += 1
            for value in [*(v for k, v in record.items() if k != "_extra" and isinstance(v, str))]:
                if looks_like_formula(value.strip()):
                    raise FileRefused(
                        _("Line %(line)d holds a spreadsheet formula; the file was refused.") % {"line": line},
                        code="formula",
                    )
            records.append((line, record))
    except csv.Error as exc:
        raise FileRefused(_("The file is not valid CSV: %(error)s") % {"error": exc}, code="csv") from exc
    return records


def parse_statement(content: bytes) -> ParsedFile:
    """Parse a bank statement; raise FileRefused for a file-level problem."""
    parsed = ParsedFile()
    reader = _reader(content, STATEMENT_COLUMNS)
    for line, record in _records(reader, parsed):
        if any(record.get(name) is None for name in STATEMENT_COLUMNS):
            parsed.errors.append({"line": line, "error": _("Columns are missing in this row.")})
            continue
        values = {name: record[name].strip() for name in STATEMENT_COLUMNS}
        error = _row_error(values)
        if error:
            parsed.errors.append({"line": line, "error": error})
            continue
        parsed.rows.append(
            StatementRow(
                line=line,
                received_on=date.fromisoformat(values["date"]),
                bank_reference=values["bank_reference"],
                amount=Decimal(values["amount"]),
                currency=values["currency"].upper(),
                payer_name=values["payer_name"][:300],
                payer_id=values["payer_id"][:32],
                payer_kind=values["payer_kind"].lower(),
                payer_citizenship=values["payer_citizenship"].upper() or "KZ",  # two letters or STATELESS
                purpose=values["purpose"][:500],
            )
        )
    return parsed


def _row_error(values: dict[str, str]) -> str | None:
    if not values["bank_reference"]:
        return _("The bank reference is empty.")
    if len(values["bank_reference"]) > 64:
        return _("The bank reference is longer than 64 characters.")
    if values["currency"].upper() != "KZT":
        return _("The currency is %(currency)s, not KZT: convert it at the bank first.") % {
            "currency": values["currency"] or "—"
        }
    try:
        date.fromisoformat(values["date"])
    except ValueError:
        return _("The date %(value)s is not a date in YYYY-MM-DD form.") % {"value": values["date"] or "—"}
    if not _AMOUNT.match(values["amount"]):
        return _("The amount %(value)s is not a number with a dot and at most two decimals.") % {
            "value": values["amount"] or "—"
        }
    try:
        if Decimal(values["amount"]) <= 0:
            return _("The amount must be positive.")
    except InvalidOperation:
        return _("The amount is not a number.")
    if values["payer_kind"].lower() not in ("", "individual", "organization"):
        return _('The payer kind must be "individual", "organization" or empty.')
    citizenship = values["payer_citizenship"].upper()
    if citizenship and citizenship != "STATELESS" and not re.fullmatch(r"[A-Z]{2}", citizenship):
        return _("The citizenship must be a two-letter code or stateless.")
    return None


@dataclass(frozen=True)
class DonorRow:
    line: int
    identifier: str
    kind: str
    name: str
    citizenship: str
    category: str
    employer: str | None = None  # None: the file has no employer column (the registry's value is kept)


def parse_donors(content: bytes, categories: set[str]) -> ParsedFile:
    """Parse a donor registry file (header ``id,kind,name,citizenship,category``, optionally ``employer``)."""
    parsed = ParsedFile()
    reader = _reader(content, DONOR_COLUMNS)
    for line, record in _records(reader, parsed):
        if any(record.get(name) is None for name in DONOR_COLUMNS):
            parsed.errors.append({"line": line, "error": _("Columns are missing in this row.")})
            continue
        values = {name: record[name].strip() for name in DONOR_COLUMNS}
        kind = values["kind"].lower()
        if kind not in ("individual", "organization"):
            parsed.errors.append({"line": line, "error": _('The kind must be "individual" or "organization".')})
            continue
        valid = is_valid_iin if kind == "individual" else is_valid_bin
        if not valid(values["id"]):
            parsed.errors.append({"line": line, "error": _("The IIN/BIN %(id)s is not valid.") % {"id": values["id"]}})
            continue
        if values["category"] not in categories:
            parsed.errors.append(
                {"line": line, "error": _("Unknown category %(code)s.") % {"code": values["category"] or "—"}}
            )
            continue
        if not values["name"]:
            parsed.errors.append({"line": line, "error": _("The name is empty.")})
            continue
        citizenship = values["citizenship"].upper() or "KZ"
        if citizenship != "STATELESS" and not re.fullmatch(r"[A-Z]{2}", citizenship):
            parsed.errors.append({"line": line, "error": _("The citizenship must be a two-letter code or stateless.")})
            continue
        parsed.rows.append(
            DonorRow(
                line=line,
                identifier=values["id"],
                kind=kind,
                name=values["name"][:300],
                citizenship="stateless" if citizenship == "STATELESS" else citizenship,
                category=values["category"],
                employer=None if record.get("employer") is None else record["employer"].strip()[:300],
            )
        )
    return parsed
