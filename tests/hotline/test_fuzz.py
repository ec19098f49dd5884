"""No input to the public hotline forms makes a server error (hypothesis)."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.intake import issue_form_token

pytestmark = pytest.mark.django_db

FIELDS = [
    "category",
    "description",
    "region",
    "locality",
    "occurred_on",
    "occurred_when",
    "organization",
    "involved",
    "give_identity",
    "full_name",
    "phone",
    "email",
    "consent_to_contact",
    "website",
]
text = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=300)
values = st.one_of(text, st.sampled_from(["coercion_donate", "on", "2026-11-01", "-1", "99999999999999999999"]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(FIELDS), values), files=st.lists(st.binary(max_size=200), max_size=2))
def test_report_form_never_errors(data, files, django_settings_rate):
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploads = [SimpleUploadedFile(f"f{i}.jpg", content) for i, content in enumerate(files)]
    token = {"intake_token": issue_form_token()}
    response = Client().post("/report/", {**data, **token, "files": uploads})
    assert response.status_code in (200, 400)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=text, secret=text)
def test_status_check_never_errors(code, secret, django_settings_rate):
    response = Client().post("/report/status/", {"code": code, "secret": secret, "intake_token": issue_form_token()})
    assert response.status_code == 200


@pytest.fixture
def django_settings_rate(settings):
    settings.HOTLINE_RATE = "100000/h"
