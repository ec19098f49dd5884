"""The JSON API (/api/v1/): device tokens and staff sessions, scoping to the caller's own station or region,
reports stored once per client_id, the schema and the docs (served from this site, no CDN)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import time, timedelta

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from coalition.models import Candidate
from electionday.api import auth
from electionday.models import Checklist, Incident, Protocol, Submission
from electionday.services import checklists, devices
from events.models import Certificate
from tests.electionday.device_helpers import bearer, bound_device, end, jpeg, observer_at, station_in

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
CHECKLISTS = "/api/v1/checklists"
CATEGORIES = "/api/v1/incident-categories"
SUBMISSIONS = "/api/v1/submissions"
INCIDENTS = "/api/v1/incidents"
PROTOCOLS = "/api/v1/protocols"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def observer(staff_user):
    """An observer at a KZ-35 station of an election with two candidates, polls 07:00–20:00, a published form."""
    assignment = observer_at(station_in("KZ-35"), full_name="Айгуль Тестова", language="kk")
    election = assignment.station.election
    election.election_day = timezone.localdate() + timedelta(days=30)
    election.polls_open, election.polls_close = time(7), time(20)
    election.save()
    Candidate.objects.create(election=election, code="abc", name="Кандидат А", position=1)
    Candidate.objects.create(election=election, code="xyz", name="Кандидат Б", position=2)
    version = checklists.create_checklist(
        election=election,
        code="opening",
        kind=Checklist.Kind.OPENING,
        due_at=time(7),
        position=1,
        title={"ru": "Открытие", "kk": "Ашылуы", "en": "Opening"},
        questions=[
            {
                "name": "admitted",
                "type": "yes_no",
                "label": {"ru": "Допустили?", "kk": "Рұқсат?", "en": "Admitted?"},
                "required": True,
                "choices": [],
            },
            {
                "name": "seal",
                "type": "photo",
                "label": {"ru": "Пломба", "kk": "Пломба", "en": "Seal"},
                "required": False,
                "choices": [],
            },
        ],
        by=staff_user,
    )
    checklists.publish(version=version, by=staff_user)
    _device, token = bound_device(assignment, staff_user)
    return assignment, token


def _post(client, url, data, token, **files):
    return client.post(url, {"data": json.dumps(data), **files}, **bearer(token))


def _photo(name="photo.jpg"):
    return SimpleUploadedFile(name, jpeg(), content_type="image/jpeg")


def _submission(assignment, **extra):
    return {
        "client_id": str(uuid.uuid4()),
        "assignment": assignment.pk,
        "checklist": "opening",
        "version": 1,
        "filled_at": (timezone.now() - timedelta(minutes=3)).isoformat(),
        "answers": {"admitted": True},
        **extra,
    }


def _protocol(assignment, **extra):
    return {
        "client_id": str(uuid.uuid4()),
        "assignment": assignment.pk,
        "filled_at": (timezone.now() - timedelta(minutes=3)).isoformat(),
        "voters": 1200,
        "received": 1000,
        "issued": 700,
        "cancelled": 300,
        "in_boxes": 700,
        "invalid": 10,
        "against_all": 40,
        "votes": {"abc": 400, "xyz": 250},
        **extra,
    }


def _incident(assignment, **extra):
    return {
        "client_id": str(uuid.uuid4()),
        "assignment": assignment.pk,
        "category": "carousel",
        "severity": "medium",
        "occurred_at": (timezone.now() - timedelta(minutes=10)).isoformat(),
        "text": "Группа людей голосует повторно.",
        **extra,
    }


# --- Who gets in ------------------------------------------------------------------------------------------------


def test_me_tells_the_observer_their_station_election_and_candidates(client, observer):
    assignment, token = observer
    response = client.get(ME, **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["person"] == {"name": "Айгуль Тестова"} and body["language"] == "kk"
    (mine,) = body["assignments"]
    station = assignment.station
    assert mine["id"] == assignment.pk and mine["role"] == "observer"
    assert mine["station"] == {
        "id": station.pk,
        "number": station.number,
        "address": station.address,
        "region": {"code": "KZ-35", "name": station.region.name},
    }
    election = mine["election"]
    assert election["slug"] == station.election.slug
    assert election["election_day"] == station.election.election_day.isoformat()
    assert election["polls"] == {"opens": "07:00", "closes": "20:00"}
    assert election["candidates"] == [{"code": "abc", "name": "Кандидат А"}, {"code": "xyz", "name": "Кандидат Б"}]


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", ME),
        ("get", CHECKLISTS + "?assignment=1"),
        ("get", CATEGORIES),
        ("post", SUBMISSIONS),
        ("post", INCIDENTS),
        ("post", PROTOCOLS),
    ],
)
def test_anonymous_and_bad_tokens_get_401(client, observer, method, url):
    for headers in ({}, bearer("not-a-token"), {"HTTP_AUTHORIZATION": "Basic abc"}, bearer("")):
        response = getattr(client, method)(url, **headers)
        assert response.status_code == 401, (url, headers)


@pytest.mark.parametrize("stop", ["revoke", "end", "certificate"])
def test_the_next_call_after_a_stop_is_refused(client, observer, staff_user, stop):
    assignment, token = observer
    assert client.get(ME, **bearer(token)).status_code == 200
    if stop == "revoke":
        devices.revoke(assignment.devices.get(), staff_user)
    elif stop == "end":
        end(assignment)
    else:
        Certificate.objects.filter(pk=assignment.certificate_id).update(revoked_at=timezone.now(), revoke_reason="x")
    assert client.get(ME, **bearer(token)).status_code == 401
    response = _post(client, SUBMISSIONS, _submission(assignment), token)
    assert response.status_code == 401
    assert not Submission.objects.exists()


def test_each_device_has_its_own_rate(client, observer, staff_user, monkeypatch):
    monkeypatch.setattr(auth, "DEVICE_RATE", "3/m")
    _assignment, token = observer
    _other, other_token = bound_device(observer_at(), staff_user)
    statuses = [client.get(CATEGORIES, **bearer(token)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get(CATEGORIES, **bearer(other_token)).status_code == 200


# --- Scoping ----------------------------------------------------------------------------------------------------


def test_checklists_are_the_published_forms_of_the_devices_own_assignment(client, observer, staff_user):
    assignment, token = observer
    response = client.get(CHECKLISTS, {"assignment": assignment.pk}, **bearer(token))
    assert response.status_code == 200
    (form,) = response.json()
    assert form["checklist"] == "opening" and form["kind"] == "opening" and form["due_at"] == "07:00"
    assert form["version"] == 1 and form["title"]["kk"] == "Ашылуы"
    assert [q["name"] for q in form["questions"]] == ["admitted", "seal"]
    other = observer_at(station_in("KZ-35"))
    assert client.get(CHECKLISTS, {"assignment": other.pk}, **bearer(token)).status_code == 403


def test_a_device_cannot_report_for_another_station(client, observer):
    _assignment, token = observer
    other = observer_at(station_in("KZ-35"))
    cases = [
        (SUBMISSIONS, _submission(other), {}),
        (INCIDENTS, _incident(other), {}),
        (PROTOCOLS, _protocol(other), {"photo": _photo()}),
    ]
    for url, data, files in cases:
        assert _post(client, url, data, token, **files).status_code == 403, url
    assert not Submission.objects.exists() and not Incident.objects.exists() and not Protocol.objects.exists()


def test_staff_read_with_their_session_in_their_region_only(client_for, observer, coordinator, other_coordinator):
    assignment, _token = observer
    own = client_for(coordinator)
    assert own.get(ME).json()["assignments"] == []
    assert own.get(CHECKLISTS, {"assignment": assignment.pk}).status_code == 200
    other = client_for(other_coordinator)
    response = other.get(CHECKLISTS, {"assignment": assignment.pk})
    assert response.status_code == 403
    assert "opening" not in response.content.decode()


def test_staff_sessions_cannot_post(client_for, observer, staff_user):
    assignment, _token = observer
    session = client_for(staff_user)
    response = session.post(SUBMISSIONS, {"data": json.dumps(_submission(assignment))})
    assert response.status_code == 401
    assert not Submission.objects.exists()


def test_roles_without_a_staff_page_get_nothing(client_for, observer, auditor, nobody):
    assignment, _token = observer
    for user in (auditor, nobody):
        session = client_for(user)
        assert session.get(ME).status_code == 401
        assert session.get(CHECKLISTS, {"assignment": assignment.pk}).status_code == 401


def test_a_staff_role_without_the_permission_reads_no_checklists(client_for, observer, trainer):
    assignment, _token = observer
    assert client_for(trainer).get(CHECKLISTS, {"assignment": assignment.pk}).status_code == 403


# --- Reports ----------------------------------------------------------------------------------------------------


def test_answers_are_stored_once_per_client_id(client, observer):
    assignment, token = observer
    data = _submission(assignment)
    first = _post(client, SUBMISSIONS, data, token, **{"photo:seal": _photo()})
    assert first.status_code == 201
    assert first.json()["status"] == "stored" and first.json()["client_id"] == data["client_id"]
    for _ in range(3):
        again = _post(client, SUBMISSIONS, data, token, **{"photo:seal": _photo()})
        assert again.status_code == 200 and again.json()["status"] == "duplicate"
        assert again.json()["id"] == first.json()["id"]
    submission = Submission.objects.get()
    assert submission.station == assignment.station and submission.source == "device"
    assert submission.attachments.get().question == "seal"


def test_answers_that_do_not_fit_answer_422_by_field(client, observer):
    assignment, token = observer
    response = _post(client, SUBMISSIONS, _submission(assignment, version=9), token)
    assert response.status_code == 422 and "version" in response.json()["errors"]
    response = _post(client, SUBMISSIONS, _submission(assignment, client_id="nope"), token)
    assert response.status_code == 422 and "client_id" in response.json()["errors"]
    response = client.post(SUBMISSIONS, {}, **bearer(token))
    assert response.status_code == 422 and "data" in response.json()["errors"]
    assert not Submission.objects.exists()


def test_an_incident_with_a_photo_is_stored_once(client, observer):
    assignment, token = observer
    data = _incident(assignment)
    assert _post(client, INCIDENTS, data, token, photos=[_photo("a.jpg"), _photo("b.jpg")]).status_code == 201
    assert _post(client, INCIDENTS, data, token, photos=[_photo("a.jpg")]).json()["status"] == "duplicate"
    incident = Incident.objects.get()
    assert incident.assignment == assignment and incident.attachments.count() == 2


def test_a_file_that_is_not_a_photo_is_refused(client, observer):
    assignment, token = observer
    fake = SimpleUploadedFile("a.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    response = _post(client, INCIDENTS, _incident(assignment), token, photos=[fake])
    assert response.status_code == 422 and "photos" in response.json()["errors"]
    assert not Incident.objects.exists()


def test_the_protocol_needs_its_photo_and_lists_failed_checks(client, observer):
    assignment, token = observer
    data = _protocol(assignment, in_boxes=720)  # 720 in the boxes of 700 issued; 10 + 40 + 650 != 720
    missing = _post(client, PROTOCOLS, data, token)
    assert missing.status_code == 422 and "photo" in missing.json()["errors"]
    stored = _post(client, PROTOCOLS, data, token, photo=_photo())
    assert stored.status_code == 201
    assert stored.json()["failed_checks"] == ["boxes_over_issued", "boxes_balance"]
    again = _post(client, PROTOCOLS, data, token, photo=_photo())
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert again.json()["failed_checks"] == ["boxes_over_issued", "boxes_balance"]
    assert Protocol.objects.count() == 1


def test_a_resend_is_answered_before_its_photo_is_read(client, observer):
    """The evening burst: a phone resends what it is not sure arrived; the server does not decode the photo again
    (a file that is no image at all still gets "duplicate" for a stored client id, and a 422 for a new one)."""
    assignment, token = observer
    data = _protocol(assignment)
    assert _post(client, PROTOCOLS, data, token, photo=_photo()).status_code == 201
    garbage = SimpleUploadedFile("photo.jpg", b"not an image", content_type="image/jpeg")
    again = _post(client, PROTOCOLS, data, token, photo=garbage)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    fresh = _protocol(assignment)
    fresh["client_id"] = str(uuid.uuid4())
    garbage.seek(0)
    assert _post(client, PROTOCOLS, fresh, token, photo=garbage).status_code == 422
    assert Protocol.objects.count() == 1


@pytest.mark.parametrize("bad", [-1, 1.5, "7", True])
def test_negative_or_non_integer_protocol_numbers_are_refused(client, observer, bad):
    assignment, token = observer
    response = _post(client, PROTOCOLS, _protocol(assignment, invalid=bad), token, photo=_photo())
    assert response.status_code == 422 and "invalid" in response.json()["errors"]
    assert not Protocol.objects.exists()


def test_a_body_over_the_budget_is_refused_before_it_is_read(client, observer):
    _assignment, token = observer
    response = client.post(PROTOCOLS, {"data": "{}"}, CONTENT_LENGTH=str(200 * 1024 * 1024), **bearer(token))
    assert response.status_code == 413


def test_incident_categories_are_labelled_in_the_requests_language(observer):
    _assignment, token = observer
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(CATEGORIES, **bearer(token)).json()
    assert {"code": "carousel", "label": "Carousel voting"} in english
    severities = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/severities", **bearer(token)).json()
    assert [s["code"] for s in severities] == ["low", "medium", "high", "critical"]


# --- Schema and docs --------------------------------------------------------------------------------------------


def test_the_openapi_schema_lists_the_endpoints(client_for, staff_user):
    response = client_for(staff_user).get(reverse("api-v1:openapi-json"))
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["version"] == "1"
    paths = schema["paths"]
    for path in (ME, CHECKLISTS, CATEGORIES, SUBMISSIONS, INCIDENTS, PROTOCOLS):
        assert path in paths, path
    assert "multipart/form-data" in paths[PROTOCOLS]["post"]["requestBody"]["content"]
    assert {"DeviceToken", "StaffSession"} <= set(schema["components"]["securitySchemes"])


def test_the_docs_load_everything_from_this_site(client_for, staff_user):
    response = client_for(staff_user).get(reverse("api-v1:openapi-view"))
    assert response.status_code == 200
    html = response.content.decode()
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(ref.endswith("swagger-ui-bundle.js") for ref in references)
    assert all(ref.startswith("/") and not ref.startswith("//") for ref in references), references
    assert "cdn" not in html.lower()
    assert finders.find("ninja/swagger-ui-bundle.js") and finders.find("ninja/swagger-ui.css")


def test_schema_and_docs_need_a_staff_login(client):
    for name in ("api-v1:openapi-json", "api-v1:openapi-view"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
