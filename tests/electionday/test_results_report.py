"""python manage.py results_report: the exact JSON, the CSV and XLSX rows, the PDF (issue #19)."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from electionday.models import Source
from tests.electionday.pdf_text import pdf_text
from tests.electionday.protocol_helpers import iin, record, station, the_election

pytestmark = pytest.mark.django_db


@pytest.fixture
def election():
    election = the_election()
    differs = station(election, "101", "KZ-35")
    record(differs, reporter_iin=iin(), voters=1500)
    record(differs, kind="official", source=Source.STAFF, voters=1500, invalid=12)
    matches = station(election, "102", "KZ-35")
    record(matches, reporter_iin=iin())
    record(matches, kind="official", source=Source.STAFF)
    error = station(election, "201", "KZ-79")
    record(error, reporter_iin=iin(), invalid=11)
    station(election, "202", "KZ-79")
    return election


def _run(election, fmt, path):
    call_command("results_report", "--election", election.slug, "--format", fmt, "--output", str(path))
    return path.read_bytes()


def test_json_to_stdout_is_exactly_the_issues_report(election, capsys):
    call_command("results_report", "--election", election.slug, "--format", "json", "--output", "-")
    assert json.loads(capsys.readouterr().out) == {
        "election": election.slug,
        "stations_total": 4,
        "stations_reported": 3,
        "totals": {
            "voters": 2500,
            "in_boxes": 1180,
            "invalid": 20,
            "against_all": 60,
            "candidates": {"akhmetov": 600, "bekova": 500},
        },
        "stations": [
            {"number": "101", "status": "differs_from_official", "checks_failed": [], "conflict": False,
             "official_diff": {"invalid": 2}},
            {"number": "102", "status": "matches_official", "checks_failed": [], "conflict": False,
             "official_diff": {}},
            {"number": "201", "status": "arithmetic_error", "checks_failed": ["boxes_balance"], "conflict": False,
             "official_diff": {}},
            {"number": "202", "status": "missing", "checks_failed": [], "conflict": False, "official_diff": {}},
        ],
    }  # fmt: skip


def test_csv_has_a_row_per_station_with_observer_official_and_diff_then_totals(election, tmp_path):
    content = _run(election, "csv", tmp_path / "results.csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    head = rows[0]
    assert head[:5] == ["number", "region", "status", "checks_failed", "conflict"]
    assert head[5:8] == ["voters_observer", "voters_official", "voters_diff"]
    assert head[-3:] == ["c_bekova_observer", "c_bekova_official", "c_bekova_diff"] and len(head) == 5 + 9 * 3
    first = dict(zip(head, rows[1], strict=True))
    assert first["number"] == "101" and first["region"] == "KZ-35" and first["status"] == "differs_from_official"
    assert (first["invalid_observer"], first["invalid_official"], first["invalid_diff"]) == ("10", "12", "2")
    assert first["voters_diff"] == "0" and first["conflict"] == "false"
    error = dict(zip(head, rows[3], strict=True))
    assert error["checks_failed"] == "boxes_balance" and error["invalid_official"] == "" and error["invalid_diff"] == ""
    missing = dict(zip(head, rows[4], strict=True))
    assert missing["status"] == "missing" and missing["voters_observer"] == ""
    totals = dict(zip(head, rows[6], strict=True))
    assert (
        totals["number"] == "totals" and totals["voters_observer"] == "2500" and totals["c_akhmetov_observer"] == "600"
    )
    assert totals["received_observer"] == ""  # only the issue's totals lines are summed
    assert rows[7] == ["stations_total", "4"] and rows[8] == ["stations_reported", "3"]


def test_xlsx_holds_the_same_rows_as_numbers(election, tmp_path):
    content = _run(election, "xlsx", tmp_path / "results.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["number", "region", "status"]
    assert rows[1][:3] == ["101", "KZ-35", "differs_from_official"] and rows[1][5] == 1500
    assert [row[0] for row in rows[1:5]] == ["101", "102", "201", "202"]
    assert rows[-2][:2] == ["stations_total", 4]


def test_pdf_is_russian_by_default_with_grouped_numbers_and_dates(election, tmp_path):
    content = _run(election, "pdf", tmp_path / "results.pdf")
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert election.name in text and "Число избирателей, включённых в списки" in text  # a line label, in Russian
    assert timezone.localdate().strftime("%d.%m.%Y") in text
    assert "2\xa0500" in text or "2 500" in text  # the voters' total, grouped
    assert "KZ-79" in text and "202" in text


def test_pdf_in_english_on_request(election, tmp_path):
    call_command("results_report", "--election", election.slug, "--format", "pdf", "--language", "en",
                 "--output", str(tmp_path / "en.pdf"))  # fmt: skip
    text = pdf_text((tmp_path / "en.pdf").read_bytes())
    assert "Differs from the official protocol" in text and "2,500" in text


def test_an_unknown_election_is_refused():
    with pytest.raises(CommandError, match="No election"):
        call_command("results_report", "--election", "nope", "--format", "json", "--output", "-")
