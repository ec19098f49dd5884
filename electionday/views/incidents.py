"""Staff pages of incidents: HQ's list (critical first), an incident with its photos and videos, staff entry of a
phoned-in incident, and turning an incident into a complaint (a letter in the hotline's forwarding ledger).

Regional coordinators see and enter their own region's stations only; the files are served by a permission-checked
view from private storage, never from public media.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition.access import AuthenticatedHttpRequest, require, require_region, scoped_region, staff_required
from coalition.forms import errors_to_form
from coalition.middleware import request_budget
from coalition.models import Election
from electionday.incident_forms import ComplaintForm, IncidentFilter, StaffIncidentForm
from electionday.models import Attachment, Incident, Severity, Source
from electionday.services import attachments, incidents
from hotline.models import Forwarding, HotlinePolicy

PAGE_SIZE = 25


def _incidents(request: AuthenticatedHttpRequest, election: Election) -> QuerySet[Incident]:
    """The election's incidents the user may see (a coordinator: their region's), critical first, then newest."""
    qs = Incident.objects.filter(station__election=election)
    region = scoped_region(request.user)
    if region is not None:
        qs = qs.filter(station__region=region)
    return (
        qs.select_related("station", "station__region", "assignment", "case")
        .annotate(
            files=Count("attachments"),
            critical_first=Case(
                When(severity=Severity.CRITICAL, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
        )
        .order_by("critical_first", "-occurred_at", "-pk")
    )


def _incident(request: AuthenticatedHttpRequest, slug: str, pk: int) -> Incident:
    """Return the incident ``pk`` of the election ``slug`` (404) if the user's region covers it (403)."""
    require(request, "electionday.view_incident")
    incident = get_object_or_404(
        Incident.objects.select_related("station", "station__region", "station__election", "assignment", "case"),
        pk=pk,
        station__election__slug=slug,
    )
    require_region(request.user, incident.station.region)
    return incident


@staff_required
def incident_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require(request, "electionday.view_incident")
    election = get_object_or_404(Election, slug=slug)
    filterset = IncidentFilter(request.GET or None, queryset=_incidents(request, election), user=request.user)
    if scoped_region(request.user) is not None:
        filterset.form.fields.pop("region")
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "electionday/incidents/list.html",
        {
            "election": election,
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "can_add": request.user.has_perm("electionday.add_incident"),
        },
    )


@staff_required
def incident_detail(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    incident = _incident(request, slug, pk)
    return _render_detail(
        request, incident, ComplaintForm(user=request.user) if incidents.may_complain(request.user) else None
    )


def _render_detail(
    request: AuthenticatedHttpRequest, incident: Incident, complaint_form: ComplaintForm | None, status: int = 200
) -> HttpResponse:
    files = list(incident.attachments.order_by("uploaded_at", "pk"))
    ledger = []
    if incident.case_id is not None and request.user.has_perm("hotline.view_forwarding"):
        policy = HotlinePolicy.current()
        for forwarding in Forwarding.objects.filter(report_id=incident.case_id).select_related("agency"):
            ledger.append({"forwarding": forwarding, "deadline": incidents.answer_deadline(forwarding, policy)})
    return render(
        request,
        "electionday/incidents/detail.html",
        {
            "incident": incident,
            "election": incident.station.election,
            "files": files,
            "can_see_files": request.user.has_perm("electionday.view_attachment"),
            "ledger": ledger,
            "complaint_form": complaint_form,
            "can_see_case": request.user.has_perm("hotline.view_report"),
        },
        status=status,
    )


@staff_required
def incident_file(request: AuthenticatedHttpRequest, slug: str, pk: int, file: int) -> FileResponse:
    """Serve one photo or video of an incident to whoever may see the incident (never public media)."""
    require(request, "electionday.view_attachment")
    incident = _incident(request, slug, pk)
    attachment = get_object_or_404(Attachment, pk=file, incident=incident)
    extension = {"image/jpeg": "jpg", "image/png": "png", attachments.MP4: "mp4", attachments.WEBM: "webm"}
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        filename=f"incident-{incident.pk}-{attachment.pk}.{extension.get(attachment.content_type, 'bin')}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@request_budget(max_bytes=2 * attachments.MAX_VIDEO_BYTES + attachments.MAX_PHOTO_BYTES)  # two videos and a photo
@staff_required
def incident_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Enter an incident phoned in or brought on paper (source: staff); the hidden UUID makes a resubmit harmless."""
    require(request, "electionday.add_incident")
    election = get_object_or_404(Election, slug=slug)
    form = StaffIncidentForm(request.POST or None, request.FILES or None, election=election, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        require_region(request.user, data["station"].region)
        try:
            incident, created = incidents.record_incident(
                station=data["station"],
                assignment=None,
                client_id=data["client_id"],
                category=data["category"],
                severity=data["severity"],
                occurred_at=data["occurred_at"],
                text=data["text"],
                photos=data["photos"],
                source=Source.STAFF,
                entered_by=request.user,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if created:
                messages.success(request, _("The incident was recorded."))
            else:
                messages.info(request, _("This incident had already been recorded."))
            return redirect("electionday:incident", slug=slug, pk=incident.pk)
    return render(request, "electionday/incidents/form.html", {"election": election, "form": form})


@require_POST
@staff_required
def complaint(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Turn the incident into a letter to an election commission or the prosecutor's office."""
    require(request, "electionday.change_incident", "hotline.add_forwarding")
    incident = _incident(request, slug, pk)
    if not incidents.may_complain(request.user):  # the ledger's keeper: the integrity officer, not a superuser as such
        raise PermissionDenied
    form = ComplaintForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            forwarding = incidents.make_complaint(
                incident=incident,
                recipient=data["recipient"],
                agency=data["agency"],
                outgoing_number=data["outgoing_number"],
                sent_on=data["sent_on"],
                actor=request.user,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The complaint to %(agency)s was recorded in the forwarding ledger; "
                    "letter № %(number)s was generated."
                )
                % {"agency": forwarding.agency, "number": forwarding.outgoing_number},
            )
            return redirect("electionday:incident", slug=slug, pk=pk)
    return _render_detail(request, incident, form, status=400)
