"""Request hygiene before any view runs: a body over the view's budget or rate is refused unread (413/429), a NUL byte
in the URL or a form field is refused, a cookie with one dropped."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.defaults import bad_request
from django_ratelimit.core import is_ratelimited

from coalition.views import ratelimited

logger = logging.getLogger("coalition.security")


class RefuseNulMiddleware:
    """Answer 400 to a NUL byte in the path, the query string or a posted form field; drop a cookie holding one.

    PostgreSQL text cannot hold NUL (psycopg: "PostgreSQL text fields cannot contain NUL (0x00) bytes"), so a case
    code in the URL, a search box, a filter or a field a view reads from request.POST itself (a revocation reason)
    that reached a query with one raised a DataError: a 500. No link or form of ours sends a NUL, so refusing it here
    covers every view, present and future, in one place (Django's form fields refuse NUL too, but not what a view
    reads directly). Uploaded files' contents are not looked at. A cookie cannot be refused the same way (a forged
    one would lock its holder out), so it is dropped: the session cookie is looked up in the database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            return _refuse(request, "the URL")
        # request.POST is parsed here rather than by the CSRF check a few middleware later; it is empty for non-forms.
        if request.method == "POST" and any(_has_nul(name, values) for name, values in request.POST.lists()):
            return _refuse(request, "a form field")
        if any("\x00" in name or "\x00" in value for name, value in request.COOKIES.items()):
            request.COOKIES = {name: value for name, value in request.COOKIES.items() if "\x00" not in name + value}
        return self.get_response(request)


def _has_nul(name: str, values: list[str]) -> bool:
    return "\x00" in name or any("\x00" in value for value in values)


def _refuse(request, where: str):
    """The 400 page, logged in one line (raising BadRequest would log a traceback per request: a flood is cheap)."""
    logger.warning("NUL byte in %s refused: %s %r", where, request.method, request.path[:200])
    return bad_request(request, BadRequest(f"NUL byte in {where}"))


# --- Request budget: size and rate checked before anything reads the body --------------------------------------

DEFAULT_MAX_REQUEST_BYTES = 3 * 1024 * 1024  # form fields alone are capped at 2.5 MB by DATA_UPLOAD_MAX_MEMORY_SIZE


@dataclass(frozen=True)
class RequestBudget:
    """What a view accepts: the largest body in bytes (a number, or a function returning one) and a rate limit."""

    max_bytes: int | Callable[[], int] | None = None
    rate: str | Callable[..., str] | None = None  # django-ratelimit's rate, counted per client address
    group: str = ""
    method: str = "POST"

    def body_limit(self) -> int:
        limit = self.max_bytes() if callable(self.max_bytes) else self.max_bytes
        return limit if limit is not None else default_max_request_bytes()


def default_max_request_bytes() -> int:
    return getattr(settings, "MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES)


def request_budget(
    *,
    max_bytes: int | Callable[[], int] | None = None,
    rate: str | Callable[..., str] | None = None,
    group: str = "",
    method: str = "POST",
):
    """Declare what a view accepts; :class:`RequestBudgetMiddleware` enforces it before the body is read.

    Every view without this declaration gets ``MAX_REQUEST_BYTES`` (3 MB) and no rate limit of its own.
    """

    def decorator(view):
        view.request_budget = RequestBudget(max_bytes=max_bytes, rate=rate, group=group, method=method)
        return view

    return decorator


def budget_for(view) -> RequestBudget:
    return getattr(view, "request_budget", None) or RequestBudget()


class RequestBudgetMiddleware:
    """Answer 413 to a body larger than the view accepts and 429 over its rate, before anything parses the body.

    It runs first: the NUL check below, the CSRF check and every form read ``request.POST``/``FILES``, which makes
    Django read and store the whole body (multipart files to memory or disk). The size comes from Content-Length
    (Django never reads past it, and reads nothing without it), so an oversized request costs a header parse.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            match = resolve(request.path_info)
        except Resolver404:
            budget = RequestBudget()
        else:
            budget = budget_for(match.func)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = budget.body_limit()
        if length > limit:
            logger.warning("Request body of %d bytes over %d refused: %r", length, limit, request.path[:200])
            return _too_large(request, limit)
        if budget.rate is not None and request.method == budget.method:
            # The counter is incremented here, once; key="ip" reads REMOTE_ADDR, never the body.
            if is_ratelimited(
                request, group=budget.group or None, fn=match.func, key="ip", rate=budget.rate,
                method=budget.method, increment=True,
            ):  # fmt: skip
                request.limited = True
                return ratelimited(request)
            request.limited = False
        return self.get_response(request)


def _too_large(request, limit: int) -> HttpResponse:
    response = render(
        request,
        "413.html",
        {
            "message": _("The request is too large (more than %(mb)s MB). Send fewer or smaller files.")
            % {"mb": max(1, limit // (1024 * 1024))}
        },
        status=413,
    )
    response["Connection"] = "close"  # the unread body must not be taken for the next request
    return response
