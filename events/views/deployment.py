"""Staff pages of deployment: polling stations (list, import with preview and confirm, detail), assignments and
coverage by region."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition.access import AuthenticatedHttpRequest, require, scoped_region, staff_required
from coalition.middleware import request_budget
from coalition.models import Region
from events import exports, selectors, services
from events.forms import AssignmentForm, ElectionChoiceForm, StationFilter, StationImportForm
from events.models import Assignment, PollingStation
from events.services import station_import
from events.views.common import in_scope, paginate, show_refusal


@request_budget(max_bytes=10 * 1024 * 1024)  # the stations CSV (about 1 MB for 10,000 stations)
@staff_required
def station_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "events.view_pollingstation")
    data = request.GET.copy()
    default = selectors.default_election()
    if "election" not in data and default is not None:
        data["election"] = str(default.pk)  # the election being worked on, unless another (or all) is asked for
    filterset = StationFilter(data, queryset=selectors.stations_with_coverage(request.user), user=request.user)
    if scoped_region(request.user) is not None:
        filterset.form.fields.pop("region")
    import_form = StationImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        require(request, "events.add_pollingstation")
        if import_form.is_valid():
            upload = import_form.cleaned_data["file"]
            try:
                stored = station_import.store_upload(
                    content=upload.read(),
                    filename=upload.name or "stations.csv",
                    by=request.user,
                    election=import_form.cleaned_data["election"],
                )
            except station_import.StationImportError as exc:
                messages.error(request, _("The file was rejected; nothing was imported."))
                for message in exc.messages[:20]:
                    messages.error(request, message)
            else:
                return redirect("events:station_import", token=stored.token)
    stations = filterset.qs.order_by("region__code", "number")
    fmt = exports.requested(request)
    if fmt:
        return exports.respond(fmt, exports.stations(stations), "polling-stations", _("Polling stations"))
    page, query = paginate(request, stations)
    return render(
        request,
        "events/station_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query,
            "import_form": import_form,
            "can_import": request.user.has_perm("events.add_pollingstation"),
        },
    )


def _own_upload(request: AuthenticatedHttpRequest, token: str) -> station_import.StationUpload:
    """Return the current user's stored stations file (another user's, or one too old, is 404)."""
    require(request, "events.add_pollingstation")
    upload = station_import.stored_upload(token, by=request.user)
    if upload is None:
        raise Http404
    return upload


@staff_required
def station_import_preview(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    upload = _own_upload(request, token)
    plan = None if upload.applied else station_import.preview(upload, by=request.user)
    election = station_import.upload_election(upload)
    return render(request, "events/station_import_preview.html", {"upload": upload, "plan": plan, "election": election})


@require_POST
@staff_required
def station_import_confirm(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    upload = _own_upload(request, token)
    try:
        totals = station_import.apply_import(
            upload=upload,
            sha256=request.POST.get("sha256", ""),
            digest=request.POST.get("digest", ""),
            by=request.user,
        )
    except station_import.ImportRefused as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("events:station_import", token=token)
    messages.success(
        request,
        _("Imported: %(new)d new, %(change)d updated, %(unchanged)d unchanged.") % totals,
    )
    return redirect("events:stations")


@staff_required
def station_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "events.view_pollingstation")
    station = get_object_or_404(PollingStation.objects.select_related("region", "election"), pk=pk)
    in_scope(request, station.region)
    form = AssignmentForm(request.POST or None, user=request.user)
    if request.method == "POST":
        require(request, "events.add_assignment")
        if form.is_valid():
            try:
                services.assign(station=station, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                show_refusal(request, exc, form)
            else:
                messages.success(request, _("The person was assigned to the station."))
                return redirect("events:station", pk)
    assignments = station.assignments.filter(ended_at__isnull=True).select_related(
        "person", "certificate__course", "organization"
    )
    return render(
        request,
        "events/station_detail.html",
        {
            "station": station,
            "assignments": assignments,
            "form": form,
            "can_assign": request.user.has_perm("events.add_assignment"),
            "today": timezone.localdate(),
        },
    )


@staff_required
@require_POST
def assignment_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "events.change_assignment")
    assignment = get_object_or_404(Assignment.objects.select_related("station__region"), pk=pk)
    in_scope(request, assignment.station.region)
    services.end_assignment(assignment=assignment, by=request.user)
    messages.success(request, _("The assignment was ended."))
    return redirect("events:station", assignment.station_id)


@staff_required
def coverage(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "events.view_assignment")
    choice = ElectionChoiceForm(request.GET or None)
    election = choice.cleaned_data["election"] if choice.is_valid() else None
    election = election or selectors.default_election()
    if not choice.is_bound and election is not None:
        choice = ElectionChoiceForm(initial={"election": election.pk})
    regions = {region.code: region for region in Region.objects.all()}
    rows = [
        {**row, "region": regions[row["region__code"]]}
        for row in selectors.coverage_by_region(request.user, election=election)
    ]
    fmt = exports.requested(request)
    if fmt:
        return exports.respond(fmt, exports.coverage(rows), "coverage", _("Coverage"))
    return render(
        request,
        "events/coverage.html",
        {
            "regions": rows,
            "uncertified": selectors.uncertified_assignments(request.user, election=election),
            "unaccredited": selectors.unaccredited_observers(request.user, election=election),
            "election": election,
            "election_form": choice,
        },
    )
