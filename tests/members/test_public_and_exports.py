import csv
import datetime
import io

import pytest
from django.urls import reverse

from members.exports import neutralise
from tests.factories import OrganizationFactory, region
from tests.members.factories import StatementFactory

pytestmark = pytest.mark.django_db


def test_public_page_lists_admitted_members_and_published_statements(client, django_assert_max_num_queries):
    member = OrganizationFactory(
        name_ru="Союз писателей Казахстана",
        status="admitted",
        joined_on=datetime.date(2026, 11, 20),
        region=region("KZ-75"),
    )
    OrganizationFactory(name_ru="Ожидающая организация")
    OrganizationFactory(name_ru="Отклонённая организация", status="rejected")
    StatementFactory(organization=member, text="Опубликованное заявление", may_publish=True)
    StatementFactory(organization=member, text="Черновик заявления", may_publish=False)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("members:public_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Союз писателей Казахстана" in html and "20.11.2026" in html
    assert "Ожидающая" not in html and "Отклонённая" not in html
    assert "Опубликованное заявление" in html and "Черновик" not in html
    assert member.bin not in html  # the public page shows no identifiers


def test_public_page_is_paginated(client):
    OrganizationFactory.create_batch(51, status="admitted", joined_on=datetime.date(2026, 11, 20))
    assert len(client.get(reverse("members:public_list")).context["page"]) == 50
    assert len(client.get(reverse("members:public_list"), {"page": 2}).context["page"]) == 1


@pytest.mark.parametrize("value", ["=SUM(A1:A9)", "+7 701", "-1 day", "@cmd", "\t=1"])
def test_formula_like_cells_are_neutralised(value):
    assert neutralise(value) == "'" + value


def test_plain_cells_and_plain_numbers_are_left_alone():
    assert neutralise("Союз") == "Союз" and neutralise(5) == 5 and neutralise("-1") == "-1"


def test_csv_export_filters_and_neutralises(client_for, staff_user):
    OrganizationFactory(name_ru='=HYPERLINK("http://evil")', kind="creative_union")
    OrganizationFactory(name_ru="Другая", kind="chamber")
    response = client_for(staff_user).get(reverse("members:staff_export", args=["csv"]), {"kind": "creative_union"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'


def test_xlsx_export(client_for, staff_user):
    from openpyxl import load_workbook

    org = OrganizationFactory(name_ru="@SUM(1)", phone="+77011234567")
    response = client_for(staff_user).get(reverse("members:staff_export", args=["xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == "'@SUM(1)" and rows[1][3] == org.bin
    assert rows[1][10] == "'+77011234567"


def test_unknown_export_format_is_404(client_for, staff_user):
    assert client_for(staff_user).get(reverse("members:staff_export", args=["pdf"])).status_code == 404
