"""The member portal: a representative of an admitted organization sees and edits their organization only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from coalition.forms import errors_to_form
from coalition.views import ratelimited
from members.forms import NOMINATION_CONSENT_TEXT, AcceptInvitationForm, MemberProfileForm, NominationForm
from members.models import Affiliation, Organization
from members.services import portal


def _member_organization(request: HttpRequest, pk: int) -> Organization:
    """Return the organization if the user represents it (404 otherwise: other members are invisible)."""
    organization = portal.member_organizations(request.user).filter(pk=pk).select_related("region").first()
    if organization is None:
        raise Http404
    return organization


@login_not_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate="20/h", method="POST", block=False)
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    if getattr(request, "limited", False):
        return ratelimited(request)
    invitation = portal.open_invitation(token)
    if invitation is None:
        return render(request, "members/portal/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = portal.accept_invitation(
                token=token, username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is ready."))
            return redirect("members:portal")
    return render(request, "members/portal/accept.html", {"form": form, "invitation": invitation})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    organizations = list(portal.member_organizations(request.user).select_related("region"))
    if len(organizations) == 1:
        return redirect("members:portal_organization", pk=organizations[0].pk)
    return render(request, "members/portal/home.html", {"organizations": organizations})


@login_required
def organization(request: HttpRequest, pk: int) -> HttpResponse:
    org = _member_organization(request, pk)
    people = org.affiliations.filter(role__in=portal.NOMINATION_ROLES).select_related("person").order_by("role", "pk")
    # events is built on members (the layer above): the portal's event panels reach up to it, and import it only
    # here so members loads without events. To move to a floor above both apps (as dashboard/ is).
    from events.models import Registration

    events = org.events.select_related("region").order_by("-starts_at")[:20]
    registrations = (
        Registration.objects.filter(
            person__affiliations__organization=org,
            event__starts_at__gte=timezone.now(),
            event__status__in=["planned", "notified"],
        )
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("event__region", "person")
        .distinct()
        .order_by("event__starts_at", "person__full_name")[:50]
    )
    return render(
        request,
        "members/portal/organization.html",
        {
            "organization": org,
            "statements": org.statements.order_by("-made_on"),
            "people": people,
            "events": events,
            "registrations": registrations,
            "pending_changes": org.profile_changes.filter(status="pending"),
        },
    )


@login_required
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    org = _member_organization(request, pk)
    initial = {f: getattr(org, f) for f in MemberProfileForm.base_fields}
    initial["phone"] = str(org.phone or "")
    form = MemberProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            change = portal.update_member_profile(organization=org, data=form.cleaned_data, changed_by=request.user)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The contact details were saved."))
            if change:
                messages.info(request, _("The change of name or BIN was sent to the HQ staff for review."))
            return redirect("members:portal_organization", pk=org.pk)
    return render(request, "members/portal/profile.html", {"form": form, "organization": org})


@login_required
def nominate(request: HttpRequest, pk: int) -> HttpResponse:
    org = _member_organization(request, pk)
    form = NominationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        portal.nominate_person(
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
        return redirect("members:portal_organization", pk=org.pk)
    return render(request, "members/portal/nominate.html", {"form": form, "organization": org})


@login_required
def propose_event(request: HttpRequest, pk: int) -> HttpResponse:
    """The representative proposes an event of their organization; the region's coordinator approves it."""
    # events is the layer above members: see organization() above.
    from events import services as event_services
    from events.forms import ProposalForm

    org = _member_organization(request, pk)
    form = ProposalForm(request.POST or None, organization=org)
    if request.method == "POST" and form.is_valid():
        try:
            event_services.propose_event(organization=org, by=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The event was proposed; you will get an email when it is approved or not."))
            return redirect("members:portal_organization", pk=org.pk)
    return render(request, "members/portal/propose_event.html", {"form": form, "organization": org})
