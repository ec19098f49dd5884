"""Staff pages of the protocol: data entry, verification queue, review (verify/correct), history, conflicts and the
photo view — each by role and region."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from electionday.models import Attachment, Protocol
from tests.electionday.protocol_helpers import SLUG, iin, jpeg, record, station, the_election

pytestmark = pytest.mark.django_db

ROLES = [
    ("staff_user", 200),
    ("coordinator", 200),  # Karaganda (KZ-35), the station's region
    ("other_coordinator", 403),  # Shymkent
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


@pytest.fixture
def precinct(election):
    return station(election, "101", "KZ-35")


@pytest.fixture
def protocol(precinct):
    return record(precinct, reporter_iin=iin(), invalid=11)[0]


def _entry(**overrides):
    data = {
        "kind": "observer",
        "reporter_iin": iin(),
        "client_id": str(uuid.uuid4()),
        "voters": "1000",
        "received": "800",
        "issued": "600",
        "cancelled": "200",
        "in_boxes": "590",
        "invalid": "10",
        "against_all": "30",
        "c_akhmetov": "300",
        "c_bekova": "250",
        "photo": SimpleUploadedFile("protocol.jpg", jpeg(), content_type="image/jpeg"),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize("role,expected", ROLES)
def test_every_protocol_page_by_role(client_for, request, protocol, precinct, role, expected):
    client = client_for(request.getfixturevalue(role))
    photo = protocol.attachments.get()
    for url in [
        reverse("electionday:protocol_queue", args=[SLUG]),
        reverse("electionday:protocol_conflicts", args=[SLUG]),
        reverse("electionday:protocol_review", args=[SLUG, protocol.pk]),
        reverse("electionday:protocol_history", args=[SLUG, precinct.pk]),
        reverse("electionday:protocol_enter", args=[SLUG, precinct.pk]),
        reverse("electionday:protocol_photo", args=[SLUG, photo.pk]),
    ]:
        response = client.get(url)
        # The other region's coordinator may open the lists (scoped, see below), never this station's pages.
        lists = "/conflicts/" in url or url.endswith("/protocols/")
        want = 200 if (role == "other_coordinator" and lists) else expected
        assert response.status_code == want, (url, role)
    verify = client.post(reverse("electionday:protocol_verify", args=[SLUG, protocol.pk]))
    assert verify.status_code == (302 if expected == 200 else expected)
    protocol.refresh_from_db()
    assert (protocol.review == "verified") == (expected == 200)


def test_anonymous_goes_to_login(client, protocol):
    for url in [
        reverse("electionday:protocol_queue", args=[SLUG]),
        reverse("electionday:protocol_photo", args=[SLUG, protocol.attachments.get().pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_photo_is_served_privately_and_only_through_its_election(client_for, staff_user, protocol):
    client = client_for(staff_user)
    photo = protocol.attachments.get()
    response = client.get(reverse("electionday:protocol_photo", args=[SLUG, photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff" and "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    the_election("local-2027")
    assert client.get(reverse("electionday:protocol_photo", args=["local-2027", photo.pk])).status_code == 404
    with pytest.raises(NotImplementedError):  # private storage: no public media URL exists for it
        _ = photo.file.url


def test_the_queue_and_conflicts_of_a_coordinator_hold_only_their_region(client_for, coordinator, election, protocol):
    shymkent = station(election, "555", "KZ-79")
    record(shymkent, reporter_iin=iin())
    record(shymkent, reporter_iin=iin(), invalid=0)  # a conflict in Shymkent
    record(protocol.station, reporter_iin=iin())  # and one in Karaganda (differs from `protocol` on invalid)
    client = client_for(coordinator)
    queue = client.get(reverse("electionday:protocol_queue", args=[SLUG]))
    assert {p.station.region.code for p in queue.context["page"]} == {"KZ-35"}
    conflicts = client.get(reverse("electionday:protocol_conflicts", args=[SLUG]))
    assert [c.station for c in conflicts.context["page"]] == [protocol.station]
    # Looking another region's station up by number does not open it.
    found = client.get(reverse("electionday:protocol_queue", args=[SLUG]), {"station": "KZ-79/555"})
    assert found.status_code == 200
    opened = client.get(reverse("electionday:protocol_queue", args=[SLUG]), {"station": "101"})
    assert opened.status_code == 302 and opened["Location"].endswith(f"/stations/{protocol.station_id}/")


def test_staff_enter_a_phoned_in_protocol_once_even_if_the_form_is_sent_twice(client_for, coordinator, precinct):
    client = client_for(coordinator)
    url = reverse("electionday:protocol_enter", args=[SLUG, precinct.pk])
    data = _entry(invalid="11")
    first = client.post(url, data)
    assert first.status_code == 302, first.context["form"].errors if first.context else first
    data["photo"] = SimpleUploadedFile("protocol.jpg", jpeg(), content_type="image/jpeg")
    second = client.post(url, data)
    assert second.status_code == 302
    stored = Protocol.objects.get()
    assert stored.source == "staff" and stored.entered_by == coordinator and stored.failed_checks == ["boxes_balance"]
    assert Attachment.objects.filter(protocol=stored).count() == 1


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"photo": None}, "photo"),
        ({"voters": "-5"}, "voters"),
        ({"issued": "1.5"}, "issued"),
        ({"c_bekova": ""}, "c_bekova"),
        ({"reporter_iin": "123"}, "reporter_iin"),
        ({"photo": SimpleUploadedFile("x.jpg", b"MZ not an image", content_type="image/jpeg")}, "photo"),
    ],
)
def test_entry_errors_are_shown_on_the_form(client_for, staff_user, precinct, overrides, field):
    response = client_for(staff_user).post(
        reverse("electionday:protocol_enter", args=[SLUG, precinct.pk]), _entry(**overrides)
    )
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not Protocol.objects.exists()


def test_an_official_protocol_needs_no_photo_or_reporter(client_for, staff_user, precinct):
    response = client_for(staff_user).post(
        reverse("electionday:protocol_enter", args=[SLUG, precinct.pk]),
        _entry(kind="official", reporter_iin="", photo=None),
    )
    assert response.status_code == 302 and Protocol.objects.get().kind == "official"


def test_a_coordinator_cannot_enter_for_another_region(client_for, other_coordinator, precinct):
    response = client_for(other_coordinator).post(
        reverse("electionday:protocol_enter", args=[SLUG, precinct.pk]), _entry()
    )
    assert response.status_code == 403 and not Protocol.objects.exists()


def test_review_shows_the_photo_beside_the_numbers_and_corrects(client_for, staff_user, protocol):
    client = client_for(staff_user)
    url = reverse("electionday:protocol_review", args=[SLUG, protocol.pk])
    page = client.get(url).content.decode()
    photo_url = reverse("electionday:protocol_photo", args=[SLUG, protocol.attachments.get().pk])
    assert 'id="protocol-photos"' in page and photo_url in page and "boxes_balance" in page
    data = {key: value for key, value in _entry().items() if key.startswith("c_") or key in {
        "voters", "received", "issued", "cancelled", "in_boxes", "invalid", "against_all"}}  # fmt: skip
    response = client.post(url, data)
    corrected = Protocol.objects.get(replaced_by__isnull=True)
    assert response.status_code == 302 and response["Location"].endswith(f"/protocols/{corrected.pk}/")
    assert corrected.review == "corrected" and corrected.invalid == 10
    protocol.refresh_from_db()
    assert protocol.replaced_by == corrected and protocol.invalid == 11
    # The correction's page still shows the original's photo, and the original links to the latest.
    assert photo_url in client.get(response["Location"]).content.decode()
    assert reverse("electionday:protocol_review", args=[SLUG, corrected.pk]) in client.get(url).content.decode()


def test_an_auditor_cannot_correct(client_for, auditor, protocol):
    response = client_for(auditor).post(reverse("electionday:protocol_review", args=[SLUG, protocol.pk]), {})
    assert response.status_code == 302 and Protocol.objects.count() == 1


def test_history_lists_replaced_protocols(client_for, staff_user, precinct):
    reporter = iin()
    first, _ = record(precinct, reporter_iin=reporter)
    second, _ = record(precinct, reporter_iin=reporter, invalid=0)
    page = client_for(staff_user).get(reverse("electionday:protocol_history", args=[SLUG, precinct.pk]))
    html = page.content.decode()
    assert html.count("replaced · Not verified") == 1 and html.index(f"/protocols/{second.pk}/") < html.index(
        f"/protocols/{first.pk}/"
    )


def test_a_station_of_another_election_is_not_found(client_for, staff_user, precinct):
    the_election("local-2027")
    url = reverse("electionday:protocol_history", args=["local-2027", precinct.pk])
    assert client_for(staff_user).get(url).status_code == 404
