"""Every public form under generated, hostile input: never a server error, and a refused post writes nothing.

The number of examples per form comes from the hypothesis profile ("ci" in `make test`, "fuzz" in `make fuzz`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, quote_from_bytes

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from coalition.models import OutboundMessage
from coalition.outbox import links
from hotline.intake import issue_case_token, issue_form_token
from members.models import Affiliation
from members.services import portal
from tests.donations import factories as donation_factories
from tests.events.factories import (
    CourseFactory,
    EventFactory,
    RegistrationFactory,
    SessionFactory,
    admitted_organization,
    certified,
)
from tests.factories import bin_number, iin_number, region
from tests.fuzz import tally
from tests.fuzz.conftest import changed, rolled_back, row_counts
from tests.fuzz.strategies import any_text, hostile_text, mutated, raw_bodies
from tests.hotline.factories import file_report
from tests.members.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _redirected(response) -> bool:
    return response.status_code == 302


@dataclass
class Target:
    name: str
    url: str
    base: dict
    method: str = "post"
    accepted: Callable = _redirected
    files_field: str | None = None
    client: Client | None = None


def _join():
    return Target(
        "join",
        "/join/",
        {
            "name_ru": "Общественное объединение «Тест»",
            "short_name": "Тест",
            "bin": bin_number(),
            "kind": "public_association",
            "region": region("KZ-35").pk,
            "address": "Караганда, ул. Тестовая, 1",
            "phone": "8 701 123 45 67",
            "email": "org@example.kz",
            "website": "example.kz",
            "head_name": "Иванов Иван",
            "head_title": "Председатель",
            "declared_members": "120",
            "representative_name": "Петрова Анна",
            "representative_title": "Секретарь",
            "representative_phone": "+7 747 000 11 22",
            "representative_email": "anna@example.kz",
            "representative_iin": "",
            "consent": "on",
            "fax_number": "",
        },
    )


def _donate():
    donation_factories.election()
    return Target(
        "donate",
        "/donate/",
        {"payer_id": iin_number(), "name": "Иванов Иван", "amount": "1000", "declaration": "on", "website": ""},
    )


def _hotline_report():
    return Target(
        "hotline report",
        "/report/",
        {
            "category": "coercion_donate",
            "description": "На работе заставляют перечислять деньги в фонд кандидата.",
            "region": region("KZ-35").pk,
            "locality": "Темиртау",
            "occurred_on": "2026-11-10",
            "involved": "ТОО «Пример»",
            "give_identity": "",
            "full_name": "",
            "phone": "",
            "email": "",
            "website": "",
            "intake_token": issue_form_token(),  # the signed token the form carries instead of a CSRF cookie
        },
        accepted=lambda response: b'data-testid="tracking-code"' in response.content,
        files_field="files",
    )


def _hotline_status():
    receipt = file_report()
    return Target(
        "hotline status lookup",
        "/report/status/",
        {"code": receipt.code, "secret": receipt.secret, "intake_token": issue_form_token()},
    )


def _hotline_add():
    receipt = file_report()
    return Target(
        "hotline add information",
        "/report/status/add/",
        {"text": "Ещё одна деталь.", "case_token": issue_case_token(receipt.report)},
        # The page answers in place (no session to carry a redirect): a success message says it was added.
        accepted=lambda response: response.status_code == 200 and b"alert alert-success" in response.content,
        files_field="files",
    )


APPLICANT = {"full_name": "Сидоров Пётр", "email": "petr@example.kz", "phone": "+7 701 555 44 33", "consent": "on"}


def _event_registration():
    event = EventFactory(capacity=1)
    RegistrationFactory(event=event)  # full: a valid post lands on the waiting list
    return Target("event registration", f"/e/{event.public_token}/", dict(APPLICANT))


def _training_enrolment():
    session = SessionFactory(course=CourseFactory())
    return Target("training enrolment", f"/t/{session.public_token}/", dict(APPLICANT))


def _certificate_verify():
    certified()
    return Target("certificate verify", "/certificates/verify/", {"code": "ABCD-1234"}, method="get")


def _invitation():
    org = admitted_organization(name_ru="Наша организация")
    person = PersonFactory(full_name="Петрова Анна", email="anna@example.kz")
    Affiliation.objects.create(person=person, organization=org, role="representative", title="Секретарь")
    portal.invite_representatives(organization=org, invited_by=None)
    token = re.search(r"/portal/invitation/([^/\s]+)/", links.render(OutboundMessage.objects.get().body)).group(1)
    return Target(
        "portal invitation",
        f"/portal/invitation/{token}/",
        {"username": "anna.petrova", "password1": "long-enough-pass-42", "password2": "long-enough-pass-42"},
    )


SETUPS = {
    "join": _join,
    "donate": _donate,
    "hotline_report": _hotline_report,
    "hotline_status": _hotline_status,
    "hotline_add": _hotline_add,
    "event_registration": _event_registration,
    "training_enrolment": _training_enrolment,
    "certificate_verify": _certificate_verify,
    "portal_invitation": _invitation,
}


@pytest.fixture
def target(request, db) -> Target:
    return SETUPS[request.param]()


file_names = st.one_of(st.sampled_from(["a.jpg", "b.pdf", "x.exe", "../../etc/passwd", ""]), any_text)
uploads = st.lists(st.tuples(file_names, st.binary(max_size=300)), max_size=3)


def _upload_name(name: str) -> str:
    """The file name a browser would send: its last part; Django's test client cannot even build ``/`` or ``..``."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base if base not in ("", ".", "..") else "f"


def _send(target: Target, payload, files):
    client = target.client or Client()
    kind, value = payload
    if kind == "raw":
        body, content_type = value
        if target.method == "get":
            return client.generic("GET", f"{target.url}?{quote_from_bytes(body, safe='=&')}")
        return client.generic("POST", target.url, body, content_type=content_type)
    if target.method == "get":
        return client.get(target.url, value)
    if target.files_field and files:
        value = {
            **value,
            target.files_field: [SimpleUploadedFile(_upload_name(name), content) for name, content in files],
        }
    return client.post(target.url, value)


@pytest.mark.parametrize("target", list(SETUPS), indirect=True)
@given(data=st.data())
def test_public_form_never_errors_and_a_refusal_writes_nothing(target, data):
    payload = data.draw(
        st.one_of(
            mutated(target.base).map(lambda value: ("form", value)),
            mutated(target.base).map(lambda value: ("form", value)),
            raw_bodies().map(lambda value: ("raw", value)),
        ),
        label="payload",
    )
    files = data.draw(uploads, label="files") if target.files_field else []
    with rolled_back():
        before = row_counts()
        response = tally.run(target.name, lambda: _send(target, payload, files))
        assert response.status_code in (200, 302, 400, 404, 405, 413), response.status_code
        if not target.accepted(response):
            assert changed(before, row_counts()) == {}


TOKEN_URLS = [
    ("get", "/e/{}/"),
    ("post", "/e/{}/"),
    ("get", "/e/{}/event.ics"),
    ("get", "/r/{}/"),
    ("post", "/r/{}/cancel/"),
    ("get", "/t/{}/"),
    ("get", "/certificates/{}/"),
    ("get", "/certificates/{}/pdf/"),
    ("get", "/portal/invitation/{}/"),
    ("get", "/donations/{}/disclosure.csv"),
]


@pytest.fixture
def public_links(db):
    event = EventFactory()
    RegistrationFactory(event=event)
    certified()
    donation_factories.election()


@given(
    url=st.sampled_from(TOKEN_URLS),
    token=st.one_of(hostile_text, st.sampled_from(["0", "-1", "%00", "..", "%2e%2e%2f"])).filter(lambda t: t.strip()),
)
def test_public_links_with_made_up_tokens_never_error(public_links, url, token):
    method, pattern = url
    path = pattern.format(quote(token[:2000], safe=""))
    with rolled_back():
        before = row_counts()
        response = tally.run("public links (tokens)", lambda: getattr(Client(), method)(path))
        assert response.status_code in (200, 302, 400, 404, 405)
        assert changed(before, row_counts()) == {}
