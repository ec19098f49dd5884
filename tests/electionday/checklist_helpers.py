"""What the checklist tests share: an election with stations, an observer, a published version, photos."""

from __future__ import annotations

import io

from PIL import Image

from coalition.models import Election
from electionday.models import ChecklistVersion
from electionday.services import checklists
from events.models import Assignment, PollingStation
from tests.events.factories import PersonFactory, StationFactory, admitted_organization, certified, stations_election
from tests.factories import region

QUESTIONS = [
    {"name": "arrived_at", "type": "time", "label": {"ru": "Во сколько вы прибыли?"}, "required": True},
    {"name": "admitted", "type": "yes_no", "label": {"ru": "Вас допустили?", "en": "Admitted?"}, "required": True},
    {"name": "voters", "type": "number", "label": {"ru": "Сколько избирателей?"}, "required": False},
    {
        "name": "queue",
        "type": "choice",
        "label": {"ru": "Очередь"},
        "required": False,
        "choices": [{"value": "none", "label": {"ru": "Нет"}}, {"value": "long", "label": {"ru": "Длинная"}}],
    },
    {"name": "notes", "type": "text", "label": {"ru": "Примечания"}, "required": False},
    {"name": "photo", "type": "photo", "label": {"ru": "Фото"}, "required": False},
]
TITLE = {"ru": "Открытие", "kk": "Ашылу", "en": "Opening"}


def jpeg(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "JPEG")
    return out.getvalue()


def station_in(region_code: str = "KZ-35", **extra) -> PollingStation:
    return StationFactory(region=region(region_code), **extra)


def observer_at(station: PollingStation) -> Assignment:
    person = PersonFactory(region=station.region)
    return Assignment.objects.create(
        station=station,
        person=person,
        role=Assignment.Role.OBSERVER,
        certificate=certified(person),
        organization=admitted_organization(region=station.region),
    )


def published(election: Election | None = None, *, code: str = "opening", questions=None, by=None) -> ChecklistVersion:
    """A published version 1 of a checklist of ``election`` (the stations' election by default)."""
    version = checklists.create_checklist(
        election=election or stations_election(),
        code=code,
        kind="opening",
        due_at=None,
        position=10,
        title=TITLE,
        questions=questions if questions is not None else QUESTIONS,
        by=by,
    )
    return checklists.publish(version=version, by=by)
