"""Garbage in a URL never makes a server error: every URL of the resolver, as a superuser, with NUL bytes and junk.

The URLs come from the resolver (tests/security/urlmap.py) with the access matrix's objects, so a new URL is tried
here the day it is added. For each URL:

- each path argument is replaced by junk the converter lets through (a NUL byte, a 3,000-character string, an id
  past PostgreSQL's bigint);
- each query parameter the page knows is set to junk in turn: the names come from the pages themselves (the fields of
  every GET form and the query keys of every link to that page; an export takes its list's, ``FILTERS_OF``), and
  those the views read directly are all set at once (``COMMON_PARAMETERS``).

Every answer must be below 500: 400 or 404 for a refused URL, or the page with the bad filter ignored. PostgreSQL
refuses NUL in text (psycopg: "PostgreSQL text fields cannot contain NUL (0x00) bytes"): the hotline case URL, the
check-in search and the payer-status lookup answered 500 with one, and so did any page for a session cookie holding
one. coalition.middleware.RefuseNulMiddleware now answers 400 before any view runs and drops such cookies.
"""

from __future__ import annotations

import logging
import time
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.factories import force_login
from tests.security.test_access_matrix import EXPECTED, ROLES, _object_for, _user, make_objects
from tests.security.urlmap import routes

SUPERUSER = ROLES.index("superuser")
NUL = "a\x00b"
# Junk for query parameters: a NUL byte, a long string, an impossible date, a number past bigint, a negative number,
# a range and a month that do not parse, markup and SQL quotes.
JUNK = [NUL, "x" * 3000, "2026-02-30", "9" * 30, "-1", "2026-13", "<'\";%>"]
# Junk for path arguments, per converter (an int converter lets digits only, a slug converter slug characters only).
PATH_JUNK = {
    "IntConverter": ["9" * 30, "0"],
    "SlugConverter": ["x" * 3000, "-"],
    "StringConverter": [NUL, "x" * 3000, "%", "..", "<'\";%>"],
    "PathConverter": [NUL, "x" * 3000, "../../etc/passwd"],
}
# Parameters that views read from request.GET without a form on the page: pagination, exports, the PDF and language
# switches, the calendar month, check-in search, a thumbnail size, a payer lookup, a preset organisation.
COMMON_PARAMETERS = {"page", "export", "format", "lang", "month", "q", "show", "code", "size", "payer_id", "next"}
COMMON_PARAMETERS |= {"organization", "kind"}
# Exports take the filters of their list; the list links to them with its current query only, empty when unfiltered.
FILTERS_OF = {
    "members:staff_export": "members:staff_organizations",
    "members:staff_people_export": "members:staff_people",
}


class _Parameters(HTMLParser):
    """Collect the query parameters a page sends, per target path: its GET forms' fields and its links' query keys."""

    def __init__(self, path: str, found: dict[str, set[str]]):
        super().__init__()
        self.path = path
        self.found = found
        self._form_target: str | None = None  # the path a GET form being read submits to

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            is_get = (attrs.get("method") or "get").lower() == "get"
            self._form_target = (urlsplit(attrs.get("action") or "").path or self.path) if is_get else None
        elif tag in ("input", "select", "textarea", "button") and self._form_target and attrs.get("name"):
            self.found.setdefault(self._form_target, set()).add(attrs["name"])
        elif tag == "a" and attrs.get("href"):
            url = urlsplit(attrs["href"])
            if url.query and not url.netloc:
                keys = {name for name, _ in parse_qsl(url.query, keep_blank_values=True)}
                self.found.setdefault(url.path or self.path, set()).update(keys)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form_target = None


def collect_parameters(response, path: str, found: dict[str, set[str]]) -> None:
    if "html" in response.get("Content-Type", ""):
        _Parameters(path, found).feed(response.content.decode(errors="replace"))


def _get(client: Client, url: str, failures: list[str]):
    """GET in a savepoint rolled back after it (a failed query must not poison the test's transaction)."""
    sid = transaction.savepoint()
    try:
        response = client.get(url)
    except Exception as error:  # noqa: BLE001 -- the test client re-raises the view's exception: that is the finding
        failures.append(f"GET {url[:160]!r} -> {type(error).__name__}: {str(error)[:160]}")
        return None
    finally:
        transaction.savepoint_rollback(sid)
    if response.status_code >= 500:
        failures.append(f"GET {url[:160]!r} -> {response.status_code}")
    return response


def _path_variants(route, kwargs: dict) -> list[str]:
    variants = []
    for arg, converter in route.converters.items():
        for junk in PATH_JUNK.get(type(converter).__name__, PATH_JUNK["StringConverter"]):
            try:
                variants.append(route.url(**{**kwargs, arg: junk}))
            except Exception:  # noqa: BLE001,S112 -- junk the converter refuses cannot be in a URL at all
                continue
    return variants


@pytest.mark.django_db
def test_no_url_answers_garbage_with_a_server_error(settings, caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")
    settings.RATELIMIT_ENABLE = False
    settings.HOTLINE_RATE = "1000000/h"
    objects = make_objects()
    client = force_login(Client(), _user("garbage-superuser", None, is_superuser=True, is_staff=True))
    failures: list[str] = []
    started, requests = time.monotonic(), 0
    pages: list[tuple[str, str]] = []  # URLs that answer 200 (pages, exports, JSON), and whose filters they take
    parameters: dict[str, set[str]] = {}  # path -> query parameter names seen in forms and links to it
    for route in sorted(routes(), key=lambda r: r.name):
        if route.name in ("logout", "set_language"):
            continue  # logging out would end the session; the language switch reads only a same-site `next`
        obj, get, _post = EXPECTED.get(route.name, (_object_for(route, objects), "", ""))
        if get and get[SUPERUSER] == "M":
            continue  # POST only: the view refuses GET before reading anything
        kwargs = objects.get(obj, {}) if obj else {}
        url = route.url(**kwargs)
        response = _get(client, url, failures)
        requests += 1
        if response is not None and response.status_code == 200:
            pages.append((url, reverse(FILTERS_OF[route.name]) if route.name in FILTERS_OF else url))
            collect_parameters(response, url, parameters)
        for variant in _path_variants(route, kwargs):
            _get(client, variant, failures)
            requests += 1
    # Then every parameter known for a page (exports get those of the links to them) one at a time (a form refusing
    # one field would ignore the others), and the parameters views read directly all at once.
    for url, filters_of in pages:
        for junk in JUNK:
            _get(client, f"{url}?{urlencode(dict.fromkeys(sorted(COMMON_PARAMETERS), junk))}", failures)
            requests += 1
            for name in sorted(parameters.get(filters_of, set()) - {"csrfmiddlewaretoken"}):
                _get(client, f"{url}?{urlencode({name: junk})}", failures)
                requests += 1
    elapsed = time.monotonic() - started
    print(f"{requests} requests in {elapsed:.1f} s")
    assert failures == [], f"{len(failures)} server errors:\n" + "\n".join(failures)


def test_nul_in_the_url_is_refused_before_the_view(client, superuser):
    """The hotline case URL with a NUL byte in the code, and the case list searched for one: 400, not a DataError."""
    force_login(client, superuser)
    response = client.get("/hotline/" + quote("ABC\x00DEF") + "/")
    assert response.status_code == 400
    assert "400.html" in [template.name for template in response.templates]
    assert client.get("/hotline/?" + urlencode({"q": "a\x00b"})).status_code == 400
    assert client.get("/hotline/?" + urlencode({"q\x00": "x"})).status_code == 400
    assert client.get("/hotline/?" + urlencode({"q": "ab"})).status_code == 200


def test_nul_in_a_posted_field_is_refused_before_the_view(client, superuser):
    """Views that read request.POST themselves (a revocation reason, a digest) would take a NUL to PostgreSQL."""
    force_login(client, superuser)
    url = reverse("events:certificate_revoke", args=[999999])
    assert client.post(url, {"reason": "a\x00b"}).status_code == 400
    assert client.post(url, {"reason\x00": "x"}).status_code == 400
    body = urlencode({"reason": "a\x00b"})
    assert client.post(url, body, content_type="application/x-www-form-urlencoded").status_code == 400
    assert client.post(url, {"reason": "ab"}).status_code == 404  # the view runs


def test_a_cookie_with_nul_is_ignored(superuser):
    """A forged session cookie with a NUL byte would be looked up in PostgreSQL: it is dropped (anonymous user)."""
    client = Client(HTTP_COOKIE=f'{django_settings.SESSION_COOKIE_NAME}="abcdefgh\\000ijklmnop"')
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert Client(HTTP_COOKIE='csrftoken="abc\\000"').get(reverse("members:join")).status_code == 200
