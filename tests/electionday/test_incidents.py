"""record_incident: exactly once per client_id, checked input, files with their SHA-256, and the critical alert
(once per incident, to the station's regional coordinators and HQ committee staff only)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from coalition.models import AuditEntry, OutboundMessage
from electionday.models import Attachment, Incident, Source
from electionday.services.incidents import alert_critical, record_incident
from tests.electionday.incident_helpers import jpeg, observer_at, png, station_in

pytestmark = pytest.mark.django_db


def _record(station, assignment, client_id, **overrides):
    values = {
        "station": station,
        "assignment": assignment,
        "client_id": client_id,
        "category": "stuffing",
        "severity": "critical",
        "occurred_at": timezone.now() - timedelta(minutes=5),
        "text": "Председатель УИК вбросил пачку бюллетеней в урну №2.",
        "photos": [(jpeg(), "image/jpeg")],
        "source": Source.DEVICE,
    }
    return record_incident(**{**values, **overrides})


def _alerts():
    return OutboundMessage.objects.filter(key__startswith="electionday:incident:")


def test_same_client_id_sent_ten_times_stores_one_incident_and_one_photo():
    station = station_in()
    assignment = observer_at(station)
    client_id = uuid.uuid4()
    results = [_record(station, assignment, str(client_id)) for _ in range(10)]
    assert [created for _incident, created in results] == [True] + [False] * 9
    assert len({incident.pk for incident, _created in results}) == 1
    assert Incident.objects.filter(client_id=client_id).count() == 1
    assert Attachment.objects.filter(incident=results[0][0]).count() == 1
    assert AuditEntry.objects.filter(action="electionday.incident_recorded").count() == 1


def test_stores_photos_with_their_sha256():
    station = station_in()
    photos = [(jpeg("green"), "image/jpeg"), (png(), "image/png")]
    incident, _created = _record(station, None, uuid.uuid4(), photos=photos, source=Source.STAFF)
    stored = list(incident.attachments.order_by("pk"))
    assert [item.content_type for item in stored] == ["image/jpeg", "image/png"]
    for item, (content, _type) in zip(stored, photos, strict=True):
        assert item.sha256 == hashlib.sha256(content).hexdigest()
        with item.file.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == item.sha256
        assert item.station_id == station.pk


def test_refuses_unknown_category_and_severity_storing_nothing():
    station = station_in()
    with pytest.raises(ValidationError) as refused:
        _record(station, None, uuid.uuid4(), category="alien_landing", severity="apocalyptic")
    assert set(refused.value.message_dict) == {"category", "severity"}
    assert not Incident.objects.exists()
    assert not Attachment.objects.exists()


def test_refuses_assignment_of_another_station():
    station, elsewhere = station_in(), station_in()
    with pytest.raises(ValidationError) as refused:
        _record(station, observer_at(elsewhere), uuid.uuid4())
    assert "assignment" in refused.value.message_dict
    assert not Incident.objects.exists()


def test_refuses_same_client_id_from_another_station():
    first, second = station_in(), station_in()
    client_id = uuid.uuid4()
    _record(first, None, client_id, source=Source.STAFF)
    with pytest.raises(ValidationError):
        _record(second, None, client_id, source=Source.STAFF)
    assert Incident.objects.get(client_id=client_id).station == first


def test_refuses_a_file_that_was_not_checked():
    with pytest.raises(ValidationError) as refused:
        _record(station_in(), None, uuid.uuid4(), photos=[(b"<svg onload=alert(1)>", "image/svg+xml")])
    assert "photos" in refused.value.message_dict


def test_critical_incident_alerts_region_coordinators_and_committee_staff_once(
    staff_user, coordinator, other_coordinator, trainer, finance_officer, integrity_officer, auditor
):
    station = station_in("KZ-35")
    assignment = observer_at(station, name="Сабина Секретная-Наблюдатель")
    client_id = uuid.uuid4()
    incident, _created = _record(station, assignment, client_id)
    for _again in range(3):
        _record(station, assignment, client_id)
    alert_critical(incident)  # the alert itself, run again, sends nothing new

    messages = list(_alerts())
    assert sorted(message.recipient for message in messages) == sorted([staff_user.email, coordinator.email])
    for message in messages:
        assert message.key.startswith(f"electionday:incident:{incident.pk}:critical")
        assert station.number in message.body
        assert f"/election-day/{station.election.slug}/incidents/{incident.pk}/" in message.body
        assert "Сабина" not in message.body + message.subject  # the reporter's name never leaves in an alert
        assert "вбросил" not in message.body  # nor what they wrote (it may name people)


def test_critical_incident_of_another_region_does_not_alert_this_coordinator(coordinator, other_coordinator):
    _record(station_in("KZ-79"), None, uuid.uuid4(), source=Source.STAFF)
    assert [message.recipient for message in _alerts()] == [other_coordinator.email]


@pytest.mark.parametrize("severity", ["low", "medium", "high"])
def test_non_critical_incident_alerts_nobody(severity, staff_user, coordinator):
    _record(station_in("KZ-35"), None, uuid.uuid4(), severity=severity, source=Source.STAFF)
    assert not _alerts().exists()
    assert Incident.objects.count() == 1


def test_alert_is_written_in_each_recipients_language(coordinator):
    from django.utils import translation

    from coalition.models import Profile

    Profile.objects.filter(user=coordinator).update(language="en")
    coordinator.refresh_from_db()
    station = station_in("KZ-35")
    with translation.override("ru"):  # the request that brought the report was in Russian
        _record(station, None, uuid.uuid4(), source=Source.STAFF)
    message = _alerts().get(recipient=coordinator.email)
    assert message.language == "en"
    assert station.region.name_en in message.body
    assert "Ballot stuffing" in message.subject


def test_a_critical_alert_is_delivered_on_the_urgent_queue(staff_user, coordinator, django_capture_on_commit_callbacks):
    """Election-day alerts never wait behind a reminders backlog: their delivery goes to the urgent queue (#19)."""
    import redis
    from django.conf import settings

    from coalition.celery import urgent_queue

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(urgent_queue(), settings.CELERY_TASK_DEFAULT_QUEUE)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _record(station_in("KZ-35"), None, uuid.uuid4(), source=Source.STAFF)
        assert _alerts().count() == 2
        assert broker.llen(urgent_queue()) >= 1  # the deliveries of the two alerts
        assert broker.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 0
    finally:
        broker.delete(urgent_queue(), settings.CELERY_TASK_DEFAULT_QUEUE)
