"""TOTP second factor for staff (django-otp): optional for everyone, required for the roles in OTP_REQUIRED_ROLES.

After the password, a user who must use a second factor and has no confirmed device is sent to the enrolment page
(QR code + secret + a code to confirm); a user with a confirmed device is sent to the verify page. Until the session
is verified, every page but the public ones, these two and logout redirects there
(coalition.access.SecondFactorMiddleware).

Who must use one is decided on every request, not once at login: superusers and the roles in OTP_REQUIRED_ROLES
(finance and integrity officers and auditors by default: they read personal data) owe a code the moment they hold the
authority, so a role granted to a running session takes effect on its next request (docs/security.md, class 7).
"""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from coalition.roles import has_role

SETUP_NAME = "Coalition HQ authenticator"
OWED_SESSION_KEY = "coalition_otp_owed"  # "verify" if the user had enrolled a device at login, else ""


def second_factor_required(user) -> bool:
    """Whether ``user`` must verify a TOTP code after the password: superusers and roles in OTP_REQUIRED_ROLES."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or has_role(user, *getattr(settings, "OTP_REQUIRED_ROLES", ()))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def record_owed(request: HttpRequest, user) -> str:
    """Record in the session whether the user had enrolled a device at login (an optional one is owed too)."""
    owed = "verify" if confirmed_device(user) is not None else ""
    request.session[OWED_SESSION_KEY] = owed
    return owed


def owed(request: HttpRequest, user) -> str:
    """Return what an unverified session owes now: "verify", "setup" or "" (nothing).

    The user's authority is judged on this request (superuser flag and role groups as the database holds them now),
    so a role needing a second factor granted mid-session is held at once. Only the optional case (a user who needs
    no second factor but enrolled one) is read from the session, recorded at login.
    """
    if second_factor_required(user):
        return "verify" if confirmed_device(user) is not None else "setup"
    recorded = request.session.get(OWED_SESSION_KEY)
    if recorded is None:  # sessions from before the login signal recorded it
        recorded = record_owed(request, user)
    return "verify" if recorded == "verify" else ""


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        record_owed(request, user)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the authenticator app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


def _qr_data_uri(url: str) -> str:
    out = io.BytesIO()
    qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2).save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


@never_cache
@sensitive_post_parameters("code")
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device: show the QR code and the secret, confirm with one code."""
    user = request.user
    # is_verified() is set on the user by django_otp's OTPMiddleware, which the auth user types do not know.
    if confirmed_device(user) is not None and not request.user.is_verified():  # type: ignore[union-attr]
        return redirect("otp_verify")
    device, _created = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": SETUP_NAME})
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()  # one authenticator per user
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is on for your account."))
            return redirect(_next(request))
        form.add_error("code", _("The code is not right. Check the time on your phone and try the newest code."))
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/otp_setup.html",
        {
            "form": form,
            "qr": _qr_data_uri(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "required": second_factor_required(user),
            "next": _next(request),
        },
    )


@never_cache
@sensitive_post_parameters("code")
def verify(request: HttpRequest) -> HttpResponse:
    """Ask for the current code of the user's authenticator (django-otp throttles repeated failures)."""
    device = confirmed_device(request.user)
    if device is None:
        return redirect("otp_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_is_allowed()[0] and device.verify_token(form.cleaned_data["code"].strip()):
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("code", _("The code is not right, or too many tries: wait a little and try the newest code."))
    return render(request, "registration/otp_verify.html", {"form": form, "next": _next(request)})
