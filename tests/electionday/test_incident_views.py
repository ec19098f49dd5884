"""Staff incident pages: HQ's list (critical first, filters, region scope), the incident with its files (served by a
permission-checked view), staff entry of a phoned-in incident, and the complaint form -- as every role."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from electionday.models import Incident, Source
from hotline.models import Forwarding
from tests.electionday.incident_helpers import incident, jpeg, observer_at, station_in

pytestmark = pytest.mark.django_db

ROLES = [
    "staff_user",
    "coordinator",
    "other_coordinator",
    "trainer",
    "finance_officer",
    "integrity_officer",
    "auditor",
    "nobody",
]
# What each role gets on a KZ-35 incident's pages (the coordinator fixture is KZ-35's, other_coordinator KZ-79's).
SEES_INCIDENT = {"staff_user", "coordinator", "integrity_officer"}


@pytest.fixture
def kz35_incident():
    station = station_in("KZ-35")
    return incident(station, assignment=observer_at(station), severity="high", photos=[(jpeg(), "image/jpeg")])


def _urls(item: Incident) -> dict[str, str]:
    slug = item.station.election.slug
    photo = item.attachments.get()
    return {
        "list": reverse("electionday:incidents", args=[slug]),
        "detail": reverse("electionday:incident", args=[slug, item.pk]),
        "file": reverse("electionday:incident_file", args=[slug, item.pk, photo.pk]),
    }


@pytest.mark.parametrize("role", ROLES)
def test_incident_pages_answer_each_role(role, request, client_for, kz35_incident):
    client = client_for(request.getfixturevalue(role))
    urls = _urls(kz35_incident)
    got = {name: client.get(url) for name, url in urls.items()}
    if role == "auditor":  # auditors read on /audit/
        assert all(response.status_code == 302 for response in got.values())
        assert all(response["Location"] == reverse("audit:index") for response in got.values())
        return
    if role in SEES_INCIDENT:
        assert {name: response.status_code for name, response in got.items()} == {
            "list": 200,
            "detail": 200,
            "file": 200,
        }
        return
    if role == "other_coordinator":  # their own region's list (empty here), never this incident or its photo
        assert got["list"].status_code == 200
        assert list(got["list"].context["page"]) == []
        assert got["detail"].status_code == 403
        assert got["file"].status_code == 403
        return
    assert {name: response.status_code for name, response in got.items()} == {"list": 403, "detail": 403, "file": 403}


def test_anonymous_visitor_is_sent_to_login(client, kz35_incident):
    for url in _urls(kz35_incident).values():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_photo_is_served_privately_with_its_checked_type(client_for, staff_user, kz35_incident):
    response = client_for(staff_user).get(_urls(kz35_incident)["file"])
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body == kz35_incident.attachments.get().file.open("rb").read()


def test_photo_of_another_incident_is_not_found_under_this_one(client_for, staff_user, kz35_incident):
    other = incident(station_in("KZ-35"), photos=[(jpeg("white"), "image/jpeg")])
    url = reverse(
        "electionday:incident_file",
        args=[kz35_incident.station.election.slug, kz35_incident.pk, other.attachments.get().pk],
    )
    assert client_for(staff_user).get(url).status_code == 404


def test_unknown_election_is_not_found(client_for, staff_user):
    assert client_for(staff_user).get(reverse("electionday:incidents", args=["no-such-election"])).status_code == 404


def test_list_puts_critical_first_then_newest(client_for, staff_user):
    station = station_in("KZ-35")
    old_critical = incident(station, severity="critical", category="stuffing", minutes_ago=300)
    newest = incident(station, severity="low", category="agitation", minutes_ago=1)
    older = incident(station, severity="high", category="lists", minutes_ago=100)
    new_critical = incident(station, severity="critical", category="carousel", minutes_ago=50)
    response = client_for(staff_user).get(reverse("electionday:incidents", args=[station.election.slug]))
    assert [item.pk for item in response.context["page"]] == [new_critical.pk, old_critical.pk, newest.pk, older.pk]


def test_list_filters_by_region_category_severity_and_station(client_for, staff_user):
    karaganda, shymkent = station_in("KZ-35"), station_in("KZ-79")
    a = incident(karaganda, severity="critical", category="stuffing")
    b = incident(karaganda, severity="low", category="carousel")
    c = incident(shymkent, severity="critical", category="stuffing")
    url = reverse("electionday:incidents", args=[karaganda.election.slug])
    client = client_for(staff_user)

    def shown(**query):
        return {item.pk for item in client.get(url, query).context["page"]}

    assert shown() == {a.pk, b.pk, c.pk}
    assert shown(region=shymkent.region.pk) == {c.pk}
    assert shown(category="stuffing") == {a.pk, c.pk}
    assert shown(severity="low") == {b.pk}
    assert shown(station=shymkent.number) == {c.pk}


def test_coordinator_list_shows_only_their_region_without_a_region_filter(client_for, coordinator):
    karaganda, shymkent = station_in("KZ-35"), station_in("KZ-79")
    own = incident(karaganda)
    incident(shymkent, severity="critical")
    response = client_for(coordinator).get(reverse("electionday:incidents", args=[karaganda.election.slug]))
    assert [item.pk for item in response.context["page"]] == [own.pk]
    assert "region" not in response.context["filter"].form.fields
    # Asking for the other region's stations by number finds nothing either.
    response = client_for(coordinator).get(
        reverse("electionday:incidents", args=[karaganda.election.slug]), {"station": shymkent.number}
    )
    assert list(response.context["page"]) == []


def test_list_paginates(client_for, staff_user):
    station = station_in("KZ-35")
    for minutes in range(27):
        incident(station, minutes_ago=minutes + 1)
    url = reverse("electionday:incidents", args=[station.election.slug])
    client = client_for(staff_user)
    assert len(client.get(url).context["page"]) == 25
    assert len(client.get(url, {"page": 2}).context["page"]) == 2


def _entry(station, client_id=None, **extra):
    return {
        "client_id": str(client_id or uuid.uuid4()),
        "station": station.pk,
        "category": "observer_removed",
        "severity": "critical",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "text": "Наблюдателя удалили из помещения для голосования.",
        **extra,
    }


def test_coordinator_enters_a_phoned_in_incident_once_for_their_station(client_for, coordinator):
    station = station_in("KZ-35")
    url = reverse("electionday:incident_create", args=[station.election.slug])
    client = client_for(coordinator)
    assert client.get(url).status_code == 200
    data = _entry(station)
    for _twice in range(2):  # a double click sends the same hidden UUID
        data["photos"] = SimpleUploadedFile("photo.jpg", jpeg(), content_type="image/jpeg")
        response = client.post(url, data)
        assert response.status_code == 302
    stored = Incident.objects.get()
    assert stored.source == Source.STAFF and stored.entered_by == coordinator
    assert stored.station == station
    assert stored.attachments.count() == 1
    assert response["Location"] == reverse("electionday:incident", args=[station.election.slug, stored.pk])


def test_coordinator_cannot_enter_an_incident_for_another_region(client_for, coordinator):
    own, other = station_in("KZ-35"), station_in("KZ-79")
    url = reverse("electionday:incident_create", args=[own.election.slug])
    response = client_for(coordinator).post(url, _entry(other))
    assert response.status_code == 200
    assert "station" in response.context["form"].errors
    assert not Incident.objects.exists()


def test_entry_refuses_a_file_that_is_not_a_photo_or_video(client_for, staff_user):
    station = station_in("KZ-35")
    data = _entry(
        station, photos=SimpleUploadedFile("evil.jpg", b"<html><script>x</script>", content_type="image/jpeg")
    )
    response = client_for(staff_user).post(reverse("electionday:incident_create", args=[station.election.slug]), data)
    assert response.status_code == 200
    assert "photos" in response.context["form"].errors
    assert not Incident.objects.exists()


@pytest.mark.parametrize("role", ["trainer", "finance_officer", "integrity_officer", "nobody"])
def test_roles_without_entry_cannot_enter_incidents(role, request, client_for):
    station = station_in("KZ-35")
    url = reverse("electionday:incident_create", args=[station.election.slug])
    client = client_for(request.getfixturevalue(role))
    assert client.get(url).status_code == 403
    assert client.post(url, _entry(station)).status_code == 403
    assert not Incident.objects.exists()


def test_integrity_officer_turns_an_incident_into_a_complaint(client_for, integrity_officer, kz35_incident):
    slug = kz35_incident.station.election.slug
    client = client_for(integrity_officer)
    detail = client.get(reverse("electionday:incident", args=[slug, kz35_incident.pk]))
    assert detail.context["complaint_form"] is not None
    response = client.post(
        reverse("electionday:incident_complaint", args=[slug, kz35_incident.pk]),
        {"recipient": "tec", "sent_on": timezone.localdate().isoformat(), "outgoing_number": "ИШ-1"},
    )
    assert response.status_code == 302
    forwarding = Forwarding.objects.get()
    kz35_incident.refresh_from_db()
    assert forwarding.report == kz35_incident.case
    page = client.get(reverse("electionday:incident", args=[slug, kz35_incident.pk])).content.decode()
    assert forwarding.letter_sha256 in page
    assert reverse("hotline:letter", args=[forwarding.pk]) in page


def test_complaint_form_errors_are_shown_on_the_page(client_for, integrity_officer, kz35_incident):
    slug = kz35_incident.station.election.slug
    response = client_for(integrity_officer).post(
        reverse("electionday:incident_complaint", args=[slug, kz35_incident.pk]), {"recipient": "tec"}
    )
    assert response.status_code == 400
    assert "outgoing_number" in response.context["complaint_form"].errors
    assert not Forwarding.objects.exists()


@pytest.mark.parametrize(
    "role", ["staff_user", "coordinator", "other_coordinator", "trainer", "finance_officer", "nobody", "superuser"]
)
def test_other_roles_cannot_make_complaints(role, request, client_for, kz35_incident):
    slug = kz35_incident.station.election.slug
    client = client_for(request.getfixturevalue(role))
    if role in ("staff_user", "coordinator"):
        assert (
            client.get(reverse("electionday:incident", args=[slug, kz35_incident.pk])).context["complaint_form"] is None
        )
    response = client.post(
        reverse("electionday:incident_complaint", args=[slug, kz35_incident.pk]),
        {"recipient": "tec", "sent_on": timezone.localdate().isoformat(), "outgoing_number": "X-1"},
    )
    assert response.status_code == 403
    assert not Forwarding.objects.exists()


def test_auditor_is_sent_to_the_audit_site_from_the_complaint(client_for, auditor, kz35_incident):
    slug = kz35_incident.station.election.slug
    response = client_for(auditor).post(
        reverse("electionday:incident_complaint", args=[slug, kz35_incident.pk]),
        {"recipient": "tec", "sent_on": timezone.localdate().isoformat(), "outgoing_number": "X-2"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("audit:index")
    assert not Forwarding.objects.exists()
