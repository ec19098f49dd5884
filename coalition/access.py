"""Access helpers for staff views: who may open a page, and which region they are scoped to."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar, cast

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from coalition import twofactor
from coalition.models import Profile, Region
from coalition.roles import Role, has_role, is_staff_member


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind ``staff_required`` or ``login_required``: its user is a signed-in ``User``.

    Only a type (django-stubs' documented pattern): the decorators have refused anonymous users before the view runs,
    so the view's ``request.user`` is a ``User`` and passes as the ``by``/``changed_by`` of a service.
    """

    user: User


_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


def staff_required(view: _View) -> _View:
    """Let in users with a staff role (or superusers); send anonymous users to login, auditors to /audit/."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_member(user):
            if has_role(user, Role.AUDITOR):
                return redirect("audit:index")
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return cast(_View, wrapper)  # called exactly like ``view``; wraps() does not tell mypy so


def require(request: HttpRequest, *perms: str) -> None:
    """Refuse the request (403) unless its user holds every one of ``perms``: the one permission check of views."""
    if not request.user.has_perms(perms):
        raise PermissionDenied


def require_region(user, region: Region, message: str = "") -> None:
    """Refuse (403) a regional coordinator reaching an object of another region: the one region check of views and
    services (national roles pass)."""
    scope = scoped_region(user)
    if scope is not None and scope.pk != region.pk:
        raise PermissionDenied(message) if message else PermissionDenied


def scoped_region(user) -> Region | None:
    """Return the one region a regional coordinator is limited to; None means all regions.

    A coordinator without a region sees nothing rather than everything (fail closed).
    """
    if user.is_superuser or not has_role(user, Role.REGIONAL_COORDINATOR):
        return None
    if has_role(user, Role.COMMITTEE_STAFF):  # HQ staff who also coordinate keep the national view
        return None
    profile = _profile_with_region(user)
    if profile is None or profile.region_id is None:
        raise PermissionDenied("A regional coordinator needs a region in their profile.")
    return profile.region


def _profile_with_region(user):
    """Return the user's profile with its region loaded (one query, kept on the user for the request), or None."""
    if not user._state.fields_cache.get("profile"):
        profile = Profile.objects.select_related("region").filter(user=user).first()
        if profile is None:
            return None
        user.profile = profile  # caches the profile (and its region) for the rest of the request
    return user.profile


class SecondFactorMiddleware:
    """Hold a logged-in user who owes a TOTP code at the enrolment or verify page (coalition.twofactor).

    Superusers and users in OTP_REQUIRED_ROLES always owe it, judged on every request (a role granted mid-session
    is held at once); anyone else who enrolled a device owes it too. Public views
    (@login_not_required), the two second-factor pages and logout stay reachable. Runs after django-otp's
    OTPMiddleware, which sets ``request.user.is_verified()``.
    """

    EXEMPT = {"otp_setup", "otp_verify", "logout", "set_language"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if getattr(view_func, "login_required", True) is False:
            return None
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name in self.EXEMPT:
            return None
        owed = twofactor.owed(request, user)
        if not owed:
            return None
        target = "otp_verify" if owed == "verify" else "otp_setup"
        return redirect_to_login(request.get_full_path(), login_url=reverse(target))
