"""Staff pages of the results: totals and stations, a station beside its photos, the discrepancies with their
exports and evidence pack, the quick count — each by role and region (issue #19)."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from electionday.models import Source
from tests.electionday.pdf_text import pdf_text
from tests.electionday.protocol_helpers import SLUG, iin, jpeg, record, station, the_election

pytestmark = pytest.mark.django_db

ROLES = [
    ("staff_user", 200),
    ("coordinator", 200),  # Karaganda (KZ-35), the stations' region
    ("other_coordinator", 403),  # Shymkent: the lists open (scoped), never a Karaganda station
    ("trainer", 403),
    ("finance_officer", 403),
    ("integrity_officer", 403),
    ("nobody", 403),
    ("auditor", 302),  # staff pages send auditors to /audit/
]


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


@pytest.fixture
def client_for():
    def login(user):
        from tests.factories import force_login

        return force_login(Client(HTTP_ACCEPT_LANGUAGE="en"), user)

    return login


@pytest.fixture
def election():
    return the_election()


def official(precinct, **numbers):
    return record(precinct, kind="official", source=Source.STAFF, photo=(jpeg("gray"), "image/jpeg"), **numbers)[0]


@pytest.fixture
def stations(election):
    """101 and 102 in Karaganda (101 differs from its official protocol by 9 votes, 102 by 2); 555 in Shymkent
    (differs by 40)."""
    first = station(election, "101", "KZ-35")
    record(first, reporter_iin=iin())
    official(first, akhmetov=309, in_boxes=599)
    second = station(election, "102", "KZ-35")
    record(second, reporter_iin=iin(), akhmetov=250, bekova=300)
    official(second, akhmetov=250, bekova=300, invalid=12, in_boxes=592)
    far = station(election, "555", "KZ-79")
    record(far, reporter_iin=iin(), photo=(jpeg("red"), "image/jpeg"))
    official(far, bekova=290, in_boxes=630)
    return first, second, far


def _urls(first):
    return [
        reverse("electionday:results", args=[SLUG]),
        reverse("electionday:results_export", args=[SLUG]) + "?format=csv",
        reverse("electionday:results_station", args=[SLUG, first.pk]),
        reverse("electionday:results_discrepancies", args=[SLUG]),
        reverse("electionday:results_discrepancies", args=[SLUG]) + "?format=xlsx",
        reverse("electionday:results_evidence", args=[SLUG]),
        reverse("electionday:quick_count", args=[SLUG]),
        reverse("electionday:quick_count_sample", args=[SLUG]) + "?n=1&seed=1",
    ]


@pytest.mark.parametrize("role,expected", ROLES)
def test_every_results_page_by_role(client_for, request, stations, role, expected):
    client = client_for(request.getfixturevalue(role))
    for url in _urls(stations[0]):
        want = expected
        if role == "other_coordinator" and "/stations/" not in url:
            want = 200
        assert client.get(url).status_code == want, (url, role)


def test_anonymous_goes_to_login(client, stations):
    for url in _urls(stations[0]):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_the_totals_and_stations_of_a_coordinator_are_their_regions(
    client_for, coordinator, other_coordinator, stations
):
    page = client_for(coordinator).get(reverse("electionday:results", args=[SLUG]))
    found = page.context["results"]
    assert [row.number for row in page.context["page"]] == ["101", "102"] and found.stations_total == 2
    assert found.totals["candidates"] == {"akhmetov": 550, "bekova": 550}
    assert "Stations with an observer protocol: <strong>2</strong> of 2." in page.content.decode()
    other = client_for(other_coordinator).get(reverse("electionday:results", args=[SLUG]))
    assert [row.number for row in other.context["page"]] == ["555"]
    exported = client_for(other_coordinator).get(reverse("electionday:results_export", args=[SLUG]) + "?format=json")
    assert [row["number"] for row in exported.json()["stations"]] == ["555"]


def test_the_station_list_filters_by_status_and_pages(client_for, staff_user, election, stations):
    for number in range(60):
        station(election, f"9{number:02d}", "KZ-35")
    client = client_for(staff_user)
    url = reverse("electionday:results", args=[SLUG])
    missing = client.get(url, {"status": "missing"})
    assert missing.context["page"].paginator.count == 60 and len(missing.context["page"]) == 50
    second = client.get(url, {"status": "missing", "page": 2})
    assert len(second.context["page"]) == 10 and "status=missing&amp;page=1" in second.content.decode()
    differs = client.get(url, {"status": "differs_from_official"})
    assert [row.number for row in differs.context["page"]] == ["101", "102", "555"]
    assert client.get(url, {"status": "bogus"}).context["page"].paginator.count == 63


def test_the_results_page_needs_the_same_queries_for_more_stations(client_for, staff_user, election, stations):
    client = client_for(staff_user)
    url = reverse("electionday:results", args=[SLUG])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in range(10):
        precinct = station(election, f"7{number}", "KZ-71")
        record(precinct, reporter_iin=iin(), source=Source.IMPORT)
        record(precinct, kind="official", source=Source.STAFF)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_station_page_shows_each_latest_protocols_photo_beside_its_numbers(client_for, coordinator, stations):
    first = stations[0]
    page = client_for(coordinator).get(reverse("electionday:results_station", args=[SLUG, first.pk]))
    html = page.content.decode()
    assert page.context["row"].status == "differs_from_official"
    protocols = page.context["protocols"]
    assert [item["protocol"].kind for item in protocols] == ["observer", "official"]
    for item in protocols:
        photo = item["photos"][0]
        url = reverse("electionday:protocol_photo", args=[SLUG, photo.pk])
        section = html[html.index(f'id="protocol-{item["protocol"].pk}"') :]
        assert url in section.split("</section>")[0]
    assert 'id="official-diff"' in html and "Ballots found in the boxes +9" in html


def test_discrepancies_are_sorted_by_size_and_scoped(client_for, staff_user, coordinator, stations):
    url = reverse("electionday:results_discrepancies", args=[SLUG])
    page = client_for(staff_user).get(url)
    assert [row.number for row, _diff in page.context["items"]] == ["555", "101", "102"]
    smallest = client_for(staff_user).get(url, {"sort": "size_asc"})
    assert [row.number for row, _diff in smallest.context["items"]] == ["102", "101", "555"]
    scoped = client_for(coordinator).get(url)
    assert [row.number for row, _diff in scoped.context["items"]] == ["101", "102"]


def test_discrepancies_export_as_csv_xlsx_and_pdf(client_for, staff_user, election, stations):
    client = client_for(staff_user)
    url = reverse("electionday:results_discrepancies", args=[SLUG])
    response = client.get(url, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:4]] == ["555", "101", "102"]
    xlsx = client.get(url, {"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"
    pdf = client.get(url, {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert election.name in text and "Differences from the official protocols" in text


def test_the_evidence_pack_holds_the_photos_and_a_manifest_of_their_hashes(client_for, coordinator, stations):
    response = client_for(coordinator).get(reverse("electionday:results_evidence", args=[SLUG]))
    assert response["Content-Type"] == "application/zip" and response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    photos = [row for row in manifest if row["file"].startswith("photos/")]
    # Karaganda only: 101 and 102, each an observer's and the official protocol's photo.
    assert sorted((row["station"], row["kind"]) for row in photos) == [
        ("101", "observer"), ("101", "official"), ("102", "observer"), ("102", "official"),
    ]  # fmt: skip
    assert set(archive.namelist()) == {row["file"] for row in manifest} | {"manifest.csv"}
    for row in manifest:
        assert hashlib.sha256(archive.read(row["file"])).hexdigest() == row["sha256"], row["file"]
        assert row["note"] == ""
    stored = {a.sha256 for s in stations[:2] for p in s.protocols.all() for a in p.attachments.all()}
    assert {row["sha256"] for row in photos} == stored
    table = list(csv.reader(io.StringIO(archive.read("discrepancies.csv").decode("utf-8-sig"))))
    assert [row[0] for row in table[1:3]] == ["101", "102"]


def test_the_evidence_pack_needs_the_attachments_permission(client_for, integrity_officer, stations):
    response = client_for(integrity_officer).get(reverse("electionday:results_evidence", args=[SLUG]))
    assert response.status_code == 403


def test_the_quick_count_page_estimates_an_uploaded_sample_and_says_when_no_winner_can_be_named(
    client_for, staff_user, stations
):
    client = client_for(staff_user)
    url = reverse("electionday:quick_count", args=[SLUG])
    sample = SimpleUploadedFile("sample.csv", b"station\n101\n102\n", content_type="text/csv")
    page = client.post(url, {"action": "upload", "sample": sample, "z": "1.96"})
    html = page.content.decode()
    # 101: akhmetov 300, bekova 250; 102: akhmetov 250, bekova 300 — 550 each of 1,160: a tie.
    assert (
        page.context["estimate"].candidates["akhmetov"].estimate
        == page.context["estimate"].candidates["bekova"].estimate
    )
    assert 'id="too-close"' in html and "No winner can be named from the sample" in html
    unknown = SimpleUploadedFile("sample.csv", b"station\n999\n", content_type="text/csv")
    refused = client.post(url, {"action": "upload", "sample": unknown, "z": "1.96"})
    assert "Unknown polling station: 999." in refused.content.decode() and "estimate" not in refused.context


def test_the_quick_count_page_draws_a_sample_within_the_coordinators_region(client_for, coordinator, stations):
    client = client_for(coordinator)
    page = client.post(reverse("electionday:quick_count", args=[SLUG]), {"action": "draw", "n": "2", "seed": "5",
                                                                         "z": "1.96"})  # fmt: skip
    estimate = page.context["estimate"]
    assert estimate.stations_total == 2 and estimate.sample_size == 2 and estimate.reported == 2
    too_many = client.post(reverse("electionday:quick_count", args=[SLUG]), {"action": "draw", "n": "3", "seed": "5",
                                                                             "z": "1.96"})  # fmt: skip
    assert "n" in too_many.context["draw"].errors
    sample = client.get(reverse("electionday:quick_count_sample", args=[SLUG]), {"n": 2, "seed": 5})
    assert sample.content.decode().splitlines() == ["station", "101", "102"]


def test_the_same_seed_downloads_the_same_sample(client_for, staff_user, stations):
    client = client_for(staff_user)
    url = reverse("electionday:quick_count_sample", args=[SLUG])
    first = client.get(url, {"n": 2, "seed": 99}).content
    assert client.get(url, {"n": 2, "seed": 99}).content == first and first.startswith(b"station\n")
    assert client.get(url, {"n": 0, "seed": 99}).status_code == 404


def test_the_hub_links_to_the_results(client_for, staff_user, integrity_officer, election):
    overview = reverse("electionday:overview", args=[SLUG])
    html = client_for(staff_user).get(overview).content.decode()
    for name in ("results", "results_discrepancies", "quick_count"):
        assert reverse(f"electionday:{name}", args=[SLUG]) in html
    assert (
        reverse("electionday:results", args=[SLUG]) not in client_for(integrity_officer).get(overview).content.decode()
    )
