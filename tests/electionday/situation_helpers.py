"""What the situation-room tests share: an election on a fixed day with an opening checklist (due when the polls
open, 08:00), a turnout checkpoint at 10:00 and a closing checklist (due with the protocol two hours after the polls
close, 22:00); stations with observers, devices, submissions and protocols."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from django.utils import timezone

from coalition.models import Election
from electionday.models import ChecklistVersion, Device
from electionday.services import checklists
from events.models import Assignment, PollingStation
from tests.electionday.protocol_helpers import iin, record, the_election
from tests.events.factories import PersonFactory, StationFactory, admitted_organization, certified
from tests.factories import region

DAY = date(2026, 12, 6)
TURNOUT_QUESTION = {"name": "ballots_issued", "type": "number", "label": {"ru": "Получили бюллетени"}, "required": True}
YES = {"name": "ok", "type": "yes_no", "label": {"ru": "Всё в порядке?"}, "required": True}


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


def election_on(day: date = DAY, slug: str = "president-2026-day") -> Election:
    election = the_election(slug)
    Election.objects.filter(pk=election.pk).update(election_day=day, polls_open=time(8), polls_close=time(20))
    election.refresh_from_db()
    return election


def checklist(election: Election, code: str, kind: str, due_at: time | None, staff) -> ChecklistVersion:
    questions = [TURNOUT_QUESTION] if kind == "turnout" else [YES]
    version = checklists.create_checklist(
        election=election,
        code=code,
        kind=kind,
        due_at=due_at,
        position={"opening": 10, "turnout": 20, "closing": 30}[kind],
        title={"ru": code, "en": code},
        questions=questions,
        by=staff,
    )
    return checklists.publish(version=version, by=staff)


def standard_checklists(election: Election, staff) -> dict[str, ChecklistVersion]:
    return {
        "opening": checklist(election, "opening", "opening", None, staff),
        "turnout-1000": checklist(election, "turnout-1000", "turnout", time(10), staff),
        "closing": checklist(election, "closing", "closing", None, staff),
    }


def station(election: Election, number: str, region_code: str = "KZ-35", voters: int | None = 1000) -> PollingStation:
    return StationFactory(election=election, number=number, region=region(region_code), voters=voters)


def observer(station: PollingStation, *, device: bool = True, phone: str = "+77011234567", **person) -> Assignment:
    who = PersonFactory(region=station.region, phone=phone, iin=iin(), **person)
    assignment = Assignment.objects.create(
        station=station,
        person=who,
        role=Assignment.Role.OBSERVER,
        certificate=certified(who),
        organization=admitted_organization(region=station.region),
    )
    if device:
        Device.objects.create(assignment=assignment, token_hash=uuid.uuid4().hex * 2, label="test phone")
    return assignment


def submit(station: PollingStation, version: ChecklistVersion, staff, *, ballots: int = 100, assignment=None) -> None:
    answers = {"ballots_issued": ballots} if version.checklist.kind == "turnout" else {"ok": True}
    checklists.record_submission(
        station=station,
        assignment=assignment,
        client_id=uuid.uuid4(),
        version=version,
        answers=answers,
        photos={},
        filled_at=timezone.now(),
        source="staff",
        entered_by=staff,
    )


def protocol(station: PollingStation, **numbers: int) -> None:
    record(station, reporter_iin=iin(), **numbers)


def complete(station: PollingStation, versions: dict[str, ChecklistVersion], staff) -> None:
    for version in versions.values():
        submit(station, version, staff)
    protocol(station)
