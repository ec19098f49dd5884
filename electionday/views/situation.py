"""The situation room: every station's status on the region map and in tables, turnout beside the CEC's figure,
incidents, the chase list with one-click reminders and the quick count — refreshed in place by a fragment the page
polls (static/electionday/situation.js).

Who sees what: the statuses, map, turnout and quick count need ``view_submission`` and ``view_protocol``; the
incidents ``view_incident``; the chase list (observers' and coordinators' phones) also ``members.view_person``
(committee staff, the region's coordinator). A coordinator sees their own region only, here and in the fragment.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from coalition.access import AuthenticatedHttpRequest, require, scoped_region, staff_required
from coalition.forms import errors_to_form
from coalition.maps import RegionShade, render_map
from coalition.models import Election, Region
from electionday import quickcount, situation
from electionday.models import QuickCountSample
from electionday.services import situation as services
from electionday.situation_forms import CecTurnoutForm, QuickCountSampleForm
from events.models import PollingStation

STATUS_PERMS = ("electionday.view_submission", "electionday.view_protocol")
QUICK_COUNT_Z = 1.96
QUICK_COUNT_CACHE_SECONDS = 60


class Room:
    """What the user may see of the room for an election, and which region it shows."""

    def __init__(self, request: HttpRequest, slug: str) -> None:
        user = request.user
        self.can_status = user.has_perms(STATUS_PERMS)
        self.can_incidents = user.has_perm("electionday.view_incident")
        if not (self.can_status or self.can_incidents):
            raise PermissionDenied
        self.can_chase = self.can_status and user.has_perm("members.view_person")
        self.can_enter_cec = self.can_status and user.has_perm("electionday.add_cecturnout")
        self.can_sample = self.can_status and user.has_perm("electionday.add_quickcountsample")
        self.election = get_object_or_404(Election, slug=slug)
        self.regions = list(Region.objects.order_by("code"))
        self.scoped = scoped_region(user)
        self.region = self.scoped or self._chosen(request.GET.get("region", ""))
        self.status = request.GET.get("status", "")
        if self.status not in situation.STATUSES:
            self.status = ""
        try:
            self.page = max(int(request.GET.get("page", "1")), 1)
        except ValueError:
            self.page = 1

    def _chosen(self, value: str) -> Region | None:
        return next((region for region in self.regions if str(region.pk) == value), None)

    def query(self, **changes: object) -> str:
        values: dict[str, Any] = {"region": self.region.pk if self.region and not self.scoped else ""}
        values.update(status=self.status, page=self.page if self.page > 1 else "")
        values.update(changes)
        return urlencode({key: value for key, value in values.items() if value not in ("", None)})

    def url(self, name: str = "electionday:situation", **changes: object) -> str:
        query = self.query(**changes)
        return reverse(name, args=[self.election.slug]) + (f"?{query}" if query else "")


def _map(room: Room, rows: list[situation.RegionCounts]) -> Any:
    shades = {}
    for row in rows:
        if row.region is None:
            continue
        share = row.complete_share
        label = _(
            "%(region)s: %(stations)s stations; %(complete)s complete (%(share)s%%), %(partial)s partial, "
            "%(missing)s missing, %(conflict)s in conflict, %(no_signal)s without signal"
        ) % {
            "region": row.region.name,
            "stations": row.stations,
            "share": round(share * 100),
            **row.counts,
        }
        link = "" if room.scoped else room.url(region=row.region.pk, status="", page="")
        shades[row.region.code] = RegionShade(css_class=situation.share_class(share), label=label, link=link)
    return render_map(
        shades,
        {region.code: region.name for region in room.regions},
        title=_("Share of polling stations complete, by region"),
        labelledby="situation-map-heading",
    )


def _percent(fraction: float | None) -> str:
    """Return a fraction (0.4213) as percentage points with one decimal ("42.1"), or a dash."""
    return "—" if fraction is None else f"{fraction * 100:.1f}"


def _quick_count(room: Room) -> dict[str, Any]:
    """Return the quick-count panel: the estimate (electionday.quickcount) over the latest stored sample, cached a
    minute (it reads every sampled station's protocols), and the link to the quick-count page."""
    panel: dict[str, Any] = {"url": reverse("electionday:quick_count", args=[room.election.slug]), "rows": []}
    panel["sample"] = sample = QuickCountSample.objects.filter(election=room.election).first()
    if sample is None:
        return panel
    key = f"electionday:situation:quickcount:{sample.pk}:{sample.uploaded_at.timestamp()}"
    shown = cache.get(key)
    if shown is None:
        try:
            found = quickcount.estimate(room.election, sample.stations, QUICK_COUNT_Z)
        except ValidationError as exc:
            return {**panel, "error": " ".join(exc.messages)}
        rows = [(found.names.get(code, code), share.estimate, share.margin) for code, share in found.candidates.items()]
        rows.sort(key=lambda row: -(row[1] or 0.0))
        rows.append((_("Against all"), found.against_all.estimate, found.against_all.margin))
        leaders = [found.names.get(code, code) for code, _share in found.leaders()]
        shown = {
            "rows": [(name, _percent(estimate), _percent(margin)) for name, estimate, margin in rows],
            "turnout": (_percent(found.turnout.estimate), _percent(found.turnout.margin)),
            "reported": found.reported,
            "sample_size": found.sample_size,
            "close": bool(found.leaders_too_close()),
            "leaders": leaders,
            "note": found.note,
        }
        cache.set(key, shown, QUICK_COUNT_CACHE_SECONDS)
    return {**panel, **shown}


def _context(room: Room) -> dict[str, Any]:
    scope = situation.scope(room.election, room.region)
    context: dict[str, Any] = {"room": room, "election": room.election, "region": room.region, "now": scope.now}
    context["dues"] = scope.dues
    if room.can_status:
        rows, total = situation.counts_by_region(scope, room.regions)
        stations, count = situation.stations(scope, room.status, room.page)
        pages = max((count + situation.STATION_PAGE - 1) // situation.STATION_PAGE, 1)
        context.update(
            rows=rows,
            total=total,
            summary=situation.summary_counts(total),
            status_label=str(situation.STATUS_LABELS[room.status]) if room.status else "",
            statuses=situation.STATUSES,
            map=_map(room, rows),
            stations=stations,
            station_count=count,
            pages=pages,
            previous_url=room.url(page=room.page - 1) if room.page > 1 else "",
            next_url=room.url(page=room.page + 1) if room.page < pages else "",
            region_names={region.pk: region.name for region in room.regions},
            turnout=situation.turnout(scope),
            quick_count=_quick_count(room) if room.region is None else None,
        )
    if room.can_chase:
        context["chase"], context["chase_count"] = situation.chase_list(scope, room.regions)
    if room.can_incidents:
        context["incidents"] = situation.incidents(scope, room.regions)
    return context


def _checkpoints(election: Election) -> list[time]:
    dues = situation.deadlines(election)
    zone = timezone.get_default_timezone()
    times = {timezone.localtime(due.at, zone).time() for due in dues if due.kind == "turnout" and due.at}
    if election.election_day is not None:
        times.add(election.polls_close)
    return sorted(times)


def _render_room(
    request: HttpRequest,
    room: Room,
    cec_form: CecTurnoutForm | None = None,
    sample_form: QuickCountSampleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _context(room)
    if room.can_enter_cec:
        context["cec_form"] = cec_form or CecTurnoutForm(checkpoints=_checkpoints(room.election))
    if room.can_sample:
        context["sample_form"] = sample_form or QuickCountSampleForm()
    context["refresh_seconds"] = settings.ELECTIONDAY_SITUATION_REFRESH_SECONDS
    context["live_url"] = room.url("electionday:situation_live")
    return render(request, "electionday/situation/room.html", context, status=status)


@staff_required
@never_cache
def room(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    return _render_room(request, Room(request, slug))


@staff_required
@never_cache
def live(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The part of the room the page replaces every few seconds (same permissions and region as the page)."""
    context = _context(Room(request, slug))
    response = render(request, "electionday/situation/_live.html", context)
    response["X-Situation-Fragment"] = "1"
    return response


@staff_required
@require_POST
def cec_turnout(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require(request, *STATUS_PERMS, "electionday.add_cecturnout")
    current = Room(request, slug)
    form = CecTurnoutForm(request.POST, checkpoints=_checkpoints(current.election))
    if form.is_valid():
        try:
            _row, created = services.record_cec_turnout(
                election=current.election,
                region=form.cleaned_data["region"],
                checkpoint=form.cleaned_data["checkpoint"],
                percent=form.cleaned_data["percent"],
                source=form.cleaned_data["source"],
                by=request.user,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if created:
                messages.success(request, _("The CEC's turnout figure is saved."))
            else:
                messages.success(request, _("The CEC's turnout figure for this checkpoint is replaced."))
            return redirect(current.url())
    return _render_room(request, current, cec_form=form, status=400)


@staff_required
@require_POST
def chase(request: AuthenticatedHttpRequest, slug: str, station: int) -> HttpResponse:
    """Queue the reminder to a late station's observer (once per station and checkpoint)."""
    require(request, *STATUS_PERMS, "members.view_person")
    current = Room(request, slug)
    target = get_object_or_404(PollingStation.objects.select_related("region"), pk=station, election=current.election)
    code = request.POST.get("code", "")
    try:
        message, created = services.send_chase_reminder(station=target, code=code, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        values = {"number": target.number, "time": timezone.localtime(message.created_at).strftime("%H:%M")}
        if created:
            messages.success(request, _("Reminder queued to the observer of station No. %(number)s.") % values)
        else:
            messages.info(
                request,
                _("A reminder for this checkpoint was already sent to station No. %(number)s at %(time)s.") % values,
            )
    return redirect(current.url() + "#chase")


@staff_required
@require_POST
def quick_count_sample(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require(request, *STATUS_PERMS, "electionday.add_quickcountsample")
    current = Room(request, slug)
    form = QuickCountSampleForm(request.POST)
    if form.is_valid():
        try:
            sample = services.store_quick_count_sample(
                election=current.election, numbers=form.cleaned_data["stations"], by=request.user
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request, _("Quick-count sample stored: %(count)s stations.") % {"count": len(sample.stations)}
            )
            return redirect(current.url())
    return _render_room(request, current, sample_form=form, status=400)
