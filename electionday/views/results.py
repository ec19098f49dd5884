"""Staff pages of the results: totals and each station's status, a station's protocols beside their photos, the
discrepancies with the official protocols (exports and the evidence pack) and the quick count (issue #19).

Region-scoped like every election-day page: a coordinator sees their region's stations, totals and estimates only.
Every page reads the results in a constant number of queries (``electionday.results.compute``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coalition import spreadsheets
from coalition.access import AuthenticatedHttpRequest, require, require_region, scoped_region, staff_required
from coalition.middleware import request_budget
from coalition.models import Election
from electionday import quickcount, results, results_export, rules
from electionday.models import Protocol, ProtocolVote
from electionday.results_forms import DrawForm, SampleUploadForm
from events.models import PollingStation

PAGE_SIZE = 50
SORTS = ("size", "size_asc", "number")


def _election(slug: str) -> Election:
    return get_object_or_404(Election, slug=slug)


def _labels(found: results.Results) -> dict[str, str]:
    labels = {line: str(label) for line, label in rules.LINE_LABELS.items()}
    labels.update({f"c_{candidate.code}": candidate.name for candidate in found.candidates})
    return labels


def _totals(found: results.Results) -> list[tuple[str, int]]:
    labels = _labels(found)
    rows = [(labels[line], found.totals[line]) for line in results.TOTAL_LINES]
    return rows + [(c.name, found.totals["candidates"][c.code]) for c in found.candidates]


def _download(content: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=results_export.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_required
@require_GET
def summary(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The totals of the usable stations, the counts by status and every station's status (filtered, paginated)."""
    require(request, "electionday.view_protocol")
    election = _election(slug)
    found = results.compute(election, scoped_region(request.user))
    status = request.GET.get("status", "")
    rows = [row for row in found.stations if row.status == status] if status in results.STATUSES else found.stations
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "electionday/results/summary.html",
        {
            "election": election,
            "results": found,
            "region": found.region,
            "totals": _totals(found),
            "counts": [(key, results.STATUS_LABELS[key], n) for key, n in found.counts().items()],
            "status": status if status in results.STATUSES else "",
            "status_labels": results.STATUS_LABELS,
            "page": page,
            "query": urlencode({"status": status}) if status in results.STATUSES else "",
            "labels": _labels(found),
        },
    )


@staff_required
@require_GET
def export(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The whole report (of the coordinator's region) as JSON, CSV, XLSX or PDF."""
    require(request, "electionday.view_protocol")
    election = _election(slug)
    fmt = request.GET.get("format", "")
    if fmt not in results_export.FORMATS:
        raise Http404
    found = results.compute(election, scoped_region(request.user))
    return _download(results_export.render(found, fmt), fmt, results_export.filename(found, "results", fmt))


@staff_required
@require_GET
def station(request: AuthenticatedHttpRequest, slug: str, station: int) -> HttpResponse:
    """A station's status and its latest protocols (each observer's and the official one), each beside its photo."""
    require(request, "electionday.view_protocol")
    election = _election(slug)
    target = get_object_or_404(PollingStation.objects.select_related("region"), pk=station, election=election)
    require_region(request.user, target.region)
    found = results.compute(election, station_ids=[target.pk])
    row = found.stations[0]
    latest = list(
        Protocol.objects.filter(station=target, replaced_by__isnull=True)
        .select_related("assignment__person")
        .prefetch_related(Prefetch("votes", ProtocolVote.objects.select_related("candidate")), "attachments")
        .order_by("kind", "received_at", "pk")  # "observer" sorts before "official": observers first
    )
    keys = found.number_keys()
    labels = _labels(found)
    protocols = []
    for protocol in latest:
        numbers = {line: getattr(protocol, line) for line in rules.LINES}
        numbers.update({f"c_{vote.candidate.code}": vote.votes for vote in protocol.votes.all()})
        protocols.append(
            {
                "protocol": protocol,
                "numbers": [(labels[key], numbers.get(key), key in row.official_diff) for key in keys],
                "checks": [str(rules.CHECK_LABELS.get(code, code)) for code in protocol.failed_checks],
                "photos": list(protocol.attachments.all()),
            }
        )
    return render(
        request,
        "electionday/results/station.html",
        {
            "election": election,
            "station": target,
            "row": row,
            "status_label": results.STATUS_LABELS[row.status],
            "protocols": protocols,
            "diff": [(labels.get(key, key), delta) for key, delta in row.official_diff.items()],
            "can_see_photos": request.user.has_perm("electionday.view_attachment"),
        },
    )


def _discrepancies(request: AuthenticatedHttpRequest, election: Election) -> tuple[results.Results, list, str]:
    found = results.compute(election, scoped_region(request.user))
    order = request.GET.get("sort", "size")
    if order not in SORTS:
        order = "size"
    return found, results.discrepancies(found, order=order), order


@staff_required
@require_GET
def discrepancy_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Stations whose observers' figures differ from the official protocol, sortable by size; CSV/XLSX/PDF."""
    require(request, "electionday.view_protocol")
    election = _election(slug)
    found, rows, order = _discrepancies(request, election)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx", "pdf"):
        content = results_export.render(found, fmt, rows, title=_("Differences from the official protocols"))
        return _download(content, fmt, results_export.filename(found, "discrepancies", fmt))
    labels = _labels(found)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "electionday/results/discrepancies.html",
        {
            "election": election,
            "region": found.region,
            "page": page,
            "items": [(row, [(labels.get(k, k), d) for k, d in row.official_diff.items()]) for row in page],
            "sort": order,
            "count": len(rows),
            "query": urlencode({"sort": order}),
            "status_labels": results.STATUS_LABELS,
            "evidence_max": results_export.EVIDENCE_MAX_STATIONS,
            "can_pack": request.user.has_perm("electionday.view_attachment"),
        },
    )


@staff_required
@require_GET
def evidence(request: AuthenticatedHttpRequest, slug: str) -> StreamingHttpResponse:
    """The evidence pack of the discrepancies (in the list's order, the first EVIDENCE_MAX_STATIONS): the photos
    of their latest protocols, the discrepancy CSV and a manifest with each file's SHA-256, streamed."""
    require(request, "electionday.view_protocol", "electionday.view_attachment")
    election = _election(slug)
    found, rows, _order = _discrepancies(request, election)
    shown = rows[: results_export.EVIDENCE_MAX_STATIONS]
    response = StreamingHttpResponse(results_export.evidence_pack(found, shown), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{results_export.filename(found, "evidence", "zip")}"'
    response["Cache-Control"] = "private, no-store"
    return response


@request_budget(max_bytes=quickcount.MAX_SAMPLE_BYTES + 64 * 1024)
@staff_required
@require_http_methods(["GET", "POST"])
def quick_count(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Upload a sample file or draw a sample; show each estimate with its margin and whether a winner can be named."""
    require(request, "electionday.view_protocol")
    election = _election(slug)
    region = scoped_region(request.user)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    upload = SampleUploadForm(request.POST or None, request.FILES or None) if action == "upload" else SampleUploadForm()
    drawing = DrawForm(request.POST or None) if action == "draw" else DrawForm(initial={"z": 1.96})
    context: dict[str, Any] = {"election": election, "region": region, "upload": upload, "draw": drawing}
    names: list[str] | None = None
    z = 1.96
    if action == "upload" and upload.is_valid():
        names, z = upload.cleaned_data["sample"], upload.cleaned_data["z"]
    elif action == "draw" and drawing.is_valid():
        data = drawing.cleaned_data
        try:
            names = quickcount.draw(election, data["n"], data["seed"], region)
        except ValueError as exc:
            drawing.add_error("n", str(exc))
        else:
            z = data["z"]
            context["sample_query"] = urlencode({"n": data["n"], "seed": data["seed"]})
    if names is not None:
        try:
            result = quickcount.estimate(election, names, z=z, region=region)
        except ValidationError as exc:
            for message in exc.messages[:20]:
                messages.error(request, message)
        else:
            context.update(_estimate_context(result))
    return render(request, "electionday/results/quick_count.html", context)


def _estimate_context(result: quickcount.Estimate) -> dict[str, Any]:
    def percent(value: float | None) -> str:
        return "" if value is None else f"{value * 100:.2f}"

    official = result.official or {}
    rows = [
        (result.names[code], share, percent(share.estimate), percent(share.margin),
         percent(official.get("candidates", {}).get(code)))
        for code, share in result.candidates.items()
    ]  # fmt: skip
    for label, share, key in [
        (_("Against all"), result.against_all, "against_all"),
        (_("Turnout"), result.turnout, "turnout"),
    ]:
        rows.append((label, share, percent(share.estimate), percent(share.margin), percent(official.get(key))))
    leaders = result.leaders()
    return {
        "estimate": result,
        "rows": rows,
        "too_close": result.leaders_too_close(),
        "leaders": [result.names[code] for code, _share in leaders],
    }


@staff_required
@require_GET
def quick_count_sample(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The drawn sample as a file (header ``station``, one station a line): the same N and seed, the same file."""
    require(request, "electionday.view_protocol")
    election = _election(slug)
    form = DrawForm({"n": request.GET.get("n"), "seed": request.GET.get("seed"), "z": 1.96})
    if not form.is_valid():
        raise Http404
    try:
        names = quickcount.draw(
            election, form.cleaned_data["n"], form.cleaned_data["seed"], scoped_region(request.user)
        )
    except ValueError:
        raise Http404 from None
    stem = f"{election.slug}-sample-{form.cleaned_data['n']}-{form.cleaned_data['seed']}.csv"
    response = HttpResponse(quickcount.sample_csv(names), content_type=spreadsheets.CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{stem}"'
    return response
