"""Compliance reports in four formats, the disclosure dataset, and the daily Celery jobs."""

import csv
import hashlib
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from coalition.models import OutboundMessage
from donations import reports, services
from donations.models import ComplianceReport, Refund
from tests.donations import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def election():
    election = f.election(cap_donations_mzp=Decimal("0.1"))  # 8,500 ₸
    services.record_donation(election=election, incoming=f.incoming(amount="8000", reference="R-1"))
    services.record_donation(
        election=election, incoming=f.incoming(amount="1000", reference="R-2", name="=HYPERLINK()")
    )
    services.record_donation(election=election, incoming=f.incoming(amount="300", payer_id="", reference="=cmd|x"))
    return election


def test_json_report_contents(election):
    data = json.loads(reports.render(reports.compliance_data(election), "json"))
    assert data["election"] == election.slug and data["rule_version"] == 1
    assert data["totals"] == {
        "received": "9300.00",
        "accepted": "8500.00",
        "returned": "500.00",
        "to_budget": "300.00",
        "held": "0.00",
    }
    assert data["caps"]["donations"] == {"cap": "8500.00", "used": "8500.00", "left": "0.00"}
    partial = next(d for d in data["donations"] if d["bank_reference"] == "R-2")
    assert partial == {
        "bank_reference": "R-2",
        "date": "2026-05-10",
        "amount": "1000.00",
        "source": "donations",
        "verdict": "partially_accepted",
        "accepted_amount": "500.00",
        "reasons": ["over_cap_donations"],
    }


def test_fast_json_report_equals_the_reference_rendering(election):
    """compliance_json (lines built by PostgreSQL) says exactly what render(compliance_data(...)) says."""
    services.record_donation(election=election, incoming=f.incoming(amount="12.5", reference="R-3"))
    reference = json.loads(reports.render(reports.compliance_data(election), "json"))
    fast = json.loads(reports.compliance_json(election))
    reference.pop("generated_at"), fast.pop("generated_at")
    assert fast == reference
    assert [d["bank_reference"] for d in fast["donations"]] == ["R-1", "R-2", "=cmd|x", "R-3"]
    assert fast["donations"][3]["amount"] == "12.50"


def test_fast_json_report_of_an_empty_fund():
    data = json.loads(reports.compliance_json(f.election()))
    assert data["donations"] == [] and data["totals"]["received"] == "0.00"


def test_csv_report_neutralises_formulas(election):
    content = reports.render(reports.compliance_data(election), "csv").decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(content)) for cell in row]
    assert "'=cmd|x" in cells and "=cmd|x" not in cells
    assert "8500.00" in cells


def test_xlsx_report_opens_with_the_same_rows(election):
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(reports.render(reports.compliance_data(election), "xlsx"))).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert "R-1" in values and "'=cmd|x" in values


def test_pdf_report_renders_cyrillic(election):
    pdf = reports.render(reports.compliance_data(election), "pdf")
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000


def test_command_writes_each_format(election, tmp_path):
    for fmt in reports.FORMATS:
        path = tmp_path / f"r.{fmt}"
        call_command("compliance_report", "--election", election.slug, "--format", fmt, "--output", str(path))
        assert path.stat().st_size > 0
    out = io.StringIO()
    call_command("compliance_report", "--election", election.slug, "--format", "json", "--output", "-", stdout=out)
    assert json.loads(out.getvalue())["totals"]["accepted"] == "8500.00"


def test_disclosure_dataset_has_totals_by_source_and_no_personal_data(election):
    content = reports.disclosure_csv(election).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == ["election", "source", "donations", "received", "accepted"]
    assert ["president-2026", "total", "3", "9300.00", "8500.00"] in rows
    assert "Иванов" not in content


def test_daily_reports_filed_once_with_hashes_and_emailed(election, finance_officer, auditor):
    filed = services.file_daily_reports(today=date(2026, 5, 11))
    assert sorted(r.format for r in filed) == sorted(reports.FORMATS)
    for report in filed:
        assert report.sha256 == hashlib.sha256(bytes(report.content)).hexdigest()
    assert services.file_daily_reports(today=date(2026, 5, 11)) == []
    assert ComplianceReport.objects.count() == 4
    keys = set(OutboundMessage.objects.values_list("recipient", flat=True))
    assert keys == {finance_officer.email, auditor.email}
    assert OutboundMessage.objects.count() == 2


def test_deadline_alerts_once_per_item_per_day(election, finance_officer, auditor):
    refunds = list(Refund.objects.order_by("pk"))
    assert len(refunds) == 2
    today = date(2026, 5, 10)  # the payments arrived today; returns are due on 20 May
    assert services.send_deadline_alerts(today=today) == 0  # due in 10 days: too early
    assert services.send_deadline_alerts(today=today + timedelta(days=8)) == 2
    assert services.send_deadline_alerts(today=today + timedelta(days=8)) == 0
    assert services.send_deadline_alerts(today=today + timedelta(days=11)) == 2  # overdue, a new day
    messages = OutboundMessage.objects.filter(recipient=finance_officer.email)
    assert messages.count() == 4 and not OutboundMessage.objects.filter(recipient=auditor.email).exists()
    assert any("просрочен" in m.subject.lower() or "overdue" in m.subject.lower() for m in messages)
    services.record_refund_payment(
        refund=refunds[0], paid_on=today, bank_reference="RET-1", recorded_by=finance_officer
    )
    assert services.send_deadline_alerts(today=today + timedelta(days=12)) == 1


def test_auditor_pack_zips_the_filed_reports_with_a_manifest(election, client_for, auditor, staff_user):
    import zipfile

    from django.urls import reverse

    services.file_daily_reports(today=date(2026, 5, 11))
    url = reverse("donations:auditor_pack", args=[election.slug, "2026-05-11"])
    assert client_for(staff_user).get(url).status_code == 403
    response = client_for(auditor).get(url)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert len(manifest["files"]) == 4 and all(item["verified"] for item in manifest["files"])
    for item in manifest["files"]:
        assert hashlib.sha256(archive.read(item["name"])).hexdigest() == item["sha256"]
    assert (
        client_for(auditor).get(reverse("donations:auditor_pack", args=[election.slug, "2026-05-12"])).status_code
        == 404
    )
    assert client_for(auditor).get("/audit/donations/compliancereport/").status_code == 200
