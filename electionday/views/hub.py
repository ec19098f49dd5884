"""The election-day hub: pick an election, see it at a glance, reach every election-day page; HQ sets its day,
hours and ballot."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from coalition import elections as election_rules
from coalition.access import AuthenticatedHttpRequest, require, scoped_region, staff_required
from coalition.models import Election
from electionday import selectors
from electionday.election_forms import BallotForm

# Who may open the hub: whoever may see any of election day's records.
HUB_PERMISSIONS = ("electionday.view_incident", "electionday.view_protocol", "electionday.view_submission")


def _require_hub(request: HttpRequest) -> None:
    if not any(request.user.has_perm(perm) for perm in HUB_PERMISSIONS):
        raise PermissionDenied


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    _require_hub(request)
    current = selectors.current_election()
    if current is not None and "all" not in request.GET:
        return redirect("electionday:overview", slug=current.slug)
    return render(request, "electionday/hub/index.html", {"elections": selectors.elections(), "current": current})


@staff_required
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    _require_hub(request)
    election = get_object_or_404(Election, slug=slug)
    region = scoped_region(request.user)
    context = {
        "election": election,
        "region": region,
        "counts": selectors.overview(election, region),
        "candidates": list(election.candidates.order_by("position")),
        "elections": selectors.elections(),
    }
    return render(request, "electionday/hub/overview.html", context)


@staff_required
def ballot(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require(request, "coalition.change_election")
    election = get_object_or_404(Election, slug=slug)
    form = BallotForm(request.POST or None, election=election)
    if request.method == "POST" and form.is_valid():
        try:
            changed = election_rules.apply_schedule(
                election=election, schedule=form.cleaned_data["schedule"], actor=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if changed:
                messages.success(request, _("Election day, hours and ballot saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("electionday:overview", slug=election.slug)
    return render(request, "electionday/hub/ballot.html", {"election": election, "form": form})
