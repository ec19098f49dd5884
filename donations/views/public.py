"""Public pages of the election fund: the pledge form and the disclosure dataset."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from coalition.views import ratelimited
from donations import reports, selectors, services
from donations.forms import DECLARATION_TEXT, DECLARATION_VERSION, PledgeForm
from donations.models import Election, Pledge

HOTLINE_PATH = "/report/"  # the hotline app's public form


@login_not_required
@ratelimit(key="ip", rate="10/h", method="POST", block=False)
def donate(request: HttpRequest) -> HttpResponse:
    if getattr(request, "limited", False):  # answered with 429 (blocking would raise a 403 without the middleware)
        return ratelimited(request)
    election = selectors.default_election()
    form = PledgeForm(request.POST or None)
    if election is not None and request.method == "POST" and form.is_valid():
        language = (get_language() or "ru")[:2]
        pledge = services.create_pledge(
            election=election,
            payer_id=form.cleaned_data["payer_id"],
            name=form.cleaned_data["name"],
            amount=form.cleaned_data["amount"],
            declaration_text=str(DECLARATION_TEXT),  # the text exactly as shown, in the language shown
            declaration_version=DECLARATION_VERSION,
            language=language,
        )
        request.session["donations_pledge"] = pledge.pk
        return redirect("donations:pledged")
    return render(
        request,
        "donations/donate.html",
        {"form": form, "election": election, "hotline_path": HOTLINE_PATH, "declaration_version": DECLARATION_VERSION},
    )


@login_not_required
@require_GET
def pledged(request: HttpRequest) -> HttpResponse:
    """Show the payment reference of the pledge just made (kept in the session, never in the URL)."""
    pk = request.session.get("donations_pledge")
    pledge = Pledge.objects.filter(pk=pk).select_related("election").first() if pk else None
    if pledge is None:
        return redirect("donations:donate")
    return render(request, "donations/pledged.html", {"pledge": pledge, "hotline_path": HOTLINE_PATH})


@login_not_required
@require_GET
def disclosure(request: HttpRequest, slug: str) -> HttpResponse:
    """The fund's totals and sources as the election commission publishes them (CSV, no personal data)."""
    election = get_object_or_404(Election, slug=slug)
    response = HttpResponse(reports.disclosure_csv(election), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{election.slug}-disclosure.csv"'
    return response
