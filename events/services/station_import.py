"""The polling stations import (CSV ``number,region,address,voters``) into one election's stations (issue #18).

The ``voters`` column (voters on the precinct's lists) is optional, so files written for the older header
``number,region,address`` still import (their stations' voters are left as they are); when the column is there, every
line must hold a whole number, 0 or more. The region is the ISO 3166-2 code (``KZ-35``); names are not accepted.
A station is known by its election, region and number: the same number in another election is another station.

The staff page works in three steps:

1. :func:`store_upload` reads the file, refusing it whole (:class:`StationImportError`) when it is not UTF-8 CSV text,
   lacks the header, names a column twice, is broken CSV, holds a spreadsheet formula or has no stations; otherwise it
   keeps the file with its SHA-256 and the chosen election for the preview (in the cache: a stations file holds no
   personal data) under a random token, for :data:`PREVIEW_HOURS`.
2. :func:`preview` says what each line would do, with its line number: *new* station, *change* of a known station's
   address or voters (from and to), *unchanged*, or *refused* with the reason (number or address missing, number too
   long, unknown region, outside the coordinator's region, a repeated station, voters not a whole number). The plan
   has a digest.
3. :func:`apply_import` re-reads the stored file, checks it against its SHA-256 and the one the user previewed,
   re-plans it with the stations locked and applies it only if nothing is refused and the digest is still the one
   previewed: all lines or none, one audit entry. A second confirmation of the same upload is refused.

The operator's command (``manage.py import_stations FILE.csv --election SLUG``) calls :func:`import_stations`: the same
reading and plan with no region limit, all lines or none, and a second run of the same file changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import secrets
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import cast

from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from coalition.access import scoped_region
from coalition.models import AuditEntry, Election, Region
from coalition.spreadsheets import looks_like_formula
from coalition.uploads import NotText, csv_text
from events.models import PollingStation
from events.selectors import default_election

# The longest station number the table holds (a CharField's max_length is always set).
NUMBER_MAX_LENGTH = cast(int, PollingStation._meta.get_field("number").max_length)
ADDRESS_MAX_LENGTH = cast(int, PollingStation._meta.get_field("address").max_length)
VOTERS_MAX = 2_147_483_647  # the column's limit (PositiveIntegerField); a precinct has about 1,200 (docs/domain.md)
_WHOLE_NUMBER = re.compile(r"[0-9]+")
PREVIEW_HOURS = 24  # then the upload is gone from the cache and must be uploaded again
AUDIT_ACTION = "events.stations.import"
_CACHE_PREFIX = "events:station-import:"
_LOCK_CLASS = 7022  # pg_advisory_xact_lock(class, key): one confirmation of an upload at a time


class StationImportError(ValidationError):
    """The CSV file was refused as a whole; nothing was kept or written."""


class ImportRefused(ValidationError):
    """The confirmation was refused; nothing was written."""


@dataclass
class StationUpload:
    """An uploaded stations file kept for its preview and confirmation."""

    token: str
    filename: str
    sha256: str
    content: bytes
    uploaded_by_id: int
    uploaded_at: str  # ISO 8601
    election_id: int = 0  # 0: kept before stations had an election (such an upload is treated as gone)
    applied: bool = False
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def uploaded(self) -> datetime:
        return datetime.fromisoformat(self.uploaded_at)


@dataclass
class StationLine:
    """What one line of the file would do."""

    line: int
    number: str
    region: str  # the ISO code as written (upper case)
    address: str
    voters: int | None = None  # None: the file has no voters column (a known station keeps its number)
    voters_text: str = ""  # as written, shown when the line is refused
    status: str = "new"  # new | change | unchanged | refused
    reason: str = ""
    old_address: str = ""
    old_voters: int | None = None
    station_id: int | None = None

    @property
    def address_changes(self) -> bool:
        return self.status == "change" and self.old_address != self.address

    @property
    def voters_change(self) -> bool:
        return self.status == "change" and self.voters is not None and self.old_voters != self.voters

    @property
    def voters_after(self) -> int | None:
        """Return the voters the station has once the line is applied."""
        return self.old_voters if self.voters is None else self.voters


@dataclass
class StationPlan:
    lines: list[StationLine]

    @property
    def totals(self) -> dict[str, int]:
        counts = dict.fromkeys(("new", "change", "unchanged", "refused"), 0)
        for line in self.lines:
            counts[line.status] += 1
        return {"lines": len(self.lines), **counts}

    @property
    def can_apply(self) -> bool:
        totals = self.totals
        return totals["refused"] == 0 and totals["new"] + totals["change"] > 0

    @property
    def digest(self) -> str:
        """Return a hash of what applying would do, so a confirmation applies exactly what was previewed."""
        actions = [asdict(line) for line in self.lines]
        for action in actions:
            action.pop("reason")  # translated text; the status carries the same information
        return hashlib.sha256(json.dumps(actions, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def read_stations(content: bytes) -> list[tuple[int, dict[str, str]]]:
    """Return the file's data lines (line number, cells by column), or refuse the whole file."""
    try:
        text = csv_text(content)  # by content: an image, archive or program renamed .csv is refused here
    except NotText as exc:
        raise StationImportError(str(exc)) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise StationImportError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    expected = {"number", "region", "address"}
    if fieldnames is None or not expected <= {h.strip().lower() for h in fieldnames}:
        raise StationImportError(_("The first line must be the header: number,region,address,voters."))
    # An unnamed column gets a name of its own, so its cells are read (and checked for formulas) too.
    header = [(name or "").strip().lower() or f"_unnamed_{i}" for i, name in enumerate(fieldnames)]
    reader.fieldnames = header
    twice = sorted(name for name, count in Counter(header).items() if count > 1)
    if twice:  # one of the two columns would be dropped unread, with whatever it holds
        raise StationImportError(_("Columns appear twice in the header: %(columns)s.") % {"columns": ", ".join(twice)})
    try:
        records = list(reader)
    except csv.Error as exc:  # a field over the csv module's size limit, a broken quote
        raise StationImportError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    rows = []
    for line, raw in enumerate(records, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if any(looks_like_formula(value) for value in row.values()):
            raise StationImportError(
                _("Line %(line)d holds a spreadsheet formula; the file was refused.") % {"line": line}
            )
        rows.append((line, row))
    if not rows:
        raise StationImportError(_("The file has no stations."))
    return rows


def plan_stations(
    rows: list[tuple[int, dict[str, str]]], *, election: Election, scope: Region | None, lock: bool = False
) -> StationPlan:
    """Return what importing ``rows`` into ``election`` would do for a user limited to ``scope`` (None: every
    region)."""
    regions = {region.code: region for region in Region.objects.all()}
    lines: list[StationLine] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        item = StationLine(
            line=line,
            number=row.get("number", ""),
            region=row.get("region", "").upper(),
            address=row.get("address", "")[:ADDRESS_MAX_LENGTH],
            voters_text=row.get("voters", "")[:20],
        )
        item.reason = _refusal(item, has_voters="voters" in row, regions=regions, scope=scope, seen=seen)
        if item.reason:
            item.status = "refused"
        else:
            seen[(item.region, item.number)] = line
        lines.append(item)
    wanted = [item for item in lines if item.status != "refused"]
    existing = PollingStation.objects.filter(
        election=election,
        region__code__in={item.region for item in wanted},
        number__in={item.number for item in wanted},
    ).select_related("region")
    if lock:
        existing = existing.select_for_update(of=("self",))
    known = {(station.region.code, station.number): station for station in existing.order_by("pk")}
    for item in wanted:
        station = known.get((item.region, item.number))
        if station is None:
            continue
        item.station_id = station.pk
        item.old_address = station.address
        item.old_voters = station.voters
        voters_same = item.voters is None or item.voters == station.voters
        item.status = "unchanged" if station.address == item.address and voters_same else "change"
    return StationPlan(lines=lines)


def _refusal(
    line: StationLine,
    *,
    has_voters: bool,
    regions: dict[str, Region],
    scope: Region | None,
    seen: dict[tuple[str, str], int],
) -> str:
    """Return why the line is refused ("" when it is not); set its voters when the file has the column."""
    if not line.number or not line.address:
        return _("The number and the address are required.")
    if has_voters:
        if not _WHOLE_NUMBER.fullmatch(line.voters_text) or int(line.voters_text) > VOTERS_MAX:
            return _("Voters on the lists must be a whole number, 0 or more (not %(value)s).") % {
                "value": line.voters_text or "—"
            }
        line.voters = int(line.voters_text)
    if len(line.number) > NUMBER_MAX_LENGTH:
        return _("The station number is too long.")
    if line.region not in regions:
        return _("Unknown region code %(code)s.") % {"code": line.region}
    if scope is not None and line.region != scope.code:
        return _("Outside your region.")
    if (line.region, line.number) in seen:
        return _("Station %(number)s repeats line %(line)d.") % {
            "number": line.number,
            "line": seen[(line.region, line.number)],
        }
    return ""


def _key(token: str) -> str:
    return _CACHE_PREFIX + token


def _keep(upload: StationUpload) -> None:
    cache.set(_key(upload.token), asdict(upload), timeout=PREVIEW_HOURS * 3600)


def store_upload(*, content: bytes, filename: str, by: User, election: Election | None = None) -> StationUpload:
    """Check the file can be read (StationImportError otherwise) and keep it, with the election its stations are for
    (None: :func:`events.selectors.default_election`), for the preview and the confirmation."""
    scoped_region(by)  # a coordinator without a region is refused before anything is kept
    read_stations(content)
    election = election or default_election()
    if election is None:
        raise StationImportError(_("There is no election yet: stations belong to an election. Load it first."))
    upload = StationUpload(
        token=secrets.token_urlsafe(24),
        filename=filename[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by_id=by.pk,
        uploaded_at=timezone.now().isoformat(),
        election_id=election.pk,
    )
    _keep(upload)
    return upload


def stored_upload(token: str, *, by: User) -> StationUpload | None:
    """Return the user's own upload with this token, or None (unknown, too old, or another user's)."""
    value = cache.get(_key(token))
    if not isinstance(value, dict):
        return None
    try:
        upload = StationUpload(**value)
    except TypeError:  # kept by an older version of this module: uploaded again, it is read by this one
        return None
    if upload.uploaded_by_id != by.pk or not Election.objects.filter(pk=upload.election_id).exists():
        return None
    return upload


def upload_election(upload: StationUpload) -> Election:
    """Return the election the upload's stations are for (:func:`stored_upload` checked it exists)."""
    return Election.objects.get(pk=upload.election_id)


def preview(upload: StationUpload, *, by: User) -> StationPlan:
    """Return the dry run of a stored upload for this user (nothing is written)."""
    return plan_stations(read_stations(upload.content), election=upload_election(upload), scope=scoped_region(by))


def apply_import(*, upload: StationUpload, sha256: str, digest: str, by: User) -> dict[str, int]:
    """Apply a previewed upload in one transaction, exactly as previewed, or refuse it (ImportRefused)."""
    scope = scoped_region(by)
    try:
        with transaction.atomic():
            totals = _apply(upload=upload, sha256=sha256, digest=digest, scope=scope, by=by)
    except IntegrityError as exc:  # someone created one of these stations since the preview
        raise ImportRefused(
            _("The stations changed since the preview: nothing was imported. Look at the preview again."),
            code="changed",
        ) from exc
    upload.applied = True
    upload.totals = totals
    upload.content = b""
    _keep(upload)
    return totals


def _apply(*, upload: StationUpload, sha256: str, digest: str, scope: Region | None, by: User) -> dict[str, int]:
    with connection.cursor() as cursor:  # a second confirmation of this upload waits here, then sees the first
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_LOCK_CLASS, upload.token])
    if upload.applied or AuditEntry.objects.filter(action=AUDIT_ACTION, data__token=upload.token).exists():
        raise ImportRefused(_("This file was already imported."), code="applied")
    if sha256 != upload.sha256 or hashlib.sha256(upload.content).hexdigest() != upload.sha256:
        raise ImportRefused(
            _("This is not the file that was previewed: nothing was imported. Upload it again."), code="hash"
        )
    election = upload_election(upload)
    result = plan_stations(read_stations(upload.content), election=election, scope=scope, lock=True)
    if not result.can_apply:
        raise ImportRefused(_("The file has refused lines or nothing to import: nothing was imported."), code="refused")
    if result.digest != digest:
        raise ImportRefused(
            _("The stations changed since the preview: nothing was imported. Look at the new preview and confirm."),
            code="changed",
        )
    _write(
        result,
        election=election,
        by=by,
        data={
            "token": upload.token,
            "filename": upload.filename,
            "sha256": upload.sha256,
            "region": scope.code if scope else "",
        },
    )
    return result.totals


def _write(result: StationPlan, *, election: Election, by: User | None, data: dict) -> None:
    """Create the new stations and update the changed ones of a plan with no refused line; one audit entry."""
    regions = {region.code: region for region in Region.objects.all()}
    new = [line for line in result.lines if line.status == "new"]
    created = PollingStation.objects.bulk_create(
        [
            PollingStation(
                election=election,
                region=regions[line.region],
                number=line.number,
                address=line.address,
                voters=line.voters,
            )
            for line in new
        ]
    )
    for line, station in zip(new, created, strict=True):
        line.station_id = station.pk
    changes = [line for line in result.lines if line.status == "change"]
    PollingStation.objects.bulk_update(
        [PollingStation(pk=line.station_id, address=line.address, voters=line.voters_after) for line in changes],
        ["address", "voters"],
        batch_size=500,
    )
    audit.record(
        actor=by,
        action=AUDIT_ACTION,
        data={
            **data,
            "election": election.slug,
            "totals": result.totals,
            "stations": [
                {"line": line.line, "station": line.station_id, "created": line.status == "new"}
                for line in [*new, *changes]
            ],
        },
    )


def import_stations(*, content: bytes, filename: str, election: Election, by: User | None = None) -> dict[str, int]:
    """Import a stations file into ``election`` at once, with no region limit (the operator's command).

    The file is read and planned like the staff page's, with the stations locked; a file with a refused line is
    refused whole (StationImportError, one message per refused line: "Line N: reason") and nothing is written.
    Importing the same file again finds every line unchanged and writes nothing (no audit entry either).
    """
    rows = read_stations(content)
    sha256 = hashlib.sha256(content).hexdigest()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:  # two runs for one election: the second plans after the first
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS + 1, election.pk])
            result = plan_stations(rows, election=election, scope=None, lock=True)
            refused = [line for line in result.lines if line.status == "refused"]
            if refused:
                raise StationImportError(
                    [_("Line %(line)d: %(reason)s") % {"line": line.line, "reason": line.reason} for line in refused]
                )
            if result.can_apply:
                _write(result, election=election, by=by, data={"filename": filename[:200], "sha256": sha256})
    except IntegrityError as exc:  # a station created by the staff page between the plan and the write
        raise ImportRefused(
            _("The stations changed while importing: nothing was imported. Run the import again."), code="changed"
        ) from exc
    return result.totals
