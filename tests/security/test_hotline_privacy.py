"""The hotline intake keeps no trace of the reporter: no IP address, user agent, session or cookie, no third-party
resource, no cache, no referrer; its POSTs carry a signed, time-limited token instead of Django's CSRF cookie."""

import re

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from hotline.intake import issue_case_token, issue_form_token
from hotline.models import Report, ReportUpdate
from tests.factories import region
from tests.hotline.factories import file_report

pytestmark = pytest.mark.django_db

IP = "203.0.113.77"
AGENT = "Mozilla/5.0 (X11; Linux x86_64) PrivacyProbe/1.0"


def _form(**overrides):
    return {
        "category": "coercion_donate",
        "description": "Начальник требует перечислить деньги в фонд кандидата.",
        "region": region("KZ-35").pk,
        "locality": "Темиртау",
        "occurred_on": "2026-11-10",
        "involved": "ТОО «Пример»",
        "website": "",
        "intake_token": issue_form_token(),
        **overrides,
    }


def _client() -> Client:
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT)


def _hotline_rows_text() -> str:
    """Every column of every row of the hotline's tables, as text."""
    parts = []
    for model in apps.get_app_config("hotline").get_models():
        for row in model.objects.values():
            parts.extend(str(value) for value in row.values())
    return "\n".join(parts)


def test_report_stores_no_ip_no_user_agent_no_session_and_sets_no_cookie():
    client = _client()
    form = client.get(reverse("hotline:report"))
    response = client.post(reverse("hotline:report"), _form())
    assert response.status_code == 200 and Report.objects.count() == 1
    stored = _hotline_rows_text()
    assert IP not in stored and "203.0.113" not in stored and "PrivacyProbe" not in stored
    assert not Session.objects.exists()
    for answer in (form, response):
        assert not answer.cookies, answer.cookies  # no session, no CSRF cookie
    assert not client.cookies


def test_status_pages_create_no_session_and_set_no_cookie():
    receipt = file_report()
    client = _client()
    page = client.post(
        reverse("hotline:status"),
        {"code": receipt.code, "secret": receipt.secret, "intake_token": issue_form_token()},
    )
    assert page.status_code == 200 and page.context["case"] == receipt.report
    added = client.post(
        reverse("hotline:status_add"), {"text": "Ещё деталь.", "case_token": page.context["case_token"]}
    )
    assert added.status_code == 200 and ReportUpdate.objects.count() == 1
    left = client.post(reverse("hotline:status_leave"))
    assert not Session.objects.exists()
    for answer in (page, added, left):
        assert not answer.cookies, answer.cookies
    assert IP not in _hotline_rows_text() and "PrivacyProbe" not in _hotline_rows_text()


@pytest.mark.parametrize("path", ["/report/", "/report/status/"])
def test_intake_pages_are_not_cached_leak_no_referrer_and_load_nothing_from_elsewhere(path):
    response = _client().get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    html = response.content.decode()
    external = re.findall(r'(?:src|href|action|srcset)\s*=\s*["\']\s*((?:https?:)?//[^"\']*)', html, re.I)
    assert external == [], external
    assert "@import" not in html and "url(http" not in html


def test_receipt_and_status_answers_carry_the_same_headers():
    response = _client().post(reverse("hotline:report"), _form())
    assert "no-store" in response["Cache-Control"] and response["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("token", ["missing", "forged", "expired"])
def test_report_without_a_valid_form_token_is_refused_and_nothing_is_stored(token, settings):
    settings.LANGUAGE_CODE = "en"  # the refusal asserted below is read in English (no browser language sent)
    data = _form()
    if token == "missing":
        del data["intake_token"]
    elif token == "forged":
        data["intake_token"] = "hotline-form:1vAAAA:not-our-signature"
    else:
        settings.HOTLINE_FORM_TOKEN_SECONDS = -1
    response = _client().post(reverse("hotline:report"), data)
    assert response.status_code == 400
    assert "nothing was saved" in response.content.decode()
    assert not Report.objects.exists()


@pytest.mark.parametrize("token", ["missing", "forged", "expired"])
def test_status_check_without_a_valid_form_token_is_refused(token, settings):
    receipt = file_report()
    data = {"code": receipt.code, "secret": receipt.secret, "intake_token": issue_form_token()}
    if token == "missing":
        del data["intake_token"]
    elif token == "forged":
        data["intake_token"] = data["intake_token"][:-3] + "xyz"
    else:
        settings.HOTLINE_FORM_TOKEN_SECONDS = -1
    response = _client().post(reverse("hotline:status"), data)
    assert response.status_code == 400 and "case" not in (response.context or {})


def test_a_case_token_names_only_its_report_and_cannot_be_altered():
    first, second = file_report(), file_report()
    token = issue_case_token(first.report)
    from django.core.signing import b64_encode

    other_payload = b64_encode(f'{{"case":{second.report.pk}}}'.encode()).decode()
    tampered = ":".join([other_payload, *token.split(":")[1:]])
    response = _client().post(reverse("hotline:status_add"), {"text": "x", "case_token": tampered})
    assert response.status_code == 400 and not ReportUpdate.objects.exists()
