"""Sign-in without passwords: the staff send an assignment's sign-in link and revoke devices; the observer opens
the link (public, rate-limited) and presses a button to bind the phone.

Opening the link only shows the button: a link-preview bot (a messenger fetching the URL to draw a preview) must not
use up the one-time link, so binding takes a POST with the CSRF token of the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from coalition.access import AuthenticatedHttpRequest, require, require_region, staff_required
from coalition.middleware import request_budget
from coalition.views import ratelimited
from electionday.models import Device
from electionday.services import devices
from events.models import Assignment

# Per client address; observers behind one mobile carrier's NAT share an address on the eve of the day.
SIGNIN_RATE = "60/m"

_REFUSED_STATUS = {"unknown": 404, "used": 410, "expired": 410, "ended": 410}


def _assignment(request: HttpRequest, pk: int) -> Assignment:
    assignment = get_object_or_404(
        Assignment.objects.select_related("person", "certificate", "station__region", "station__election"), pk=pk
    )
    require_region(request.user, assignment.station.region)
    return assignment


def _back(request: HttpRequest, assignment: Assignment) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = reverse("electionday:assignment_access", args=[assignment.pk])
    return redirect(target)


@staff_required
@require_GET
def assignment_access(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The assignment's sign-in: send a link, and the devices bound to it (label, bound, last seen, revoke)."""
    require(request, "electionday.view_device")
    assignment = _assignment(request, pk)
    person_devices = devices.devices_of(Assignment.objects.filter(person_id=assignment.person_id))
    return render(
        request,
        "electionday/access/assignment.html",
        {
            "assignment": assignment,
            "devices": person_devices,
            "in_force": devices.assignment_in_force(assignment),
            "links": assignment.signin_links.select_related("created_by")[:10],
        },
    )


@staff_required
@require_POST
def send_signin_link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "electionday.add_signinlink")
    assignment = _assignment(request, pk)
    channel = request.POST.get("channel", "")
    try:
        devices.send_signin_link(assignment=assignment, channel=channel, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if channel == "sms":
            messages.success(request, _("The sign-in link is being sent by SMS."))
        else:
            messages.success(request, _("The sign-in link is being sent by email."))
    return _back(request, assignment)


@staff_required
@require_POST
def revoke_device(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "electionday.change_device")
    device = get_object_or_404(Device.objects.select_related("assignment__station__region"), pk=pk)
    require_region(request.user, device.assignment.station.region)
    devices.revoke(device, request.user)
    messages.success(request, _("The device is revoked: it can no longer send reports."))
    return _back(request, device.assignment)


def _device_label(request: HttpRequest) -> str:
    return request.headers.get("User-Agent", "")[:200]


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@request_budget(max_bytes=16 * 1024)  # a CSRF token and nothing else
@ratelimit(key="ip", rate=SIGNIN_RATE, method=["GET", "POST"], block=False)
def signin(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the button (binds nothing); POST: bind this phone and hand its token to the page, once."""
    if getattr(request, "limited", False):
        return ratelimited(request)
    if request.method == "POST":
        try:
            device, device_token = devices.bind(token, _device_label(request))
        except devices.SignInRefused as exc:
            return _refused(request, exc.code or "unknown")
        response = render(
            request,
            "electionday/access/signin.html",
            {"device_token": device_token, "assignment": device.assignment, "next": reverse("electionday:observer")},
        )
    else:
        state = devices.link_state(token)
        if state != "ok":
            return _refused(request, state)
        response = render(request, "electionday/access/signin.html", {"confirm": True})
    # The token is in this page's URL: send only the origin on, never the path. Not "no-referrer": with it
    # Chromium posts the confirmation form with "Origin: null", which Django's CSRF check refuses.
    response["Referrer-Policy"] = "strict-origin"
    return response


def _refused(request: HttpRequest, state: str) -> HttpResponse:
    response = render(
        request, "electionday/access/signin_refused.html", {"state": state}, status=_REFUSED_STATUS.get(state, 404)
    )
    response["Referrer-Policy"] = "strict-origin"
    return response
