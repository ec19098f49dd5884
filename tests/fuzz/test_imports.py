"""Every import under malformed CSV: never a server error or a crash; a refused file writes nothing.

Files are generated with missing, extra, repeated and shuffled columns, hostile cells (formulas, control
characters, huge values), huge rows, broken quoting and other encodings than UTF-8.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from donations import services as donation_services
from donations.models import Donation, StatementImport
from donations.parsing import FileRefused, looks_like_formula, parse_statement
from tests.donations import factories as f
from tests.fuzz import tally
from tests.fuzz.conftest import changed, rolled_back, row_counts
from tests.fuzz.strategies import FORMULAS, hostile_text

pytestmark = pytest.mark.django_db

GOOD_STATEMENT_ROW = {
    "date": "2026-05-04",
    "bank_reference": "KZB-000123",
    "amount": "15000.00",
    "currency": "KZT",
    "payer_name": "Иванов Иван",
    "payer_id": "900101300123",
    "payer_kind": "individual",
    "payer_citizenship": "KZ",
    "purpose": "Взнос",
}
GOOD_STATION_ROW = {"number": "101", "region": "KZ-35", "address": "Караганда, ул. Ерубаева, 1", "voters": "1200"}
GOOD_DONOR_ROW = {
    "id": "900101300123",
    "kind": "individual",
    "name": "Иванов Иван",
    "citizenship": "KZ",
    "category": "citizen",
}

cell = st.one_of(hostile_text, st.sampled_from(FORMULAS), st.just("1000.00"), st.just("2026-05-04"))


@st.composite
def csv_files(draw, good_row: dict[str, str]) -> tuple[bytes, list[list[str]] | None]:
    """Return the file and, when it is well-formed UTF-8 CSV, the data rows as written (cut to the header)."""
    columns = list(good_row)
    header = draw(st.permutations(columns))
    header = [name for name in header if draw(st.integers(0, 9)) != 0]  # now and then a column is missing
    header += draw(st.lists(st.sampled_from([*columns, "extra", "", "=cmd|' /C calc'!A0"]), max_size=2))
    rows = []
    for n in range(draw(st.integers(0, 6))):
        row = [good_row.get(name, "x") for name in header]
        for index in draw(st.lists(st.integers(0, len(row) - 1), max_size=3)) if row else []:
            row[index] = draw(cell)
        if "bank_reference" in header:
            row[header.index("bank_reference")] = f"{row[header.index('bank_reference')]}-{n}"
        row = row[: draw(st.integers(0, len(row)))] if draw(st.integers(0, 7)) == 0 else row  # a short row
        row += draw(st.lists(cell, max_size=2)) if draw(st.integers(0, 7)) == 0 else []  # a long row
        rows.append(row)
    if draw(st.integers(0, 15)) == 0:  # a huge row
        rows.append([good_row.get(name, "x") * draw(st.sampled_from([1_000, 200_000])) for name in header])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "cp1251", "utf-16", "latin-1"]))
    mangle = draw(st.sampled_from(["none", "none", "none", "quotes", "truncate", "garbage"]))
    content = text.encode(encoding, errors="replace")
    if mangle == "quotes":
        content = content.replace(b",", b',"', 1)
    elif mangle == "truncate":
        content = content[: draw(st.integers(0, len(content)))]
    elif mangle == "garbage":
        content += draw(st.binary(min_size=1, max_size=50))
    clean = encoding in ("utf-8", "utf-8-sig") and mangle == "none"
    width = len(header)
    return content, [row[:width] for row in rows] if clean else None


def _has_formula(rows) -> bool:
    return any(looks_like_formula(value.strip()) for row in rows for value in row if isinstance(value, str))


# --- Bank statements (upload page, then the import task) -----------------------------------------------------------


@pytest.fixture
def finance(client_for, finance_officer):
    election = f.election()
    return election, client_for(finance_officer)


@given(data=csv_files(GOOD_STATEMENT_ROW), name=st.sampled_from(["statement.csv", "выписка.csv", "x.exe", "a" * 300]))
def test_bank_statement_upload_and_import_never_crash(finance, data, name):
    election, client = finance
    content, rows = data
    with rolled_back():
        before = row_counts()

        def upload_and_import():
            response = client.post(f"/donations/{election.slug}/import/", {"file": SimpleUploadedFile(name, content)})
            if response.status_code == 302:
                statement = StatementImport.objects.latest("pk")
                donation_services.run_statement_import(statement_id=statement.pk)  # what the queued task does
            return response

        response = tally.run("import: bank statement", upload_and_import)
        assert response.status_code in (200, 302, 413)
        if response.status_code == 413:  # over the upload's 21 MB request budget: refused before the body was read
            assert len(content) > 21 * 1024 * 1024 - 4096
            assert changed(before, row_counts()) == {}
            return
        if response.status_code == 200:  # refused as a whole: a clear error on the form, nothing written
            assert response.context["form"].errors["file"]
            assert changed(before, row_counts()) == {}
            return
        statement = StatementImport.objects.latest("pk")
        assert statement.status == StatementImport.Status.DONE, statement.errors
        parsed = parse_statement(content)
        assert Donation.objects.filter(statement=statement).count() == len({row.bank_reference for row in parsed.rows})
        assert len(statement.errors) == len(parsed.errors)
        if rows is not None:
            assert not _has_formula(rows), "a file with a formula in a cell was accepted"


# --- Donor registry (management command / service) -----------------------------------------------------------------


@given(data=csv_files(GOOD_DONOR_ROW))
def test_donor_registry_import_never_crashes(data):
    content, rows = data
    with rolled_back():
        before = row_counts()

        def run():
            try:
                return donation_services.import_donors(content=content)
            except FileRefused as exc:
                return exc

        result = tally.run("import: donor registry", run)
        if isinstance(result, FileRefused):
            assert str(result) and result.code
            assert changed(before, row_counts()) == {}
        elif rows is not None:
            assert not _has_formula(rows), "a file with a formula in a cell was accepted"


# --- Polling stations (the stations page) --------------------------------------------------------------------------


@given(data=csv_files(GOOD_STATION_ROW))
def test_polling_station_import_never_errors(client_for, superuser, data):
    """Upload, preview and confirm: never a server error; a refused file or a preview with refused lines writes
    nothing."""
    from tests.events.factories import stations_election

    content, rows = data
    stations_election()  # stations belong to an election (issue #18): the form's default one
    client = client_for(superuser)
    with rolled_back():
        before = row_counts()
        response = tally.run(
            "import: polling stations",
            lambda: client.post("/events/stations/", {"file": SimpleUploadedFile("stations.csv", content)}),
        )
        assert response.status_code in (200, 302, 413)
        if response.status_code == 413:  # over the upload's request budget: refused before the body was read
            assert len(content) > 10 * 1024 * 1024 - 4096  # only a body near the budget's 10 MB
            assert changed(before, row_counts()) == {}
            return
        if response.status_code == 200:  # refused: said so, and nothing written
            said = [m for m in response.context["messages"] if m.level_tag == "error"]
            assert said or response.context["import_form"].errors
            assert changed(before, row_counts()) == {}
            return
        preview_url = response["Location"]
        preview = tally.run("import: polling stations (preview)", lambda: client.get(preview_url))
        assert preview.status_code == 200
        assert changed(before, row_counts()) == {}  # a dry run
        plan, upload = preview.context["plan"], preview.context["upload"]
        confirm = tally.run(
            "import: polling stations (confirm)",
            lambda: client.post(f"{preview_url}confirm/", {"sha256": upload.sha256, "digest": plan.digest}),
        )
        assert confirm.status_code == 302
        if not plan.can_apply:  # refused lines (or nothing new): refused on confirm, nothing written
            assert changed(before, row_counts()) == {}
        else:
            assert changed(before, row_counts())
            if rows is not None:
                assert not _has_formula(rows), "a file with a formula in a cell was accepted"
