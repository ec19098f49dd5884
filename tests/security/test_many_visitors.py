"""Many visitors, one page: each public form works for every visitor, not only the one who warmed a cache.

The join form once carried, inside its cached rendering, the CSRF token of the visitor who filled the cache; a
browser posts every hidden input and Django reads the last value of a name, so every later visitor got a 403. These
tests do what browsers do: each visitor has its own cookie jar and CSRF checks on, GETs the page after the others,
and POSTs **every** input of the form in document order (duplicates included), with only the visible fields typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import count
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.donations.factories import election, iin
from tests.events.factories import EventFactory, SessionFactory, certified
from tests.factories import bin_number, region

pytestmark = pytest.mark.django_db
VISITORS = 3
_ips = count(1)


@dataclass
class BrowserForm:
    """A form as a browser would submit it: every successful control, in document order."""

    action: str
    method: str
    multipart: bool
    controls: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, input type)

    def hidden(self) -> list[tuple[str, str]]:
        return [(name, value) for name, value, kind in self.controls if kind == "hidden"]

    def payload(self, typed: dict[str, str]) -> list[tuple[str, str]]:
        """The submitted pairs: hidden inputs as rendered, visible ones as typed (a typed name not on the page is
        an error of the test, not of the page)."""
        names = {name for name, _value, _kind in self.controls}
        missing = set(typed) - names
        assert not missing, f"no such field on the page: {sorted(missing)}"
        pairs, done = [], set()
        for name, value, kind in self.controls:
            if kind == "hidden":
                pairs.append((name, value))
            elif name in typed:
                if name not in done:  # a checkbox group typed once
                    pairs.append((name, typed[name]))
                    done.add(name)
            elif kind not in ("checkbox", "radio") or value is not None:
                pairs.append((name, value))
        return pairs


class _Parser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[BrowserForm] = []
        self._form: BrowserForm | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("action") or self.page
            method = (attrs.get("method") or "get").lower()
            multipart = (attrs.get("enctype") or "").lower() == "multipart/form-data"
            self._form = BrowserForm(urlsplit(action).path or urlsplit(self.page).path, method, multipart)
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                self._form.controls.append((name, None, kind))  # unchecked: sent only if typed
                return
            self._form.controls.append((name, attrs.get("value") or ("on" if kind == "checkbox" else ""), kind))
        elif tag == "select" and name:
            self._select, self._select_value = name, None
        elif tag == "option" and self._select:
            if self._select_value is None or "selected" in attrs:
                self._select_value = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self._form.controls.append((name, "", "textarea"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select and self._form is not None:
            self._form.controls.append((self._select, self._select_value or "", "select"))
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_on(html: str, page: str) -> list[BrowserForm]:
    parser = _Parser(page)
    parser.feed(html)
    return parser.forms


def visitor() -> Client:
    """A new browser: its own cookie jar and address, CSRF checks on as in production."""
    n = next(_ips)
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=f"10.77.{n // 256 % 256}.{n % 256}")


def submit(
    client: Client, page: str, typed: dict[str, str], *, form_id: str | None = None, action: str = "", files=None
):
    """GET the page as this visitor, then submit its form (the one with ``form_id``, else the only form posting to
    ``action`` that has every typed field) the way a browser does."""
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    html = response.content.decode()
    candidates = forms_on(html, page)
    if form_id:
        ids = re.findall(r"<form[^>]*>", html)
        candidates = [form for form, tag in zip(candidates, ids, strict=True) if f'id="{form_id}"' in tag]
    else:
        candidates = [f for f in candidates if set(typed) <= {name for name, _v, _k in f.controls}]
        candidates = [f for f in candidates if f.action == (action or f.action) and f.action != reverse("set_language")]
    assert len(candidates) == 1, f"{page}: {len(candidates)} forms match"
    form = candidates[0]
    pairs = form.payload(typed)
    if form.method == "get":
        return client.get(form.action + "?" + urlencode(pairs)), form
    if form.multipart:
        data: dict[str, list] = {}
        for name, value in pairs:
            data.setdefault(name, []).append(value)
        data.update(files or {})
        return client.post(form.action, data), form
    return client.post(form.action, urlencode(pairs), content_type="application/x-www-form-urlencoded"), form


def assert_not_refused(response, page: str):
    assert response.status_code != 403, f"{page}: refused with 403 ({response.content[:200]!r})"


def test_join_form_works_for_every_visitor_after_the_cache_is_warm():
    visitor().get("/join/")  # someone else fills the cache first
    for n in range(VISITORS):
        response, _form = submit(
            visitor(),
            "/join/",
            {
                "name_ru": f"Профсоюз работников образования {n}",
                "bin": bin_number(),
                "kind": "trade_union",
                "region": str(region("KZ-35").pk),
                "address": "Караганда, ул. Ерубаева, 1",
                "phone": "8 701 123 45 67",
                "email": f"union{n}@example.kz",
                "head_name": "Ахметов Нурлан",
                "head_title": "Председатель",
                "representative_name": f"Сапарова Айгуль {n}",
                "representative_title": "Секретарь",
                "representative_phone": "+7 747 000 11 22",
                "consent": "on",
            },
            form_id="join-form",
        )
        assert_not_refused(response, "/join/")
        assert response.status_code == 302 and response["Location"] == reverse("members:join_done"), n


def test_join_forms_cached_part_carries_no_token():
    """The cause, pinned: whatever the cache holds, the page has exactly one token, the visitor's own."""
    first, second = visitor(), visitor()
    for page in (first.get("/join/").content.decode(), second.get("/join/").content.decode()):
        (form,) = [f for f in forms_on(page, "/join/") if f.action == "/join/"]
        assert [name for name, _value in form.hidden()].count("csrfmiddlewaretoken") == 1


def test_pledge_form_works_for_every_visitor():
    election()
    visitor().get("/donate/")
    for n in range(VISITORS):
        response, _form = submit(
            visitor(),
            "/donate/",
            {"payer_id": iin(), "name": f"Иванов Иван {n}", "amount": "5000", "declaration": "on"},
        )
        assert_not_refused(response, "/donate/")
        assert response.status_code == 302 and response["Location"] == reverse("donations:pledged"), n


def test_event_registration_and_cancellation_work_for_every_visitor():
    event = EventFactory()
    page = reverse("events:event_public", args=[event.public_token])
    visitor().get(page)
    for n in range(VISITORS):
        browser = visitor()
        response, _form = submit(
            browser, page, {"full_name": f"Асель Нурланова {n}", "email": f"asel{n}@example.kz", "consent": "on"}
        )
        assert_not_refused(response, page)
        assert response.status_code == 302, n
        registration_page = response["Location"]
        cancel = reverse("events:registration_cancel", args=[registration_page.rstrip("/").rsplit("/", 1)[-1]])
        response, _form = submit(browser, registration_page, {}, action=cancel)
        assert_not_refused(response, registration_page)
        assert response.status_code == 302
    assert event.registrations.filter(status="cancelled").count() == VISITORS


def test_training_enrolment_works_for_every_visitor():
    session = SessionFactory()
    page = reverse("events:session_public", args=[session.public_token])
    visitor().get(page)
    for n in range(VISITORS):
        response, _form = submit(
            visitor(), page, {"full_name": f"Ерлан Садыков {n}", "email": f"erlan{n}@example.kz", "consent": "on"}
        )
        assert_not_refused(response, page)
        assert response.status_code == 302, n
    assert session.enrolments.count() == VISITORS


def test_certificate_verification_works_for_every_visitor():
    certificate = certified()
    visitor().get("/certificates/verify/")
    for _n in range(VISITORS):
        response, form = submit(visitor(), "/certificates/verify/", {"code": certificate.verification_code})
        assert form.method == "get"
        assert response.status_code == 302
        assert response["Location"] == reverse("events:verify_code", args=[certificate.verification_code])


def test_hotline_report_and_status_pages_work_for_every_visitor(settings, integrity_officer):
    settings.HOTLINE_RATE = "1000/h"
    visitor().get("/report/")
    for n in range(VISITORS):
        browser = visitor()
        response, _form = submit(
            browser,
            "/report/",
            {
                "category": "coercion_donate",
                "description": f"На работе заставляют перечислять деньги в фонд кандидата ({n}).",
                "locality": "Темиртау",
            },
        )
        assert_not_refused(response, "/report/")
        html = response.content.decode()
        assert response.status_code == 200 and 'data-testid="tracking-code"' in html, n
        code = re.search(r'data-testid="tracking-code">([^<]+)<', html).group(1)
        secret = re.search(r'data-testid="secret">([^<]+)<', html).group(1)
        response, _form = submit(browser, "/report/status/", {"code": code, "secret": secret})
        assert_not_refused(response, "/report/status/")
        assert response.status_code == 200 and code in response.content.decode()
        status_page = response.content.decode()
        add = [f for f in forms_on(status_page, "/report/status/") if f.action == "/report/status/add/"]
        assert len(add) == 1
        pairs = add[0].payload({"text": f"Ещё подробности {n}"})
        data: dict[str, list] = {}
        for name, value in pairs:
            data.setdefault(name, []).append(value)
        response = browser.post("/report/status/add/", data)
        assert_not_refused(response, "/report/status/add/")
        assert response.status_code == 200 and f"Ещё подробности {n}" in response.content.decode()


# --- the general guard ------------------------------------------------------------------------------------------

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CACHE_TAG = re.compile(r"{%\s*cache\s+\S+\s+(\w+)")
# Every cached template fragment, with a public page that renders it. A new {% cache %} fails the test below until
# it is listed here, so it gets checked for what it may carry from one visitor to the next.
CACHED_FRAGMENTS = {"members_join_form": "/join/"}


def test_every_cached_fragment_is_listed_with_a_page_that_renders_it():
    found = {
        match.group(1)
        for path in TEMPLATES.rglob("*.html")
        for match in CACHE_TAG.finditer(path.read_text(encoding="utf-8"))
    }
    assert found == set(CACHED_FRAGMENTS)


@pytest.mark.parametrize("fragment", sorted(CACHED_FRAGMENTS))
def test_no_cached_fragment_carries_one_visitors_values_to_another(fragment, staff_user):
    """Render the page for one visitor (who typed something and has a session), then for another: nothing bound to
    the first — CSRF token, cookie values, what they typed — may appear in the second's page."""
    from tests.factories import force_login

    page = CACHED_FRAGMENTS[fragment]
    first = Client(REMOTE_ADDR="10.78.0.1")  # CSRF checks off: its invalid POST must reach the form
    force_login(first, staff_user)  # a session of the first visitor's own
    html_first = first.get(page).content.decode()
    first.post(page, {"name_ru": "Канарейка-7f3a", "email": "canary-7f3a@example.kz"})  # an invalid, bound form
    html_first += first.get(page).content.decode()
    second = visitor()
    html_second = second.get(page).content.decode()
    secrets = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html_first))
    secrets |= {morsel.value for morsel in first.cookies.values() if len(morsel.value) >= 16}
    secrets |= {"Канарейка-7f3a", "canary-7f3a@example.kz", staff_user.username}
    assert secrets
    leaked = sorted(secret for secret in secrets if secret in html_second)
    assert leaked == []
