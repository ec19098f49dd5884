"""Who may call the API: an observer's phone by its device token, or a signed-in staff member (reading only).

The device token is looked up on every request (:func:`electionday.services.devices.authenticate`), so a revoked
device, an ended assignment or a revoked or expired certificate answers 401 on the next call. The staff session is
accepted for GET only: a POST with a session cookie (a cross-site form, say) is refused as unauthenticated, so no
CSRF token is needed anywhere in the API. Rates are counted per device (or per staff user) with django-ratelimit,
as everywhere in the project: observers behind one mobile carrier's NAT share a client address.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import BaseThrottle

from coalition import twofactor
from coalition.roles import is_staff_member
from electionday.models import Device
from electionday.services import devices

# A phone sends a burst when it comes back online (every queued report, photos one by one): generous per device.
DEVICE_RATE = "120/m"
STAFF_RATE = "120/m"


class DeviceToken(HttpBearer):
    """``Authorization: Bearer <device token>``: the observer's phone."""

    def authenticate(self, request: HttpRequest, token: str) -> Device | None:
        return devices.authenticate(token.strip())


class StaffSession(SessionAuth):
    """The staff's own session, for reading (GET) only; a second factor owed must have been given."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if request.method != "GET" or not isinstance(user, User) or not is_staff_member(user):
            return None
        # The API's views are public to LoginRequiredMiddleware (the device token is their key), so the second
        # factor middleware does not hold them: check here what it would.
        if not user.is_verified() and twofactor.owed(request, user):  # type: ignore[attr-defined]  # django-otp
            return None
        return user


class PerCaller(BaseThrottle):
    """Refuse (429) more than the rate per device or staff user, counted with django-ratelimit."""

    def allow_request(self, request: HttpRequest) -> bool:
        caller: Any = getattr(request, "auth", None)
        if isinstance(caller, Device):
            ident, rate = f"device:{caller.pk}", DEVICE_RATE
        elif isinstance(caller, User):
            ident, rate = f"user:{caller.pk}", STAFF_RATE
        else:
            return True
        return not is_ratelimited(
            request,
            group="electionday.api",
            key=lambda _group, _request: ident,
            rate=rate,
            method=ALL,
            increment=True,
        )


def device_of(request: HttpRequest) -> Device | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Device) else None


def staff_of(request: HttpRequest) -> User | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, User) else None
