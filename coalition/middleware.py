"""Request hygiene before any view runs: URLs with a NUL byte are refused, cookies with one are dropped."""

from __future__ import annotations

from urllib.parse import unquote

from django.core.exceptions import BadRequest


class RefuseNulMiddleware:
    """Answer 400 to a NUL byte in the path or the query string; treat a cookie holding one as absent.

    PostgreSQL text cannot hold NUL (psycopg: "PostgreSQL text fields cannot contain NUL (0x00) bytes"), so a case
    code in the URL, a search box or a filter that reached a query with one raised a DataError: a 500. No link of
    ours carries a NUL, so refusing it here covers every view, present and future, in one place. A cookie cannot be
    refused the same way (a forged one would lock its holder out), so it is dropped: the session cookie is looked up
    in the database. Form fields need nothing here: Django's form fields refuse NUL themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            raise BadRequest("NUL byte in the URL")
        if any("\x00" in name or "\x00" in value for name, value in request.COOKIES.items()):
            request.COOKIES = {name: value for name, value in request.COOKIES.items() if "\x00" not in name + value}
        return self.get_response(request)
