"""Staff pages of the precinct protocol: data entry (phoned in or on paper), the verification queue (the numbers
beside the photo: verify or correct), a station's history and the conflicts between reporters.

Region-scoped: a coordinator sees and enters only their region's stations. Photos are served by a view that checks
the permission and the region, never from a public media URL.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition.access import AuthenticatedHttpRequest, require, require_region, scoped_region, staff_required
from coalition.forms import errors_to_form
from coalition.middleware import request_budget
from coalition.models import Election
from electionday import rules
from electionday.models import Attachment, Protocol, Source
from electionday.protocol_forms import EntryForm, NumbersForm
from electionday.services import attachments
from electionday.services import protocols as service
from events.models import PollingStation

PAGE_SIZE = 25


# --- Access ------------------------------------------------------------------------------------------------------


def _election(slug: str) -> Election:
    return get_object_or_404(Election, slug=slug)


def _station(request: HttpRequest, election: Election, pk: int) -> PollingStation:
    station = get_object_or_404(PollingStation.objects.select_related("region", "election"), pk=pk, election=election)
    require_region(request.user, station.region)
    return station


def _protocol(request: HttpRequest, election: Election, pk: int) -> Protocol:
    protocol = get_object_or_404(
        Protocol.objects.select_related("station__region", "station__election"), pk=pk, station__election=election
    )
    require_region(request.user, protocol.station.region)
    return protocol


# --- Pages -------------------------------------------------------------------------------------------------------


@staff_required
def queue(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The verification queue: the latest observers' protocols not yet verified, oldest first; find a station."""
    require(request, "electionday.view_protocol")
    election = _election(slug)
    region = scoped_region(request.user)
    number = request.GET.get("station", "").strip()
    if number:
        try:
            station = service.find_station(election, number)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if region is None or station.region_id == region.pk:
                return redirect("electionday:protocol_history", slug, station.pk)
            messages.error(request, _("Unknown polling station: %(station)s.") % {"station": number})
    page = Paginator(service.verification_queue(election, region), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "electionday/protocols/queue.html",
        {"election": election, "page": page, "query": "", "check_labels": rules.CHECK_LABELS},
    )


@request_budget(max_bytes=attachments.MAX_PHOTO_BYTES + 1024 * 1024)
@staff_required
def enter(request: AuthenticatedHttpRequest, slug: str, station: int) -> HttpResponse:
    """Enter a protocol for a station and reporter (phoned in or on paper), with the photo of the signed copy."""
    require(request, "electionday.add_protocol")
    election = _election(slug)
    target = _station(request, election, station)
    candidates = service.candidates_of(election)
    form = EntryForm(
        request.POST or None,
        request.FILES or None,
        station=target,
        candidates=candidates,
        initial={"client_id": uuid.uuid4(), "voters": target.voters},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _protocol_row, created = service.record_protocol(
                station=target,
                kind=data["kind"],
                client_id=data["client_id"],
                reporter_iin=data["reporter_iin"],
                assignment=data["assignment"],
                lines=form.lines(),
                votes=form.votes(),
                photo=form.photo_content,
                filled_at=data["filled_at"],
                source=Source.STAFF,
                entered_by=request.user,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if created:
                messages.success(request, _("The protocol was recorded."))
            else:
                messages.info(request, _("This protocol was already recorded; nothing changed."))
            return redirect("electionday:protocol_history", slug, target.pk)
    return render(request, "electionday/protocols/enter.html", {"election": election, "station": target, "form": form})


@staff_required
def review(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    """One protocol beside its photo (and the photos of the protocols it replaced): verify it or correct it."""
    require(request, "electionday.view_protocol")
    election = _election(slug)
    protocol = _protocol(request, election, pk)
    candidates = service.candidates_of(election)
    rows = service.chain(protocol)
    current = rows[0]
    numbers = service.numbers_of(current)
    form = NumbersForm(request.POST or None, candidates=candidates, initial=numbers.flat())
    if request.method == "POST":
        require(request, "electionday.change_protocol")
        if form.is_valid():
            try:
                corrected, created = service.correct(
                    protocol=current, lines=form.lines(), votes=form.votes(), actor=request.user
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                if created:
                    messages.success(request, _("The correction was recorded; the original is kept in the history."))
                else:
                    messages.info(request, _("The numbers are the same; nothing changed."))
                return redirect("electionday:protocol_review", slug, corrected.pk)
    photos = [attachment for row in rows for attachment in row.attachments.all()]
    return render(
        request,
        "electionday/protocols/review.html",
        {
            "election": election,
            "protocol": current,
            "lines": [(rules.LINE_LABELS[line], getattr(current, line)) for line in rules.LINES],
            "votes": service.votes_in_order(current),
            "check_labels": [rules.CHECK_LABELS[code] for code in current.failed_checks if code in rules.CHECK_LABELS],
            "photos": photos,
            "history": rows[1:],
            "form": form,
            "can_review": request.user.has_perm("electionday.change_protocol") and current.replaced_by_id is None,
        },
    )


@require_POST
@staff_required
def verify(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    require(request, "electionday.change_protocol")
    protocol = _protocol(request, _election(slug), pk)
    try:
        service.verify(protocol=protocol, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("electionday:protocol_review", slug, pk)
    messages.success(request, _("The protocol was marked verified."))
    return redirect("electionday:protocol_queue", slug)


@staff_required
def station_history(request: AuthenticatedHttpRequest, slug: str, station: int) -> HttpResponse:
    """Every protocol of a station, newest first: who reported what, what replaced what, the checks that failed."""
    require(request, "electionday.view_protocol")
    election = _election(slug)
    target = _station(request, election, station)
    rows = service.history(target)
    return render(
        request,
        "electionday/protocols/history.html",
        {
            "election": election,
            "station": target,
            "rows": [(row, service.votes_in_order(row)) for row in rows],
            "candidates": service.candidates_of(election),
            "lines": [rules.LINE_LABELS[line] for line in rules.LINES],
            "line_names": rules.LINES,
            "can_enter": request.user.has_perm("electionday.add_protocol"),
        },
    )


@staff_required
def conflict_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Stations where two reporters' latest protocols differ on any line."""
    require(request, "electionday.view_protocol")
    election = _election(slug)
    found = service.conflicts(election, scoped_region(request.user))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "electionday/protocols/conflicts.html",
        {"election": election, "page": page, "query": "", "labels": _difference_labels(election)},
    )


def _difference_labels(election: Election) -> dict[str, str]:
    labels = {line: str(label) for line, label in rules.LINE_LABELS.items()}
    labels.update({f"c_{c.code}": c.name for c in service.candidates_of(election)})
    return labels


@staff_required
def photo(request: AuthenticatedHttpRequest, slug: str, pk: int) -> FileResponse:
    """Serve a protocol's photo to staff who may see protocols and attachments, in their region."""
    require(request, "electionday.view_protocol", "electionday.view_attachment")
    item = get_object_or_404(
        Attachment.objects.select_related("protocol__station__region"),
        pk=pk,
        protocol__isnull=False,
        protocol__station__election__slug=slug,
    )
    if item.protocol is None:  # excluded by the query; narrows the type
        raise Http404
    require_region(request.user, item.protocol.station.region)
    extension = {"image/png": "png", "image/jpeg": "jpg"}.get(item.content_type, "bin")
    response = FileResponse(
        item.file.open("rb"), content_type=item.content_type, filename=f"protocol-{item.protocol_id}.{extension}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
