"""The public application form: valid input, each kind of bad input, duplicates, the honeypot, the rate limit."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coalition.models import OutboundMessage
from members.models import Consent, Organization
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db
URL = "/join/"


def test_join_url_keeps_its_name():
    assert reverse("members:join") == URL


def test_form_page_is_public_with_csrf_and_honeypot(public_client):
    response = public_client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in html and 'name="fax_number"' in html and 'name="consent"' in html
    assert "Религиозное объединение" in html  # the eligibility categories are listed


def test_the_empty_form_is_rendered_once_per_language_and_renewed_when_its_choices_change(public_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from members.models import IneligibleCategory

    first = public_client.get(URL).content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = public_client.get(URL).content.decode()
    assert not [q for q in queries if "ineligiblecategory" in q["sql"] or "coalition_region" in q["sql"]]
    assert again.count('name="region"') == first.count('name="region"') == 1
    # Each page still carries its own CSRF token outside the cached part.
    assert '<form id="join-form" method="post"><input type="hidden" name="csrfmiddlewaretoken"' in again
    english = public_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Religious association" in english and "Религиозное объединение" in first

    IneligibleCategory.objects.create(code="test-new", label="Новая категория для проверки", reason="—")
    assert "Новая категория для проверки" in public_client.get(URL).content.decode()


def test_valid_application_is_saved_and_confirmed(public_client, application_data):
    data = application_data()
    response = public_client.post(URL, data)
    assert response.status_code == 302 and response.url == reverse("members:join_done")
    org = Organization.objects.get()
    assert org.bin == data["bin"] and org.status == "applied"
    assert str(org.phone) == "+77011234567"  # normalised to E.164
    assert org.website == "https://example.kz"
    assert org.declared_members == 120
    person = org.affiliations.get().person
    assert str(person.phone) == "+77470001122"
    consent = Consent.objects.get(person=person)
    assert "персональных данных" in consent.text or "personal data" in consent.text
    done = public_client.get(response.url)
    assert org.application_number in done.content.decode()
    assert OutboundMessage.objects.filter(recipient="org@example.kz", key__endswith=":received").exists()


def test_confirmation_page_without_application_redirects(public_client):
    response = public_client.get(reverse("members:join_done"))
    assert response.status_code == 302 and response.url == URL


def test_bin_with_spaces_is_accepted(public_client, application_data):
    data = application_data()
    spaced = f"{data['bin'][:6]} {data['bin'][6:]}"
    public_client.post(URL, {**data, "bin": spaced})
    assert Organization.objects.get().bin == data["bin"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("bin", "940740000893", "This BIN is not valid"),  # wrong check digit
        ("bin", "94074000089", "exactly 12 digits"),  # wrong length
        ("bin", "94074000089A", "exactly 12 digits"),  # a letter
        ("bin", "", "This field is required"),
        ("phone", "12345", "valid phone number"),
        ("representative_phone", "+7 999", "valid phone number"),
        ("phone", "+1 202 555 0143", "Kazakhstan number"),
        ("email", "not-an-email", "valid email"),
        ("representative_iin", "123456789012", "IIN"),
        ("consent", None, "without consent"),
        ("name_ru", "x" * 301, "at most 300 characters"),
        ("region", "999999", "Select a valid choice"),
        ("kind", "church", "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field_and_nothing_is_saved(
    public_client, application_data, field, value, message
):
    data = application_data(**{field: value})
    if value is None:
        data.pop(field, None)
    response = public_client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in " ".join(response.context["form"].errors[field])
    assert not Organization.objects.exists() and not Consent.objects.exists()


def test_duplicate_bin_is_refused_without_leaking_the_other_application(public_client, application_data):
    other = OrganizationFactory(name_ru="Другая организация", email="other@example.kz")
    response = public_client.post(URL, application_data(bin=other.bin), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200 and "already applied or is a member" in html
    assert "Другая организация" not in html and "other@example.kz" not in html
    assert Organization.objects.count() == 1


def test_rejected_bin_may_apply_again(public_client, application_data):
    other = OrganizationFactory(status="rejected")
    assert public_client.post(URL, application_data(bin=other.bin)).status_code == 302


def test_declared_ineligible_category_is_refused_with_its_reason(public_client, application_data):
    response = public_client.post(URL, application_data(declared_categories=["religious_association"]))
    assert response.status_code == 200
    assert "Религиозные объединения не вправе" in response.content.decode()
    assert not Organization.objects.exists()


def test_state_body_is_refused_by_its_name(public_client, application_data):
    response = public_client.post(URL, application_data(name_ru="Акимат города Тестовска"))
    assert "Государственные органы" in response.content.decode()
    assert not Organization.objects.exists()


def test_non_resident_bin_is_refused_as_foreign(public_client, application_data):
    import random

    from coalition.identifiers import synthetic_bin

    foreign = synthetic_bin(random.Random(1), year=2012, month=5, kind="5")
    response = public_client.post(URL, application_data(bin=foreign))
    assert "Иностранные юридические лица" in response.content.decode()


def test_staff_edited_rule_takes_effect(public_client, application_data):
    from members.models import IneligibleCategory

    IneligibleCategory.objects.filter(code="religious_association").update(is_active=False)
    assert public_client.post(URL, application_data(name_ru="Религиозное объединение")).status_code == 302


def test_honeypot_filled_is_refused(public_client, application_data):
    response = public_client.post(URL, application_data(fax_number="+1 555 0100"))
    assert response.status_code == 200 and not Organization.objects.exists()


def test_csrf_is_enforced():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(URL, {})
    assert response.status_code == 403


def test_rate_limit_per_ip(public_client, application_data):
    for _ in range(10):
        assert public_client.post(URL, application_data(bin="1")).status_code == 200
    response = public_client.post(URL, application_data())
    assert response.status_code == 429
    assert "429.html" in [t.name for t in response.templates]
    assert not Organization.objects.exists()
    assert public_client.get(URL).status_code == 200  # reading the form stays open


_text = st.text(max_size=400)
FIELDS = (
    "name_ru",
    "bin",
    "kind",
    "region",
    "address",
    "phone",
    "email",
    "website",
    "head_name",
    "head_title",
    "declared_members",
    "representative_name",
    "representative_title",
    "representative_phone",
    "representative_iin",
    "consent",
    "fax_number",
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.fixed_dictionaries(dict.fromkeys(FIELDS, _text)), address=st.integers(1, 250 * 250 * 250))
def test_random_input_never_errors(data, address):
    from django.test import Client

    clean = {k: v.replace("\x00", "") for k, v in data.items()}  # the test client cannot encode NUL in multipart
    a, b, c = address // 62500 % 250 + 1, address // 250 % 250 + 1, address % 250 + 1
    response = Client(REMOTE_ADDR=f"172.{a % 16 + 16}.{b}.{c}").post(URL, clean)
    assert response.status_code in (200, 302)
