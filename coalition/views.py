"""Coalition-wide pages: the staff dashboard, and the page shown when a rate limit refuses a request."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from coalition import selectors
from coalition.access import scoped_region, staff_required


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    region = scoped_region(request.user)
    regions = list(selectors.regions_with_counts(region=region))
    totals = {
        "admitted": sum(r.admitted for r in regions),
        "applied": sum(r.applied for r in regions),
    }
    return render(request, "coalition/dashboard.html", {"regions": regions, "totals": totals, "scope": region})


def ratelimited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "429.html",
        {"message": _("Too many requests from your address. Please wait a few minutes and try again.")},
        status=429,
    )
