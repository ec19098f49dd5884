"""Request hygiene before any view runs: a NUL byte in the URL or a form field is refused, a cookie with one dropped."""

from __future__ import annotations

import logging
from urllib.parse import unquote

from django.core.exceptions import BadRequest
from django.views.defaults import bad_request

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
