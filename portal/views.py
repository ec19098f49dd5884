"""The member portal: a representative of an admitted organization sees and edits their organization only.

A floor above members and events: the pages compose the members app's writes (`members.services.portal`) with the
events app's (a proposal) and reads (its people's registrations, `portal.selectors`).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from coalition.access import AuthenticatedHttpRequest
from coalition.forms import errors_to_form
from coalition.views import ratelimited
from events import services as event_services
from events.forms import ProposalForm
from members.forms import NOMINATION_CONSENT_TEXT, AcceptInvitationForm, MemberProfileForm, NominationForm
from members.models import Affiliation, Organization
from members.services import portal as member_portal
from portal import selectors


def _member_organization(request: AuthenticatedHttpRequest, pk: int) -> Organization:
    """Return the organization if the user represents it (404 otherwise: other members are invisible)."""
    organization = member_portal.member_organizations(request.user).filter(pk=pk).select_related("region").first()
    if organization is None:
        raise Http404
    return organization


@login_not_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate="20/h", method="POST", block=False)
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    if getattr(request, "limited", False):
        return ratelimited(request)
    invitation = member_portal.open_invitation(token)
    if invitation is None:
        return render(request, "portal/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = member_portal.accept_invitation(
                token=token, username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is ready."))
            return redirect("portal:home")
    return render(request, "portal/accept.html", {"form": form, "invitation": invitation})


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    organizations = list(member_portal.member_organizations(request.user).select_related("region"))
    if len(organizations) == 1:
        return redirect("portal:organization", pk=organizations[0].pk)
    return render(request, "portal/home.html", {"organizations": organizations})


@login_required
def organization(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    org = _member_organization(request, pk)
    return render(
        request,
        "portal/organization.html",
        {
            "organization": org,
            "statements": org.statements.order_by("-made_on"),
            "people": selectors.nominated_people(org),
            "events": selectors.organization_events(org),
            "registrations": selectors.upcoming_registrations(org),
            "pending_changes": org.profile_changes.filter(status="pending"),
        },
    )


@login_required
def profile(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    org = _member_organization(request, pk)
    initial = {f: getattr(org, f) for f in MemberProfileForm.base_fields}
    initial["phone"] = str(org.phone or "")
    form = MemberProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            change = member_portal.update_member_profile(
                organization=org, data=form.cleaned_data, changed_by=request.user
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The contact details were saved."))
            if change:
                messages.info(request, _("The change of name or BIN was sent to the HQ staff for review."))
            return redirect("portal:organization", pk=org.pk)
    return render(request, "portal/profile.html", {"form": form, "organization": org})


@login_required
def nominate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    org = _member_organization(request, pk)
    form = NominationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member_portal.nominate_person(
            organization=org,
            full_name=data["full_name"],
            role=data["role"],
            phone=data["phone"],
            email=data["email"],
            consent_text=str(NOMINATION_CONSENT_TEXT),
            nominated_by=request.user,
        )
        messages.success(
            request,
            _("%(name)s was nominated as %(role)s.")
            % {"name": data["full_name"], "role": Affiliation.Role(data["role"]).label},
        )
        return redirect("portal:organization", pk=org.pk)
    return render(request, "portal/nominate.html", {"form": form, "organization": org})


@login_required
def propose_event(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The representative proposes an event of their organization; the region's coordinator approves it."""
    org = _member_organization(request, pk)
    form = ProposalForm(request.POST or None, organization=org)
    if request.method == "POST" and form.is_valid():
        try:
            event_services.propose_event(organization=org, by=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The event was proposed; you will get an email when it is approved or not."))
            return redirect("portal:organization", pk=org.pk)
    return render(request, "portal/propose_event.html", {"form": form, "organization": org})
