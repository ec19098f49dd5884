"""Staff pages for the accreditation of observer organizations: list (search, filters, export), record, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition.access import AuthenticatedHttpRequest, require, staff_required
from events import exports, selectors, services
from events.filters import AccreditationFilter, drop_region
from events.forms import AccreditationForm, RevokeForm
from events.models import Accreditation, Policy
from events.views.common import history, paginate, show_refusal


@staff_required
def accreditation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "events.view_accreditation")
    filterset = AccreditationFilter(
        request.GET or None, queryset=selectors.accreditations_for(request.user), user=request.user
    )
    drop_region(filterset, request.user)
    accreditations = filterset.qs.order_by("organization__name_ru", "-issued_on", "-pk")
    fmt = exports.requested(request)
    if fmt:
        return exports.respond(fmt, exports.accreditations(accreditations), "accreditations", _("Accreditations"))
    page, query = paginate(request, accreditations)
    return render(request, "events/accreditation_list.html", {"filter": filterset, "page": page, "query": query})


@staff_required
def accreditation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "events.add_accreditation")
    months = Policy.current().accreditation_valid_months
    form = AccreditationForm(
        request.POST or None,
        user=request.user,
        valid_months=months,
        initial={"organization": request.GET.get("organization")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            accreditation = services.record_accreditation(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_refusal(request, exc, form)
        else:
            messages.success(request, _("The accreditation was recorded."))
            return redirect("events:accreditation", accreditation.pk)
    return render(request, "events/accreditation_form.html", {"form": form})


def _accreditation(request: HttpRequest, pk: int) -> Accreditation:
    # Scoped like the list: another region's accreditation is a 404 for a coordinator.
    return get_object_or_404(selectors.accreditations_for(request.user), pk=pk)


@staff_required
def accreditation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "events.view_accreditation")
    accreditation = _accreditation(request, pk)
    organization = accreditation.organization
    return render(
        request,
        "events/accreditation_detail.html",
        {
            "accreditation": accreditation,
            "others": organization.accreditations.exclude(pk=accreditation.pk).order_by("-issued_on", "-pk"),
            "observers": organization.observer_assignments.filter(ended_at__isnull=True).count(),
            "revoke_form": RevokeForm(),
            "can_revoke": request.user.has_perm("events.change_accreditation") and accreditation.revoked_at is None,
            "history": history(accreditation),
        },
    )


@staff_required
@require_POST
def accreditation_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "events.change_accreditation")
    accreditation = _accreditation(request, pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for the revocation."))
        return redirect("events:accreditation", pk)
    try:
        services.revoke_accreditation(accreditation=accreditation, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("The accreditation was revoked; no new observer can be assigned under it."))
    return redirect("events:accreditation", pk)
