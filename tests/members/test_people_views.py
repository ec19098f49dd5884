"""Staff pages of people: list, export, import (upload, preview, confirm, template), by role."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from members.models import Affiliation, PeopleImport, Person
from tests.factories import OrganizationFactory, iin_number, region
from tests.members.factories import PersonFactory
from tests.members.test_people_import import HEADER, csv_file, row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """The messages asserted here are read in English (the test client sends no browser language)."""
    settings.LANGUAGE_CODE = "en"


LIST = reverse("members:staff_people")
IMPORT = reverse("members:staff_people_import")
TEMPLATE = reverse("members:staff_people_import_template")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def people():
    karaganda, shymkent = region("KZ-35"), region("KZ-79")
    org = OrganizationFactory(region=karaganda, name_ru="Союз Караганды")
    local = PersonFactory(full_name="Местный Житель", iin=iin_number(), region=karaganda)
    member = PersonFactory(full_name="Член Союза", iin=iin_number(), region=shymkent)
    Affiliation.objects.create(person=member, organization=org, role="member")
    far = PersonFactory(full_name="Дальний Человек", iin=iin_number(), region=shymkent)
    return {"org": org, "local": local, "member": member, "far": far}


def upload(client, content: bytes, name="people.csv"):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


# The list and its export -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("staff_user", 200), ("coordinator", 200), ("trainer", 403), ("finance_officer", 403), ("nobody", 403)],
)
def test_people_list_by_role(request, client_for, who, status):
    assert client_for(request.getfixturevalue(who)).get(LIST).status_code == status


def test_people_list_needs_login_and_sends_auditors_to_the_audit_site(client, client_for, auditor):
    assert client.get(LIST).status_code == 302 and "/login/" in client.get(LIST).url
    assert client_for(auditor).get(LIST).url == reverse("audit:index")


def test_staff_see_everyone_with_full_iin(client_for, staff_user, people):
    html = client_for(staff_user).get(LIST).content.decode()
    assert all(p.full_name in html for p in people.values() if isinstance(p, Person))
    assert people["far"].iin in html


def test_coordinator_sees_their_region_with_masked_iin(client_for, coordinator, people):
    html = client_for(coordinator).get(LIST).content.decode()
    assert "Местный Житель" in html and "Член Союза" in html  # recorded in the region / acting for its organization
    assert "Дальний Человек" not in html
    assert people["local"].iin not in html and "********" + people["local"].iin[-4:] in html


def test_search_by_name_whole_iin_and_organization(client_for, staff_user, people):
    client = client_for(staff_user)
    assert "Дальний" in client.get(LIST, {"q": "дальн"}).content.decode()
    by_iin = client.get(LIST, {"q": people["local"].iin}).content.decode()
    assert "Местный" in by_iin and "Дальний" not in by_iin
    prefix = client.get(LIST, {"q": people["local"].iin[:6]}).content.decode()  # no search by birth date
    assert "Местный" not in prefix
    by_org = client.get(LIST, {"organization": people["org"].pk}).content.decode()
    assert "Член Союза" in by_org and "Местный" not in by_org
    assert people["org"].name in by_org  # the chosen organization is named, with a link to drop it
    org = people["org"]
    for term in (org.name_ru[3:12].lower(), org.bin[:6]):
        by_text = client.get(LIST, {"org": term}).content.decode()
        assert "Член Союза" in by_text and "Местный" not in by_text, term


def test_the_filter_does_not_list_every_organization(client_for, staff_user, people):
    """A national campaign has thousands of organizations: the page must not render them all as options."""
    from tests.factories import OrganizationFactory

    OrganizationFactory(name_ru="Объединение без людей в списке")
    html = client_for(staff_user).get(LIST).content.decode()
    assert "Объединение без людей в списке" not in html


def test_list_is_paginated_with_a_fixed_query_count(client_for, staff_user, people):
    client = client_for(staff_user)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for number in range(30):
        person = PersonFactory(full_name=f"Человек {number:02d}")
        Affiliation.objects.create(person=person, organization=people["org"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(many) == len(few) and "page=2" in response.content.decode()


def test_csv_export_neutralises_formulas_and_masks_iin_for_coordinators(client_for, coordinator, staff_user, people):
    PersonFactory(full_name="=cmd|' /C calc'!A0", iin=iin_number(), region=region("KZ-35"), phone="+77011234567")
    response = client_for(coordinator).get(reverse("members:staff_people_export", args=["csv"]))
    assert response["Content-Type"].startswith("text/csv") and response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    names = {r[0] for r in rows[1:]}
    assert "'=cmd|' /C calc'!A0" in names and "Дальний Человек" not in names
    assert all(r[1].startswith("********") for r in rows[1:])
    assert any(r[2] == "'+77011234567" for r in rows[1:])
    full = client_for(staff_user).get(reverse("members:staff_people_export", args=["csv"])).content.decode("utf-8-sig")
    assert people["far"].iin in full


def test_xlsx_export(client_for, staff_user, people):
    from openpyxl import load_workbook

    response = client_for(staff_user).get(reverse("members:staff_people_export", args=["xlsx"]), {"q": "Член"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "Член Союза" and rows[1][1] == people["member"].iin and "Союз Караганды" in rows[1][5]


@pytest.mark.parametrize(("who", "status"), [("trainer", 403), ("nobody", 403)])
def test_export_refused_to_other_roles(request, client_for, who, status):
    url = reverse("members:staff_people_export", args=["csv"])
    assert client_for(request.getfixturevalue(who)).get(url).status_code == status


def test_unknown_export_format_is_404(client_for, staff_user):
    assert client_for(staff_user).get(reverse("members:staff_people_export", args=["pdf"])).status_code == 404


# The import --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("staff_user", 200), ("coordinator", 200), ("trainer", 403), ("finance_officer", 403), ("integrity_officer", 403)],
)
def test_import_page_and_template_by_role(request, client_for, who, status):
    client = client_for(request.getfixturevalue(who))
    assert client.get(IMPORT).status_code == status
    assert client.get(TEMPLATE).status_code == status
    assert upload(client, csv_file(row(iin_number()))).status_code in ((302,) if status == 200 else (403,))


def test_template_has_the_documented_columns(client_for, staff_user):
    response = client_for(staff_user).get(TEMPLATE)
    assert response["Content-Disposition"] == 'attachment; filename="people-import-template.csv"'
    assert response.content.decode("utf-8-sig").strip() == HEADER


def test_coordinator_without_a_region_is_refused(client_for):
    from tests.conftest import _user_with_role

    lost = _user_with_role("lost", "regional_coordinator")
    assert client_for(lost).get(IMPORT).status_code == 403


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04zip", "Excel workbook"),
        ("iin;фамилия\n1;2\n".encode("cp1251"), "Columns missing"),
        (b"\x98\x98", "neither UTF-8 nor Windows-1251"),
        (HEADER.encode("utf-16"), "UTF-16"),
    ],
)
def test_malformed_upload_shows_the_reason_and_stores_nothing(client_for, staff_user, content, message):
    response = upload(client_for(staff_user), content)
    assert response.status_code == 200 and message in response.content.decode()
    assert not PeopleImport.objects.exists() and not Person.objects.exists()


def test_upload_preview_confirm(client_for, staff_user, people):
    client = client_for(staff_user)
    new = iin_number()
    content = csv_file(
        row(new, org=people["org"].bin, role="volunteer"),
        row(people["far"].iin, last="Дальний", first="Человек", email="far@example.kz"),
        encoding="cp1251",
    )
    response = upload(client, content)
    record = PeopleImport.objects.get()
    assert response.url == reverse("members:staff_people_import_preview", args=[record.pk])
    html = client.get(response.url).content.decode()
    assert "Dry run" in html and "new person" in html and "far@example.kz" in html and "Windows-1251" in html
    assert not Person.objects.filter(iin=new).exists()
    confirm = reverse("members:staff_people_import_confirm", args=[record.pk])
    assert client.get(confirm).status_code == 405
    digest = html.split('name="digest" value="')[1].split('"')[0]
    done = client.post(confirm, {"digest": digest}, follow=True)
    assert "Imported: 1 new people, 1 updated." in done.content.decode()
    assert Person.objects.get(iin=new).affiliations.get().role == "volunteer"
    assert Person.objects.get(pk=people["far"].pk).email == "far@example.kz"


def test_confirm_with_a_stale_digest_writes_nothing(client_for, staff_user):
    client = client_for(staff_user)
    upload(client, csv_file(row(iin_number())))
    record = PeopleImport.objects.get()
    response = client.post(
        reverse("members:staff_people_import_confirm", args=[record.pk]), {"digest": "0" * 64}, follow=True
    )
    assert "changed since the preview" in response.content.decode() and not Person.objects.exists()


def test_preview_with_errors_has_no_confirm_button(client_for, staff_user):
    client = client_for(staff_user)
    response = upload(client, csv_file(row(iin_number()), row("000000000000")))
    html = client.get(response.url).content.decode()
    assert "with errors" in html and 'name="digest"' not in html


def test_another_users_upload_is_not_found(client_for, staff_user, coordinator):
    upload(client_for(staff_user), csv_file(row(iin_number())))
    record = PeopleImport.objects.get()
    other = client_for(coordinator)
    assert other.get(reverse("members:staff_people_import_preview", args=[record.pk])).status_code == 404
    confirm = reverse("members:staff_people_import_confirm", args=[record.pk])
    assert other.post(confirm, {"digest": "x"}).status_code == 404
    assert client_for_anonymous_redirects(confirm)


def client_for_anonymous_redirects(url: str) -> bool:
    from django.test import Client

    return Client().post(url).status_code == 302


def test_coordinator_upload_into_another_region_is_an_error_row(client_for, coordinator):
    other = OrganizationFactory(region=region("KZ-79"))
    client = client_for(coordinator)
    response = upload(client, csv_file(row(iin_number(), org=other.bin)))
    assert "not in your region" in client.get(response.url).content.decode()
