"""Public pages of the election fund: the pledge form, the disclosure page and its dataset (CSV, JSON)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from coalition.views import ratelimited
from donations import reports, selectors, services
from donations.forms import PledgeForm, shown_declaration
from donations.models import Election, Pledge, Source

HOTLINE_PATH = "/report/"  # the hotline app's public form


@login_not_required
@ratelimit(key="ip", rate="10/h", method="POST", block=False)
def donate(request: HttpRequest) -> HttpResponse:
    if getattr(request, "limited", False):  # answered with 429 (blocking would raise a 403 without the middleware)
        return ratelimited(request)
    election = selectors.default_election()
    form = PledgeForm(request.POST or None)
    declaration_text, declaration_version = shown_declaration()  # the form's label, in the language of the page
    if election is not None and request.method == "POST" and form.is_valid():
        language = (get_language() or "ru")[:2]
        pledge = services.create_pledge(
            election=election,
            payer_id=form.cleaned_data["payer_id"],
            name=form.cleaned_data["name"],
            amount=form.cleaned_data["amount"],
            declaration_text=declaration_text,  # the text exactly as shown, in the language shown
            declaration_version=declaration_version,
            language=language,
        )
        request.session["donations_pledge"] = pledge.pk
        return redirect("donations:pledged")
    return render(
        request,
        "donations/donate.html",
        {"form": form, "election": election, "hotline_path": HOTLINE_PATH, "declaration_version": declaration_version},
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


# Chart.js formats numbers with the locale of the page's language.
CHART_LOCALES = {"ru": "ru-RU", "kk": "kk-KZ", "en": "en"}


@login_not_required
@require_GET
def fund(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """The fund's public disclosure: totals by source, a chart and a table, the last update, CSV/JSON downloads."""
    election = get_object_or_404(Election, slug=slug) if slug else selectors.default_election()
    if election is None:
        return render(request, "donations/public_disclosure.html", {"election": None})
    data = reports.disclosure_data(election)
    labels = dict(Source.choices)
    rows = [
        {
            "label": labels.get(row["source"], row["source"]),
            "donations": row["donations"],
            "received": Decimal(row["received"]),
            "accepted": Decimal(row["accepted"]),
        }
        for row in data["sources"]
    ]
    chart = {
        "type": "bar",
        "locale": CHART_LOCALES.get((get_language() or "ru")[:2], "ru-RU"),
        "title": str(_("Money received and accepted by source, ₸")),
        "labels": [str(row["label"]) for row in rows],
        "datasets": [
            {"label": pgettext("disclosure", "Received"), "data": [float(row["received"]) for row in rows]},
            {"label": pgettext("disclosure", "Accepted"), "data": [float(row["accepted"]) for row in rows]},
        ],
    }
    context = {
        "election": election,
        "rows": rows,
        "total": {key: Decimal(value) if key != "donations" else value for key, value in data["total"].items()},
        "updated_on": date.fromisoformat(data["updated_on"]) if data["updated_on"] else None,
        "chart": chart,
    }
    return render(request, "donations/public_disclosure.html", context)


@login_not_required
@require_GET
def disclosure_json(request: HttpRequest, slug: str) -> HttpResponse:
    """The disclosure dataset as JSON: the same figures as the CSV."""
    election = get_object_or_404(Election, slug=slug)
    response = HttpResponse(reports.disclosure_json(election), content_type="application/json")
    response["Content-Disposition"] = f'inline; filename="{election.slug}-disclosure.json"'
    return response


@login_not_required
@require_GET
def disclosure(request: HttpRequest, slug: str) -> HttpResponse:
    """The fund's totals and sources as the election commission publishes them (CSV, no personal data)."""
    election = get_object_or_404(Election, slug=slug)
    response = HttpResponse(reports.disclosure_csv(election), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{election.slug}-disclosure.csv"'
    return response
