"""CSRF: every POST form of the project is refused without its token, and only the reviewed views are exempt.

Evidence for the wapiti `csrf` findings reviewed in docs/scanning.md: the forms are read from the pages themselves
(every URL of the resolver as a superuser, with the access matrix's objects), each is posted once without its
``csrfmiddlewaretoken`` (Django's check must answer 403) and once with it (the view itself must answer, not the CSRF
check). Multipart upload forms are posted as multipart, the others URL-encoded, as a browser would.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve

from tests.factories import force_login
from tests.security.test_access_matrix import EXPECTED, ROLES, _object_for, _user, make_objects
from tests.security.urlmap import routes

SUPERUSER = ROLES.index("superuser")
# Views exempt from Django's CSRF check, each reviewed (docs/security.md, docs/scanning.md): the hotline intake sets
# no cookie at all and carries a signed form token instead (hotline/intake.py); the language switch only
# sets the language cookie and redirects to a same-site page.
# The election-day API (/api/v1/) reads no cookie to act: a phone writes with its device token in the Authorization
# header, which a cross-site form cannot send; a staff session may only read (GET), and django-ninja's SessionAuth
# checks CSRF itself (electionday/api/auth.py).
API_V1 = {
    "api-v1:me",
    "api-v1:checklists",
    "api-v1:incident_categories",
    "api-v1:severities",
    "api-v1:submissions",
    "api-v1:incidents",
    "api-v1:protocols",
}
CSRF_EXEMPT = {
    "set_language",
    "hotline:report",
    "hotline:status",
    "hotline:status_add",
    "hotline:status_leave",
    *API_V1,
}
# The hotline intake's own token fields: a POST without them is refused with 400 (not 403: no CSRF check runs).
INTAKE_TOKENS = {"intake_token", "case_token"}
# Forms not posted here: logging out ends the test's session.
NOT_POSTED = {"logout"}


@dataclass
class Form:
    page: str
    action: str
    multipart: bool
    fields: dict[str, str] = field(default_factory=dict)


class _Forms(HTMLParser):
    """The POST forms of a page with their fields' initial values (file inputs left empty, as a browser would)."""

    def __init__(self, page: str):
        super().__init__()
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if (attrs.get("method") or "get").lower() == "post":
                action = urlsplit(attrs.get("action") or self.page).path or urlsplit(self.page).path
                multipart = (attrs.get("enctype") or "").lower() == "multipart/form-data"
                self._form = Form(self.page, action, multipart)
                self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "option" and self._select:
            if self._select not in self._form.fields or "selected" in attrs:  # the selected option, else the first
                self._form.fields[self._select] = attrs.get("value") or ""
            return
        name = attrs.get("name")
        if not name:
            return
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("file", "submit", "button", "image"):
                self._form.fields[name] = attrs.get("value") or ""
        elif tag == "textarea":
            self._form.fields[name] = ""
        elif tag == "select":
            self._select = name

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _post(client: Client, form: Form, data: dict[str, str]):
    """POST the form in a savepoint rolled back after it, with the client's cookies as they were before it."""
    cookies = client.cookies
    client.cookies = type(cookies)()
    client.cookies.update(cookies)
    sid = transaction.savepoint()
    try:
        if form.multipart:
            return client.post(form.action, data)
        return client.post(form.action, urlencode(data), content_type="application/x-www-form-urlencoded")
    finally:
        transaction.savepoint_rollback(sid)
        client.cookies = cookies


def _route_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


@pytest.mark.django_db
def test_only_the_reviewed_views_are_csrf_exempt():
    exempt = {route.name for route in routes() if getattr(route.callback, "csrf_exempt", False)}
    assert exempt == CSRF_EXEMPT


@pytest.mark.django_db
def test_every_post_form_is_refused_without_its_token(settings, caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")
    caplog.set_level(logging.CRITICAL, logger="django.security.csrf")
    settings.RATELIMIT_ENABLE = False
    settings.HOTLINE_RATE = "1000000/h"
    objects = make_objects()
    client = force_login(Client(enforce_csrf_checks=True), _user("csrf-superuser", None, is_superuser=True))
    forms: dict[tuple[str, bool, tuple[str, ...]], Form] = {}  # one per action, encoding and field names
    for route in sorted(routes(), key=lambda r: r.name):
        obj, get, _post_row = EXPECTED.get(route.name, (_object_for(route, objects), "", ""))
        if route.name in NOT_POSTED or (get and get[SUPERUSER] != "2"):
            continue
        response = client.get(route.url(**objects.get(obj, {})) if obj else route.url())
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms(response.wsgi_request.path)
        parser.feed(response.content.decode())
        for form in parser.forms:
            forms.setdefault((form.action, form.multipart, tuple(sorted(form.fields))), form)

    problems, multipart = [], 0
    for form in forms.values():
        name = _route_name(form.action)
        if name in NOT_POSTED:
            continue
        multipart += form.multipart
        where = f"{form.action} ({name}, form on {form.page}, {'multipart' if form.multipart else 'urlencoded'})"
        if name in CSRF_EXEMPT:
            tokens = INTAKE_TOKENS & set(form.fields)
            if tokens:  # the intake's signed token is checked instead: without it the view refuses the POST
                without = {k: v for k, v in form.fields.items() if k not in tokens}
                if _post(client, form, without).status_code != 400:
                    problems.append(f"{where}: accepted without its signed {sorted(tokens)}")
            continue
        if "csrfmiddlewaretoken" not in form.fields:
            problems.append(f"{where}: POST form without {{% csrf_token %}}")
            continue
        without = {k: v for k, v in form.fields.items() if k != "csrfmiddlewaretoken"}
        response = _post(client, form, without)
        if response.status_code != 403 or b"CSRF" not in response.content:
            problems.append(f"{where}: without the token answered {response.status_code}, not the CSRF 403")
        response = _post(client, form, {**without, "csrfmiddlewaretoken": "wapiti"})
        if response.status_code != 403:
            problems.append(f"{where}: with a forged token answered {response.status_code}, not 403")
        response = _post(client, form, form.fields)
        if response.status_code == 403:
            problems.append(f"{where}: refused even with its token (the test's control)")
    print(f"{len(forms)} POST forms, {multipart} of them multipart")
    assert len(forms) > 50 and multipart >= 6, (len(forms), multipart)  # the pages were really read
    assert problems == [], "\n".join(problems)
