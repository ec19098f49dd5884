"""The fund's public disclosure: the page (chart, table, last update), the CSV and the JSON, with no personal data."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from donations import reports, selectors, services
from donations.models import StatementImport
from tests.donations import factories as f

pytestmark = pytest.mark.django_db

DONOR_NAME = "Жаксыбекова Айгерим"


@pytest.fixture
def election():
    return f.election()


@pytest.fixture
def donor_iin():
    return f.iin()


@pytest.fixture
def gifts(election, donor_iin):
    """An accepted gift from a named citizen and a foreign citizen's gift that is returned."""
    services.record_donation(
        election=election, incoming=f.incoming(amount="50000", payer_id=donor_iin, name=DONOR_NAME, on=date(2026, 5, 4))
    )
    services.record_donation(
        election=election,
        incoming=f.incoming(amount="700", citizenship="RU", name="Foreigner Ivan", on=date(2026, 5, 6)),
    )


def test_updated_on_is_the_latest_ledger_day(election, gifts):
    assert selectors.disclosure_updated_on(election) == date(2026, 5, 6)


def test_updated_on_is_none_for_an_empty_fund(election):
    assert selectors.disclosure_updated_on(election) is None


def test_updated_on_counts_a_later_finished_import(election, gifts):
    StatementImport.objects.create(
        election=election,
        file_name="s.csv",
        sha256="0" * 64,
        content=b"",
        status=StatementImport.Status.DONE,
        finished_at=timezone.make_aware(datetime(2026, 5, 20, 12, 0)),
    )
    assert selectors.disclosure_updated_on(election) == date(2026, 5, 20)


def test_data_has_totals_by_source_and_nothing_else(election, gifts):
    data = reports.disclosure_data(election)
    assert set(data) == {"election", "name", "currency", "updated_on", "sources", "total"}
    assert data["updated_on"] == "2026-05-06"
    assert data["sources"] == [{"source": "donations", "donations": 2, "received": "50700.00", "accepted": "50000.00"}]
    assert data["total"] == {"donations": 2, "received": "50700.00", "accepted": "50000.00"}


def test_json_and_csv_carry_the_same_figures(client, election, gifts):
    response = client.get(reverse("donations:disclosure_json", args=[election.slug]))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["election"] == election.slug and data["currency"] == "KZT"
    lines = list(
        csv.reader(io.StringIO(client.get(reverse("donations:disclosure", args=[election.slug])).content.decode()))
    )
    assert lines[1] == [election.slug, "donations", "2", "50700.00", "50000.00"]
    assert lines[-1] == [election.slug, "total", "2", "50700.00", "50000.00"]
    assert [[s["source"], str(s["donations"]), s["received"], s["accepted"]] for s in data["sources"]] == [
        line[1:] for line in lines[1:-1]
    ]


@pytest.mark.parametrize("who", [None, "staff_user", "finance_officer", "coordinator"])
def test_page_is_public_and_shows_table_chart_date_and_downloads(request, client, client_for, election, gifts, who):
    browser = client if who is None else client_for(request.getfixturevalue(who))
    response = browser.get(reverse("donations:fund"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="disclosure-table"' in page and 'canvas data-chart="chart-disclosure"' in page
    assert 'id="chart-disclosure"' in page  # the chart's data, as json_script
    assert "vendor/chart.js-4.6.1/chart.umd.min.js" in page and "donations/disclosure.js" in page
    assert reverse("donations:disclosure", args=[election.slug]) in page
    assert reverse("donations:disclosure_json", args=[election.slug]) in page
    assert "06.05.2026" in page  # the last update
    assert response.context["chart"]["datasets"][1]["data"] == [50000.0]
    assert response.context["total"]["accepted"] == Decimal("50000.00")


def test_page_of_a_named_election(client, election, gifts):
    other = f.election(slug="maslikhat-2026")
    response = client.get(reverse("donations:fund_election", args=[other.slug]))
    assert response.status_code == 200 and response.context["election"] == other
    assert response.context["rows"] == [] and 'data-chart="chart-disclosure"' not in response.content.decode()
    assert client.get(reverse("donations:fund_election", args=["no-such-fund"])).status_code == 404
    assert client.get(reverse("donations:disclosure_json", args=["no-such-fund"])).status_code == 404


def test_page_without_any_election(client):
    response = client.get(reverse("donations:fund"))
    assert response.status_code == 200 and response.context["election"] is None


def test_no_personal_data_on_the_page_or_in_the_files(client, election, gifts, donor_iin):
    urls = [
        reverse("donations:fund"),
        reverse("donations:disclosure", args=[election.slug]),
        reverse("donations:disclosure_json", args=[election.slug]),
    ]
    for url in urls:
        body = client.get(url).content.decode()
        for secret in (DONOR_NAME, "Foreigner Ivan", donor_iin, "REF-"):
            assert secret not in body, (url, secret)


def test_page_refuses_post(client, election):
    assert client.post(reverse("donations:fund")).status_code == 405
    assert client.post(reverse("donations:disclosure_json", args=[election.slug])).status_code == 405


@pytest.mark.parametrize(("language", "title"), [("ru", "Избирательный фонд"), ("kk", "Сайлау қоры")])
def test_page_in_russian_and_kazakh(client, election, gifts, language, title):
    response = client.get(reverse("donations:fund"), HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    assert f'lang="{language}"' in page and title in page


def test_page_query_count_is_fixed(client, election, gifts, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get(reverse("donations:fund")).status_code == 200


def test_donate_page_links_the_disclosure(client, election):
    assert reverse("donations:fund") in client.get(reverse("donations:donate")).content.decode()
