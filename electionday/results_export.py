"""The results as files: the report (JSON, CSV, XLSX, PDF) and the evidence pack for complaints (issue #19).

JSON is the reference (``results.Results.as_data``); CSV and XLSX have one row per station — number, region,
status, failed checks, conflict, then for each protocol line its observer, official and difference (official −
observer) — and the totals; the PDF is for people (Russian by default: the caller activates the language; numbers
grouped, dates dd.mm.yyyy). Spreadsheets are written by ``coalition.spreadsheets`` (formula cells neutralised).

The evidence pack is a ZIP streamed as it is written: the photos of the shown stations' latest protocols, the
discrepancy CSV and ``manifest.csv`` (file, station, region, protocol, kind, SHA-256 of the bytes in the pack).
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from coalition import spreadsheets
from electionday import rules
from electionday.models import Attachment
from electionday.results import STATUS_LABELS, Results, StationResult

FORMATS = ("json", "csv", "xlsx", "pdf")
CONTENT_TYPES = {
    "json": "application/json",
    "csv": spreadsheets.CSV_CONTENT_TYPE,
    "xlsx": spreadsheets.XLSX_CONTENT_TYPE,
    "pdf": "application/pdf",
}
PDF_MAX_ROWS = 2000  # WeasyPrint lays out a few hundred rows a second; the CSV and XLSX hold every station
EVIDENCE_MAX_STATIONS = 200  # the largest discrepancies first; a complaint rarely needs more in one pack
_CHUNK = 256 * 1024
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "video/mp4": "mp4", "video/webm": "webm"}


# --- Tables ------------------------------------------------------------------------------------------------------


def header(results: Results) -> list[str]:
    columns = ["number", "region", "status", "checks_failed", "conflict"]
    for key in results.number_keys():
        columns += [f"{key}_observer", f"{key}_official", f"{key}_diff"]
    return columns


def station_row(results: Results, row: StationResult) -> list[Any]:
    cells: list[Any] = [
        row.number,
        row.region_code,
        row.status,
        " ".join(row.checks_failed),
        "true" if row.conflict else "false",
    ]
    both = row.figures is not None and row.official is not None
    for key in results.number_keys():
        observer = row.figures.get(key) if row.figures is not None else None
        official = row.official.get(key) if row.official is not None else None
        cells += [observer, official, row.official_diff.get(key, 0) if both else None]
    return cells


def table(results: Results, rows: Sequence[StationResult] | None = None) -> list[list[Any]]:
    """Return the report as rows of cells: the header, one row per station, then the totals and the counts."""
    shown = results.stations if rows is None else rows
    out: list[list[Any]] = [header(results)]
    out += [station_row(results, row) for row in shown]
    totals: list[Any] = ["totals", "", "", "", ""]
    votes = results.totals["candidates"]
    for key in results.number_keys():
        if key in results.totals:
            total = results.totals[key]
        elif key.startswith("c_") and key[2:] in votes:
            total = votes[key[2:]]
        else:
            total = None
        totals += [total, None, None]
    out += [[], totals, ["stations_total", results.stations_total], ["stations_reported", results.stations_reported]]
    return out


# --- Rendering ---------------------------------------------------------------------------------------------------


def grouped(value: int | None) -> str:
    """Return a number grouped by thousands in the active language (1 234 567 in Russian)."""
    return "" if value is None else formats.number_format(value, force_grouping=True)


def _labels(results: Results) -> dict[str, str]:
    labels = {line: str(label) for line, label in rules.LINE_LABELS.items()}
    labels.update({f"c_{candidate.code}": candidate.name for candidate in results.candidates})
    return labels


def pdf_context(results: Results, rows: Sequence[StationResult], title: str) -> dict[str, Any]:
    labels = _labels(results)
    shown = list(rows)[:PDF_MAX_ROWS]
    totals = [
        (labels[line], grouped(results.totals[line])) for line in ("voters", "in_boxes", "invalid", "against_all")
    ]
    totals += [
        (candidate.name, grouped(results.totals["candidates"][candidate.code])) for candidate in results.candidates
    ]
    return {
        "title": title,
        "election": results.election,
        "region": results.region,
        "generated_at": timezone.localtime(),
        "stations_total": grouped(results.stations_total),
        "stations_reported": grouped(results.stations_reported),
        "counts": [(str(STATUS_LABELS[status]), grouped(n)) for status, n in results.counts().items()],
        "totals": totals,
        "rows": [
            {
                "number": row.number,
                "region": row.region_code,
                "status": str(STATUS_LABELS[row.status]),
                "checks": [str(rules.CHECK_LABELS.get(code, code)) for code in row.checks_failed],
                "diff": [
                    (labels.get(key, key), f"{'+' if delta > 0 else '−'}{grouped(abs(delta))}")
                    for key, delta in row.official_diff.items()
                ],
            }
            for row in shown
        ],
        "more": max(len(rows) - len(shown), 0),
        "listed": grouped(len(shown)),
        "of": grouped(len(rows)),
    }


def render(results: Results, fmt: str, rows: Sequence[StationResult] | None = None, *, title: str = "") -> bytes:
    """Return the results (or the given stations of them, with the totals) in ``fmt``."""
    if fmt == "json":
        return results.as_json()
    if fmt == "csv":
        return spreadsheets.csv_bytes(table(results, rows))
    if fmt == "xlsx":
        return spreadsheets.xlsx_bytes(table(results, rows), title="results")
    if fmt == "pdf":
        from weasyprint import HTML  # here, not at the top: it loads Pango, a system library a machine may lack

        shown = results.stations if rows is None else rows
        context = pdf_context(results, shown, title or _("Election results from the observers' protocols"))
        return HTML(string=render_to_string("electionday/results/report_pdf.html", context)).write_pdf()
    raise ValueError(f"Unknown report format: {fmt}")


def filename(results: Results, stem: str, fmt: str) -> str:
    region = f"-{results.region.code}" if results.region is not None else ""
    return f"{results.election.slug}{region}-{stem}.{fmt}"


# --- The evidence pack -------------------------------------------------------------------------------------------


class _Pipe:
    """A write-only, unseekable file: zipfile writes into it (with data descriptors) and the chunks are taken out
    as they come, so the pack is streamed and never held whole in memory."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._offset = 0

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def _safe(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z._-]+", "_", text) or "_"


def evidence_attachments(rows: Sequence[StationResult]) -> list[Attachment]:
    """Return the photos of the stations' latest protocols (observer and official), in the stations' order."""
    order = {row.station_id: index for index, row in enumerate(rows)}
    found = list(
        Attachment.objects.filter(protocol__station_id__in=list(order), protocol__replaced_by__isnull=True)
        .select_related("protocol")
        .order_by("protocol__kind", "protocol_id", "pk")
    )
    found.sort(key=lambda item: order[item.station_id])
    return found


def evidence_pack(results: Results, rows: Sequence[StationResult]) -> Iterator[bytes]:
    """Yield the evidence pack (a ZIP) of ``rows`` chunk by chunk: photos, ``discrepancies.csv`` and
    ``manifest.csv`` with each file's SHA-256 as written into the pack."""
    by_station = {row.station_id: row for row in rows}
    pipe = _Pipe()
    manifest: list[list[str]] = [["file", "station", "region", "protocol", "kind", "sha256", "note"]]
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for item in evidence_attachments(rows):
            row = by_station[item.station_id]
            protocol = item.protocol
            if protocol is None:  # excluded by the query; narrows the type
                continue
            suffix = _EXTENSIONS.get(item.content_type, "bin")
            name = (
                f"photos/{_safe(row.region_code)}-{_safe(row.number)}/{protocol.kind}-{protocol.pk}-{item.pk}.{suffix}"
            )
            digest = hashlib.sha256()
            try:
                with item.file.open("rb") as source, archive.open(name, "w") as target:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        target.write(chunk)
                        if len(pipe._chunks) > 4:
                            yield pipe.take()
            except OSError:
                manifest.append(["", row.number, row.region_code, str(protocol.pk), protocol.kind, "", "missing"])
                continue
            note = "" if digest.hexdigest() == item.sha256 else "sha256 differs from the one stored at upload"
            manifest.append(
                [name, row.number, row.region_code, str(protocol.pk), protocol.kind, digest.hexdigest(), note]
            )
            yield pipe.take()
        table_bytes = render(results, "csv", rows)
        archive.writestr("discrepancies.csv", table_bytes)
        manifest.append(["discrepancies.csv", "", "", "", "", hashlib.sha256(table_bytes).hexdigest(), ""])
        archive.writestr("manifest.csv", spreadsheets.csv_bytes(manifest))
    yield pipe.take()
