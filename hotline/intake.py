"""Privacy of the public hotline intake: no cookie, no session, no referrer, no cache.

The report form and the status pages answer with ``Referrer-Policy: no-referrer`` and ``Cache-Control: no-store``
and set no cookie. Without a cookie Django's CSRF check cannot work (and with ``no-referrer`` Chromium sends
``Origin: null`` on the form's own POST, which that check refuses), so these POSTs are exempt from it and carry a
stateless signed token instead (django.core.signing, keyed by SECRET_KEY):

* the *form token* proves the POST comes from a form this site rendered in the last few hours;
* the *case token* on the status page stands for "this browser showed the right receipt" for 30 minutes — what a
  session used to hold — so adding information needs no session either.

These views use no ambient authority (no cookie, no login), so a cross-site POST can do nothing a visitor could not
do with the form itself; the token keeps stale and forged submissions out and names the problem to the reporter.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.core import signing
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.csrf import csrf_exempt

FORM_FIELD = "intake_token"
CASE_FIELD = "case_token"
FORM_SALT = "hotline.intake.form"
CASE_SALT = "hotline.intake.case"


def form_token_seconds() -> int:
    return getattr(settings, "HOTLINE_FORM_TOKEN_SECONDS", 4 * 3600)


def case_token_seconds() -> int:
    return getattr(settings, "HOTLINE_CASE_TOKEN_SECONDS", 30 * 60)


def issue_form_token() -> str:
    return signing.TimestampSigner(salt=FORM_SALT).sign("hotline-form")


def form_token_valid(value: str | None) -> bool:
    if not value:
        return False
    try:
        return signing.TimestampSigner(salt=FORM_SALT).unsign(value, max_age=form_token_seconds()) == "hotline-form"
    except signing.BadSignature:  # includes SignatureExpired
        return False


def issue_case_token(report) -> str:
    return signing.dumps({"case": report.pk}, salt=CASE_SALT)


def case_pk(value: str | None) -> int | None:
    if not value:
        return None
    try:
        data = signing.loads(value, salt=CASE_SALT, max_age=case_token_seconds())
    except signing.BadSignature:
        return None
    return data.get("case") if isinstance(data, dict) else None


def private_intake(view):
    """Mark a public hotline view: no CSRF cookie check, no caching, no referrer, and never a cookie set."""

    # Reviewed exemption (docs/scanning.md): a signed form token instead of the cookie.
    # nosemgrep: semgrep.csrf-exempt-outside-allow-list
    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.hotline_intake = True  # base.html leaves out the CSRF token (and so the CSRF cookie)
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        patch_cache_control(response, no_store=True, private=True)
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    return wrapper
