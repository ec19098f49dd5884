"""What the protocol tests share: an election with two candidates, its stations, an assigned observer, a balanced
protocol's numbers, a photo, and recording a protocol through the service."""

from __future__ import annotations

import io
import random
import uuid

from django.utils import timezone
from PIL import Image

from coalition.identifiers import synthetic_iin
from coalition.models import Candidate, Election
from electionday.models import Protocol, Source
from electionday.services.protocols import record_protocol
from events.models import Assignment, PollingStation
from tests.events.factories import PersonFactory, StationFactory, admitted_organization, certified
from tests.factories import ElectionFactory, region

SLUG = "president-2026-day"
_rng = random.Random(18)


def iin() -> str:
    return synthetic_iin(_rng)


def the_election(slug: str = SLUG) -> Election:
    election = ElectionFactory(slug=slug, name="Выборы Президента 2026")
    for position, (code, name) in enumerate([("akhmetov", "Ахметов А."), ("bekova", "Бекова Б.")], start=1):
        Candidate.objects.get_or_create(election=election, code=code, defaults={"name": name, "position": position})
    return election


def station(election: Election, number: str = "101", region_code: str = "KZ-35", voters: int = 1000) -> PollingStation:
    return StationFactory(election=election, number=number, region=region(region_code), voters=voters)


def observer_at(station: PollingStation, *, person_iin: str = "") -> Assignment:
    person = PersonFactory(region=station.region, iin=person_iin)
    return Assignment.objects.create(
        station=station,
        person=person,
        role=Assignment.Role.OBSERVER,
        certificate=certified(person),
        organization=admitted_organization(region=station.region),
    )


def jpeg(colour: str = "white") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), colour).save(out, "JPEG")
    return out.getvalue()


def balanced(**overrides: int) -> tuple[dict[str, int], dict[str, int]]:
    """Return (lines, votes) that pass every control relation, with ``overrides`` (a line or a candidate code)."""
    lines = {
        "voters": 1000,
        "received": 800,
        "issued": 600,
        "cancelled": 200,
        "in_boxes": 590,
        "invalid": 10,
        "against_all": 30,
    }
    votes = {"akhmetov": 300, "bekova": 250}
    for key, value in overrides.items():
        (lines if key in lines else votes)[key] = value
    return lines, votes


def record(
    station: PollingStation,
    *,
    reporter_iin: str = "",
    kind: str = "observer",
    source: str = Source.DEVICE,
    client_id: uuid.UUID | None = None,
    assignment: Assignment | None = None,
    photo: tuple[bytes, str] | None = None,
    entered_by=None,
    **numbers: int,
) -> tuple[Protocol, bool]:
    lines, votes = balanced(**numbers)
    if photo is None and kind == "observer" and source != Source.IMPORT:
        photo = (jpeg(), "image/jpeg")
    return record_protocol(
        station=station,
        kind=kind,
        client_id=client_id or uuid.uuid4(),
        reporter_iin=reporter_iin,
        assignment=assignment,
        lines=lines,
        votes=votes,
        photo=photo,
        filled_at=timezone.now(),
        source=source,
        entered_by=entered_by,
    )
