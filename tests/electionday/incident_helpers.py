"""What the incident tests share: a station with an assigned observer, photos, and recording an incident."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

from django.utils import timezone
from PIL import Image

from electionday.models import Incident, Source
from electionday.services.incidents import record_incident
from events.models import Assignment, PollingStation
from tests.events.factories import PersonFactory, StationFactory, admitted_organization, certified, stations_election
from tests.factories import region


def jpeg(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "JPEG")
    return out.getvalue()


def png(colour: str = "blue") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), colour).save(out, "PNG")
    return out.getvalue()


def station_in(region_code: str = "KZ-35", **extra) -> PollingStation:
    return StationFactory(region=region(region_code), **extra)


def observer_at(station: PollingStation, *, name: str = "Айгуль Наблюдательница Тестовая") -> Assignment:
    person = PersonFactory(full_name=name, region=station.region)
    return Assignment.objects.create(
        station=station,
        person=person,
        role=Assignment.Role.OBSERVER,
        certificate=certified(person),
        organization=admitted_organization(region=station.region),
    )


def incident(
    station: PollingStation,
    *,
    assignment: Assignment | None = None,
    severity: str = "medium",
    category: str = "carousel",
    minutes_ago: int = 30,
    photos: list[tuple[bytes, str]] | None = None,
    text: str = "Группа людей голосует повторно на разных участках.",
) -> Incident:
    created, _new = record_incident(
        station=station,
        assignment=assignment,
        client_id=uuid.uuid4(),
        category=category,
        severity=severity,
        occurred_at=timezone.now() - timedelta(minutes=minutes_ago),
        text=text,
        photos=photos or [],
        source=Source.DEVICE if assignment else Source.STAFF,
    )
    return created


__all__ = ["incident", "jpeg", "observer_at", "png", "station_in", "stations_election"]
