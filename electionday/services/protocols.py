"""The precinct protocol: record it (from a phone, staff data entry or a file), review it, and compare reporters.

Exactly once per ``client_id``: the same protocol sent again returns the stored one and stores nothing. A reporter's
later protocol for a station replaces their earlier one (the earlier row stays, with ``replaced_by`` set: the
history); the commission's official protocol is one per station, and a re-import with the same numbers changes
nothing. Writes for one station are serialised on the station's row (``SELECT … FOR NO KEY UPDATE``), so two
protocols of the same reporter arriving at once cannot both become the latest (the partial unique constraints
would refuse the second anyway). A staff correction is a new row replacing the one it corrects; nothing is edited.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from coalition.identifiers import is_valid_iin
from coalition.models import Candidate, Election, Region
from electionday import rules
from electionday.models import Protocol, ProtocolVote, Source
from electionday.services import attachments
from events.models import Assignment, PollingStation

Kind = Protocol.Kind
Review = Protocol.Review


# --- Stations and their election ---------------------------------------------------------------------------------


def stations_of(election: Election) -> QuerySet[PollingStation]:
    """Return the polling stations of ``election``."""
    return PollingStation.objects.filter(election=election)


def candidates_of(election: Election) -> list[Candidate]:
    """Return the election's candidates in ballot order."""
    return list(Candidate.objects.filter(election=election).order_by("position"))


# --- Numbers -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Numbers:
    """A protocol's numbers, checked: the seven lines and the votes by candidate code (in ballot order)."""

    lines: dict[str, int]
    votes: dict[str, int]

    def flat(self) -> dict[str, int]:
        """Return the lines and the votes (as ``c_<code>``) in one mapping, for comparing two protocols."""
        return {**self.lines, **{f"c_{code}": n for code, n in self.votes.items()}}


def clean_numbers(*, candidates: list[Candidate], lines: Mapping[str, object], votes: Mapping[str, object]) -> Numbers:
    """Return the protocol's numbers as counts; raise ValidationError (by field: a line, ``c_<code>`` or ``votes``)
    for a missing, negative, non-integer or absurd value, a vote for an unknown candidate or a missing candidate."""
    errors: dict[str, list[str]] = {}
    clean_lines: dict[str, int] = {}
    for line in rules.LINES:
        if line not in lines or lines[line] is None:
            errors[line] = [_("This line of the protocol is required.")]
            continue
        try:
            clean_lines[line] = rules.parse_count(lines[line])
        except rules.CountRefused as exc:
            errors[line] = [str(exc)]
    unknown_lines = sorted(set(lines) - set(rules.LINES))
    if unknown_lines:
        errors["lines"] = [_("Unknown lines: %(lines)s.") % {"lines": ", ".join(unknown_lines)}]
    codes = [candidate.code for candidate in candidates]
    unknown = sorted(set(votes) - set(codes))
    if unknown:
        errors["votes"] = [_("Unknown candidates: %(codes)s.") % {"codes": ", ".join(map(str, unknown))}]
    clean_votes: dict[str, int] = {}
    for code in codes:
        if code not in votes or votes[code] is None:
            errors[f"c_{code}"] = [_("The votes for this candidate are required.")]
            continue
        try:
            clean_votes[code] = rules.parse_count(votes[code])
        except rules.CountRefused as exc:
            errors[f"c_{code}"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    return Numbers(lines=clean_lines, votes=clean_votes)


def numbers_of(protocol: Protocol) -> Numbers:
    """Return a stored protocol's numbers (its votes by candidate code, in ballot order)."""
    lines = {line: getattr(protocol, line) for line in rules.LINES}
    votes = {vote.candidate.code: vote.votes for vote in votes_in_order(protocol)}
    return Numbers(lines=lines, votes=votes)


def votes_in_order(protocol: Protocol) -> list[ProtocolVote]:
    """Return the protocol's votes in ballot order (from its prefetched votes when there are)."""
    return sorted(protocol.votes.all(), key=lambda vote: vote.candidate.position)


# --- Recording ---------------------------------------------------------------------------------------------------


def _reporter_key(*, kind: str, reporter_iin: str, assignment: Assignment | None) -> str:
    """Return the IIN that identifies the reporter (observer protocols), refusing a wrong or missing one.

    A protocol from an assignment whose person has no IIN on file is keyed ``a<assignment id>`` (never a valid
    IIN, so it cannot collide with one): the observer's evidence is never refused for a gap in our records.
    """
    reporter_iin = (reporter_iin or "").strip()
    person_iin = assignment.person.iin if assignment is not None else ""
    if reporter_iin and not is_valid_iin(reporter_iin):
        raise ValidationError({"reporter_iin": [_("This is not a valid IIN.")]})
    if reporter_iin and person_iin and reporter_iin != person_iin:
        raise ValidationError({"reporter_iin": [_("The IIN is not the assigned person's.")]})
    if kind == Kind.OFFICIAL:
        return reporter_iin
    if reporter_iin:
        return reporter_iin
    if person_iin:
        return person_iin
    if assignment is not None:
        return f"a{assignment.pk}"
    raise ValidationError({"reporter_iin": [_("The reporter's IIN is required for an observer's protocol.")]})


def _linked_assignment(station: PollingStation, reporter_iin: str) -> Assignment | None:
    """Return the reporter's assignment at the station (the active one first), when they are an assigned person."""
    if not is_valid_iin(reporter_iin):
        return None
    return (
        Assignment.objects.filter(station=station, person__iin=reporter_iin)
        .select_related("person")
        .order_by(F("ended_at").desc(nulls_first=True), "-assigned_at")
        .first()
    )


def _lock_station(station: PollingStation) -> None:
    """Serialise protocol writes for one station (other writers referencing the station are not blocked)."""
    PollingStation.objects.select_for_update(no_key=True).filter(pk=station.pk).values_list("pk", flat=True).get()


def _next_protocol_id() -> int:
    """Reserve the id of a new protocol, so the row it replaces can point at it before it is inserted (the partial
    unique constraint allows one latest row; foreign keys are checked at commit)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Protocol._meta.db_table])
        return int(cursor.fetchone()[0])


def _store(
    *,
    station: PollingStation,
    numbers: Numbers,
    candidates: list[Candidate],
    replaces: Protocol | None,
    photo: tuple[bytes, str] | None,
    **fields: Any,
) -> Protocol:
    """Insert a protocol with its votes (and photo), marking ``replaces`` as replaced by it (inside a transaction)."""
    new_id = _next_protocol_id()
    if replaces is not None:
        Protocol.objects.filter(pk=replaces.pk, replaced_by__isnull=True).update(replaced_by_id=new_id)
        replaces.replaced_by_id = new_id
    protocol = Protocol.objects.create(
        id=new_id,
        station=station,
        failed_checks=rules.protocol_checks(**numbers.lines, votes=numbers.votes),
        **numbers.lines,
        **fields,
    )
    by_code = {candidate.code: candidate for candidate in candidates}
    ProtocolVote.objects.bulk_create(
        ProtocolVote(protocol=protocol, candidate=by_code[code], votes=n) for code, n in numbers.votes.items()
    )
    if photo is not None:
        content, content_type = photo
        attachments.store(parent=protocol, content=content, content_type=content_type, question="protocol")
    return protocol


def record_protocol(
    *,
    station: PollingStation,
    kind: str,
    client_id: uuid.UUID | str | None,
    reporter_iin: str,
    assignment: Assignment | None,
    lines: Mapping[str, object],
    votes: Mapping[str, object],
    photo: tuple[bytes, str] | None,
    filled_at: datetime | None,
    source: str,
    entered_by: User | None = None,
) -> tuple[Protocol, bool]:
    """Store a protocol once per ``client_id`` and return it with whether it is new.

    Observer protocols from a phone or staff data entry need the photo of the signed copy (imports do not). A
    reporter's later observer protocol replaces their earlier one for the station; an official protocol with the
    same numbers as the station's latest one is that one (nothing stored), with different numbers it replaces it.
    Failed control relations are stored with the protocol, never refused. Raise ValidationError (by field) for
    negative, non-integer, missing or unknown-candidate values, a missing photo or a wrong reporter.
    """
    if kind not in Kind.values:
        raise ValidationError({"kind": [_("Unknown kind of protocol.")]})
    if source not in Source.values:
        raise ValidationError({"source": [_("Unknown source.")]})
    key = _client_id(client_id)
    if key is None and kind == Kind.OBSERVER and source == Source.DEVICE:
        raise ValidationError({"client_id": [_("A protocol from a phone carries its client id.")]})
    if key is not None:
        existing = _existing(key, station=station, kind=kind)
        if existing is not None:
            return existing, False
    if assignment is not None and assignment.station_id != station.pk:
        raise ValidationError({"assignment": [_("The assignment is at another polling station.")]})
    reporter = _reporter_key(kind=kind, reporter_iin=reporter_iin, assignment=assignment)
    candidates = candidates_of(station.election)
    numbers = clean_numbers(candidates=candidates, lines=lines, votes=votes)
    if photo is None and kind == Kind.OBSERVER and source in (Source.DEVICE, Source.STAFF):
        raise ValidationError({"photo": [_("A photo of the signed protocol is required.")]})
    if assignment is None and kind == Kind.OBSERVER:
        assignment = _linked_assignment(station, reporter)

    with transaction.atomic():
        _lock_station(station)
        if key is not None:  # stored by a concurrent request while this one waited for the lock
            existing = _existing(key, station=station, kind=kind)
            if existing is not None:
                return existing, False
        latest = _latest(station=station, kind=kind, reporter_iin=reporter)
        if kind == Kind.OFFICIAL and latest is not None and numbers_of(latest) == numbers:
            return latest, False
        protocol = _store(
            station=station,
            numbers=numbers,
            candidates=candidates,
            replaces=latest,
            photo=photo,
            client_id=key,
            kind=kind,
            reporter_iin=reporter,
            assignment=assignment,
            filled_at=filled_at,
            source=source,
            entered_by=entered_by,
        )
        audit.record(
            actor=entered_by,
            action="electionday.protocol_recorded",
            obj=protocol,
            data={
                "kind": kind,
                "source": source,
                "station": station.pk,
                "replaces": latest.pk if latest is not None else None,
                "changed": rules.differences(numbers_of(latest).flat(), numbers.flat()) if latest else [],
                "failed_checks": protocol.failed_checks,
            },
        )
    return protocol, True


def _client_id(value: uuid.UUID | str | None) -> uuid.UUID | None:
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise ValidationError({"client_id": [_("The client id is not a UUID.")]}) from None


def _existing(key: uuid.UUID, *, station: PollingStation, kind: str) -> Protocol | None:
    existing = Protocol.objects.filter(client_id=key).first()
    if existing is not None and (existing.station_id != station.pk or existing.kind != kind):
        raise ValidationError({"client_id": [_("This client id belongs to another protocol.")]})
    return existing


def _latest(*, station: PollingStation, kind: str, reporter_iin: str) -> Protocol | None:
    """Return (locked) the station's latest protocol of ``kind`` (of the reporter, for observer protocols)."""
    rows = Protocol.objects.select_for_update(of=("self",)).filter(station=station, kind=kind, replaced_by__isnull=True)
    if kind == Kind.OBSERVER:
        rows = rows.filter(reporter_iin=reporter_iin)
    return rows.prefetch_related(Prefetch("votes", ProtocolVote.objects.select_related("candidate"))).first()


# --- Staff review ------------------------------------------------------------------------------------------------


def _locked_latest(protocol: Protocol) -> Protocol:
    _lock_station(protocol.station)
    current = Protocol.objects.select_for_update(of=("self",)).get(pk=protocol.pk)
    if current.replaced_by_id is not None:
        raise ValidationError(_("This protocol has been replaced by a later one; review the latest."))
    return current


def verify(*, protocol: Protocol, actor: User) -> Protocol:
    """Mark the latest protocol verified against its photo (audited). Verifying it again changes nothing."""
    with transaction.atomic():
        current = _locked_latest(protocol)
        if current.review == Review.VERIFIED:
            return current
        current.review = Review.VERIFIED
        current.reviewed_by = actor
        current.reviewed_at = timezone.now()
        current.save(update_fields=["review", "reviewed_by", "reviewed_at"])
        audit.record(actor=actor, action="electionday.protocol_verified", obj=current, data={})
    return current


def correct(
    *, protocol: Protocol, lines: Mapping[str, object], votes: Mapping[str, object], actor: User
) -> tuple[Protocol, bool]:
    """Correct the latest protocol from its photo: a new row (source staff, review corrected) replaces it and the
    original stays in the history, audited with the lines changed. The same numbers again change nothing."""
    candidates = candidates_of(protocol.station.election)
    numbers = clean_numbers(candidates=candidates, lines=lines, votes=votes)
    with transaction.atomic():
        current = _locked_latest(protocol)
        before = numbers_of(current)
        if before == numbers:
            return current, False
        corrected = _store(
            station=current.station,
            numbers=numbers,
            candidates=candidates,
            replaces=current,
            photo=None,
            client_id=None,
            kind=current.kind,
            reporter_iin=current.reporter_iin,
            assignment=current.assignment,
            filled_at=current.filled_at,
            source=Source.STAFF,
            entered_by=actor,
            review=Review.CORRECTED,
            reviewed_by=actor,
            reviewed_at=timezone.now(),
        )
        audit.record(
            actor=actor,
            action="electionday.protocol_corrected",
            obj=corrected,
            data={
                "corrects": current.pk,
                "changed": {
                    key: [before.flat().get(key), numbers.flat().get(key)]
                    for key in rules.differences(before.flat(), numbers.flat())
                },
                "failed_checks": corrected.failed_checks,
            },
        )
    return corrected, True


# --- Reads -------------------------------------------------------------------------------------------------------


def _with_details(rows: QuerySet[Protocol]) -> QuerySet[Protocol]:
    return rows.select_related("station__region", "assignment__person", "entered_by", "reviewed_by").prefetch_related(
        Prefetch("votes", ProtocolVote.objects.select_related("candidate")), "attachments"
    )


def history(station: PollingStation) -> list[Protocol]:
    """Return every protocol of the station, newest first (replaced ones included), with votes and photos."""
    return list(_with_details(Protocol.objects.filter(station=station)).order_by("-received_at", "-pk"))


def chain(protocol: Protocol) -> list[Protocol]:
    """Return ``protocol`` and the rows it replaced, newest first (a reporter's history; a correction's original)."""
    rows = {p.pk: p for p in _with_details(Protocol.objects.filter(station_id=protocol.station_id))}
    replaced = {p.replaced_by_id: p for p in rows.values() if p.replaced_by_id is not None}
    out = [rows.get(protocol.pk, protocol)]
    while out[-1].pk in replaced:
        out.append(replaced[out[-1].pk])
    return out


def latest_observer_protocols(election: Election, region: Region | None = None) -> QuerySet[Protocol]:
    """Return each reporter's latest observer protocol at the election's stations (optionally of one region)."""
    rows = Protocol.objects.filter(
        kind=Kind.OBSERVER, replaced_by__isnull=True, station__in=stations_of(election).values("pk")
    )
    if region is not None:
        rows = rows.filter(station__region=region)
    return _with_details(rows)


@dataclass(frozen=True)
class Conflict:
    """A station whose reporters' latest protocols differ: the protocols and the lines (``c_<code>``) that differ."""

    station: PollingStation
    protocols: list[Protocol]
    differences: list[str]


def conflicts(election: Election, region: Region | None = None) -> list[Conflict]:
    """Return the stations where two reporters' latest observer protocols differ on any line or vote."""
    by_station: dict[int, list[Protocol]] = defaultdict(list)
    for protocol in latest_observer_protocols(election, region).order_by("station_id", "received_at", "pk"):
        by_station[protocol.station_id].append(protocol)
    found = []
    for protocols in by_station.values():
        if len(protocols) < 2:
            continue
        numbers = [numbers_of(p).flat() for p in protocols]
        differing = _differing(numbers)
        if differing:
            found.append(Conflict(station=protocols[0].station, protocols=protocols, differences=differing))
    return sorted(found, key=lambda c: (c.station.region.code, c.station.number))


def _differing(numbers: Iterable[dict[str, int]]) -> list[str]:
    rows = list(numbers)
    keys = list(dict.fromkeys(key for row in rows for key in row))
    return [key for key in keys if len({row.get(key) for row in rows}) > 1]


def verification_queue(election: Election, region: Region | None = None) -> QuerySet[Protocol]:
    """Return the latest observer protocols not yet verified, oldest first."""
    return latest_observer_protocols(election, region).filter(review=Review.UNVERIFIED).order_by("received_at", "pk")


# --- File import (python manage.py import_protocols) ------------------------------------------------------------

FILE_COLUMNS = ("station", "client_id", "reporter", *rules.LINES)


class FileRefused(ValueError):
    """The whole file is refused (its header); nothing of it is read."""


@dataclass
class ImportSummary:
    """What an import did, row by row: counts by outcome and the refused rows' line numbers with reasons."""

    stored: int = 0
    duplicate: int = 0
    replaced: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)


def check_header(header: list[str], candidates: list[Candidate]) -> list[str]:
    """Return the candidate codes of the header's ``c_<code>`` columns, in file order; raise FileRefused unless it is
    the fixed columns followed by exactly one column per candidate of the election."""
    names = [name.strip() for name in header]
    if tuple(names[: len(FILE_COLUMNS)]) != FILE_COLUMNS:
        raise FileRefused(_("The header must start with: %(columns)s.") % {"columns": ",".join(FILE_COLUMNS)})
    extra = names[len(FILE_COLUMNS) :]
    expected = [f"c_{candidate.code}" for candidate in candidates]
    unknown = [name for name in extra if name not in expected]
    missing = [name for name in expected if name not in extra]
    problems = []
    if missing:
        problems.append(_("missing candidate columns: %(columns)s") % {"columns": ", ".join(missing)})
    if unknown:
        problems.append(_("unknown columns: %(columns)s") % {"columns": ", ".join(unknown)})
    if len(set(extra)) != len(extra):
        problems.append(_("a candidate column is repeated"))
    if problems:
        raise FileRefused(
            _("The file's columns do not match the election's candidates: %(problems)s.")
            % {"problems": "; ".join(problems)}
        )
    return [name[2:] for name in extra]


def find_station(election: Election, value: str) -> PollingStation:
    """Return the election's station named by ``value``: its number, or ``<region code>/<number>`` when the number
    exists in several regions; raise ValidationError when none or several match."""
    value = value.strip()
    region_code, number = rules.station_name(value)
    stations = stations_of(election).select_related("region").filter(number=number)
    if region_code is not None:
        stations = stations.filter(region__code=region_code)
    found = list(stations[:2])
    if not value or not found:
        raise ValidationError(_("Unknown polling station: %(station)s.") % {"station": value})
    if len(found) > 1:
        raise ValidationError(
            _("Station number %(station)s exists in several regions: write it as REGION/NUMBER, e.g. %(example)s.")
            % {"station": value, "example": f"{found[0].region.code}/{value}"}
        )
    return found[0]


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{name}: {' '.join(errors)}" for name, errors in exc.message_dict.items())
    return " ".join(exc.messages)


def import_file(*, election: Election, kind: str, rows: Iterable[tuple[int, list[str]]]) -> ImportSummary:
    """Import protocols from a CSV file's rows ((line number, cells), the header first); each row in its own
    transaction: a refused row stores nothing of itself and does not stop the others.

    Observer rows need a ``client_id`` (UUID) and the reporter's IIN; official rows may leave both empty.
    """
    if kind not in Kind.values:
        raise FileRefused(_("Unknown kind of protocol."))
    iterator = iter(rows)
    try:
        _line, header = next(iterator)
    except StopIteration:
        raise FileRefused(_("The file is empty.")) from None
    candidates = candidates_of(election)
    codes = check_header(header, candidates)
    width = len(FILE_COLUMNS) + len(codes)
    summary = ImportSummary()
    for line, cells in iterator:
        if not any(cell.strip() for cell in cells):
            continue
        try:
            outcome = _import_row(election=election, kind=kind, cells=cells, width=width, codes=codes)
        except ValidationError as exc:
            summary.refused.append((line, _message(exc)))
            continue
        setattr(summary, outcome, getattr(summary, outcome) + 1)
    return summary


def _import_row(*, election: Election, kind: str, cells: list[str], width: int, codes: list[str]) -> str:
    if len(cells) != width:
        raise ValidationError(
            _("The row has %(found)d cells, the header %(expected)d.") % {"found": len(cells), "expected": width}
        )
    row = dict(zip([*FILE_COLUMNS, *(f"c_{code}" for code in codes)], (cell.strip() for cell in cells), strict=True))
    station = find_station(election, row["station"])
    client_id = _client_id(row["client_id"])
    reporter = row["reporter"]
    if kind == Kind.OBSERVER:
        if client_id is None:
            raise ValidationError({"client_id": [_("An observer's row needs its client id (a UUID).")]})
        if not reporter:
            raise ValidationError({"reporter": [_("An observer's row needs the reporter's IIN.")]})
    if reporter and not is_valid_iin(reporter):
        raise ValidationError({"reporter": [_("This is not a valid IIN.")]})
    duplicate = client_id is not None and Protocol.objects.filter(client_id=client_id).exists()
    protocol, created = record_protocol(
        station=station,
        kind=kind,
        client_id=client_id,
        reporter_iin=reporter,
        assignment=None,
        lines={line: row[line] for line in rules.LINES},
        votes={code: row[f"c_{code}"] for code in codes},
        photo=None,
        filled_at=None,
        source=Source.IMPORT,
    )
    if not created:
        return "duplicate" if duplicate else "unchanged"
    return "replaced" if Protocol.objects.filter(replaced_by=protocol).exists() else "stored"
