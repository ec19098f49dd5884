"""The compliance report (JSON, CSV, XLSX, PDF) and the public disclosure dataset (CSV, JSON).

Every format carries the same content: the JSON is the reference, the others are for people. Cells that a
spreadsheet would run as a formula are neutralised with a leading apostrophe.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from coalition import spreadsheets
from donations import rules, selectors
from donations.models import ComplianceReport, Donation, Election, Source

FORMATS = ("json", "csv", "xlsx", "pdf")
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def money(value: Decimal | None) -> str:
    return f"{(value or Decimal(0)).quantize(rules.CENT)}"


def compliance_data(election: Election, *, lines: bool = True) -> dict:
    """Return the report's content as plain JSON-ready data (amounts as strings with two decimals).

    ``lines=False`` leaves out the per-donation lines (``compliance_json`` has PostgreSQL build them).
    """
    version = selectors.current_rule_version(election)
    totals = selectors.fund_totals(election)
    caps = selectors.cap_use(election, version)
    data: dict[str, Any] = {
        "election": election.slug,
        "rule_version": version.number if version else None,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "totals": {
            "received": money(totals["received"]),
            "accepted": money(totals["accepted"]),
            "returned": money(totals["returned"]),
            "to_budget": money(totals["to_budget"]),
            "held": money(totals["held"]),
        },
        "caps": {
            source: {"cap": money(v["cap"]), "used": money(v["used"]), "left": money(v["left"])}
            for source, v in caps.items()
        },
        "actions": {
            key: money(value) if isinstance(value, Decimal) else value
            for key, value in selectors.actions_due(election).items()
        },
    }
    if lines:
        rows = (
            Donation.objects.filter(election=election)
            .order_by("received_on", F("line").asc(nulls_last=True), "pk")
            .values("bank_reference", "received_on", "amount", "verdict", "accepted_amount", "reasons", "source")
        )
        data["donations"] = [
            {
                "bank_reference": row["bank_reference"],
                "date": row["received_on"].isoformat(),
                "amount": money(row["amount"]),
                "source": row["source"],
                "verdict": row["verdict"],
                "accepted_amount": money(row["accepted_amount"]),
                "reasons": list(row["reasons"]),
            }
            for row in rows
        ]
    return data


# The donation lines of compliance_data, built by PostgreSQL: one JSON array in one statement instead of a
# Python dict and two Decimal.quantize per donation (a million donations: seconds, not tens of seconds).
DONATION_LINES_SQL = """
SELECT COALESCE(json_agg(json_build_object(
    'bank_reference', bank_reference,
    'date', to_char(received_on, 'YYYY-MM-DD'),
    'amount', round(amount, 2)::text,
    'source', source,
    'verdict', verdict,
    'accepted_amount', round(COALESCE(accepted_amount, 0), 2)::text,
    'reasons', COALESCE(reasons, '[]'::jsonb)
  ) ORDER BY received_on, line NULLS LAST, id), '[]'::json)::text
FROM donations_donation
WHERE election_id = %s
"""


def compliance_json(election: Election) -> bytes:
    """Return the JSON report: the same content as ``render(compliance_data(election), "json")``."""
    head = json.dumps(compliance_data(election, lines=False), ensure_ascii=False)
    with connection.cursor() as cursor:
        cursor.execute(DONATION_LINES_SQL, [election.pk])
        donations = cursor.fetchone()[0]
    return f'{head[:-1]}, "donations": {donations}}}'.encode()


def _table(data: dict) -> list[list]:
    """Return the report as rows of cells: summary lines, then one line per donation.

    Amounts are Decimals and dates are dates, so the XLSX holds numbers and dates, not text; text cells are
    neutralised when the file is written (coalition.spreadsheets).
    """
    rows = [
        [_("Election"), data["election"]],
        [_("Rule version"), str(data["rule_version"])],
        [_("Generated at"), data["generated_at"]],
        [],
        [_("Total"), _("Amount, ₸")],
    ]
    labels = {
        "received": _("Received"),
        "accepted": _("Accepted"),
        "returned": _("Returned"),
        "to_budget": _("To the budget"),
        "held": pgettext("donation verdict", "Held"),
    }
    rows += [[labels[key], Decimal(value)] for key, value in data["totals"].items()]
    rows += [[], [_("Source"), _("Cap, ₸"), _("Used, ₸"), _("Left, ₸")]]
    rows += [
        [str(Source(source).label), Decimal(v["cap"]), Decimal(v["used"]), Decimal(v["left"])]
        for source, v in data["caps"].items()
    ]
    rows += [
        [],
        [_("Bank reference"), _("Date"), _("Amount, ₸"), _("Source"), _("Verdict"), _("Accepted, ₸"), _("Reasons")],
    ]
    rows += [
        [
            d["bank_reference"],
            date.fromisoformat(d["date"]),
            Decimal(d["amount"]),
            d["source"],
            d["verdict"],
            Decimal(d["accepted_amount"]),
            " ".join(d["reasons"]),
        ]
        for d in data["donations"]
    ]
    return rows


def report_bytes(election: Election, fmt: str) -> bytes:
    """Return the current report of ``election`` in ``fmt``; JSON takes the fast path (``compliance_json``)."""
    if fmt == "json":
        return compliance_json(election)
    return render(compliance_data(election), fmt)


def render(data: dict, fmt: str) -> bytes:
    """Return the report in ``fmt`` (json, csv, xlsx or pdf)."""
    if fmt == "json":
        # No indentation: json's C encoder only runs without it (about 3× faster on a million donations);
        # people read the CSV, XLSX or PDF.
        return json.dumps(data, ensure_ascii=False).encode()
    if fmt == "csv":
        return spreadsheets.csv_bytes(_table(data))
    if fmt == "xlsx":
        return spreadsheets.xlsx_bytes(_table(data), title="compliance")
    if fmt == "pdf":
        from weasyprint import HTML  # here, not at the top: it loads Pango, a system library a machine may lack

        html = render_to_string("donations/report_pdf.html", {"data": data, "sources": dict(Source.choices)})
        return HTML(string=html).write_pdf()
    raise ValueError(f"Unknown report format: {fmt}")


def disclosure_data(election: Election) -> dict[str, Any]:
    """Return the public disclosure dataset: the fund's totals by source, as the law has them published.

    Totals and sources only — no donor, no payment line, no personal data. The CSV, the JSON and the public page
    all show these figures. Amounts are strings with two decimals, in tenge.
    """
    updated_on = selectors.disclosure_updated_on(election)
    totals = selectors.fund_totals(election)
    return {
        "election": election.slug,
        "name": election.name,
        "currency": "KZT",
        "updated_on": updated_on.isoformat() if updated_on else None,
        "sources": [
            {
                "source": row["source"],
                "donations": row["count"],
                "received": money(row["received"]),
                "accepted": money(row["accepted"]),
            }
            for row in selectors.source_totals(election)
        ],
        "total": {
            "donations": totals["count"],
            "received": money(totals["received"]),
            "accepted": money(totals["accepted"]),
        },
    }


def disclosure_csv(election: Election) -> bytes:
    """Return the public disclosure dataset as CSV: one line per source, then the total."""
    data = disclosure_data(election)
    rows: list[list[object]] = [["election", "source", "donations", "received", "accepted"]]
    for row in data["sources"]:
        rows.append([election.slug, row["source"], row["donations"], row["received"], row["accepted"]])
    total = data["total"]
    rows.append([election.slug, "total", total["donations"], total["received"], total["accepted"]])
    return spreadsheets.csv_bytes(rows)


def disclosure_json(election: Election) -> bytes:
    """Return the public disclosure dataset as JSON (the same figures as the CSV)."""
    return json.dumps(disclosure_data(election), ensure_ascii=False, indent=2).encode()


def auditor_pack(election: Election, report_date) -> bytes | None:
    """Return a ZIP of the reports filed for ``report_date`` with a manifest of their SHA-256, or None."""
    filed = list(ComplianceReport.objects.filter(election=election, report_date=report_date).order_by("format"))
    if not filed:
        return None
    buffer = io.BytesIO()
    stem = f"{election.slug}-compliance-{report_date.isoformat()}"
    manifest = {"election": election.slug, "date": report_date.isoformat(), "files": []}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for report in filed:
            content = bytes(report.content)
            name = f"{stem}.{report.format}"
            archive.writestr(name, content)
            manifest["files"].append(
                {
                    "name": name,
                    "sha256": report.sha256,
                    "verified": hashlib.sha256(content).hexdigest() == report.sha256,
                    "rule_version": report.rule_version.number,
                }
            )
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return buffer.getvalue()
