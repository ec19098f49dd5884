"""The polling stations import (CSV ``number,region,address``): upload, preview (a dry run), then confirm it whole.

1. :func:`store_upload` reads the file, refusing it whole (:class:`StationImportError`) when it is not UTF-8 CSV text,
   lacks the header, names a column twice, is broken CSV, holds a spreadsheet formula or has no stations; otherwise it
   keeps the file with its SHA-256 for the preview (in the cache: a stations file holds no personal data) under a
   random token, for :data:`PREVIEW_HOURS`.
2. :func:`preview` says what each line would do, with its line number: *new* station, *change* of a known station's
   address (from and to), *unchanged*, or *refused* with the reason (number or address missing, number too long,
   unknown region, outside the coordinator's region, a repeated station). The plan has a digest.
3. :func:`apply_import` re-reads the stored file, checks it against its SHA-256 and the one the user previewed,
   re-plans it with the stations locked and applies it only if nothing is refused and the digest is still the one
   previewed: all lines or none, one audit entry. A second confirmation of the same upload is refused.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
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
from coalition.models import AuditEntry, Region
from coalition.spreadsheets import looks_like_formula
from coalition.uploads import NotText, csv_text
from events.models import PollingStation

# The longest station number the table holds (a CharField's max_length is always set).
NUMBER_MAX_LENGTH = cast(int, PollingStation._meta.get_field("number").max_length)
ADDRESS_MAX_LENGTH = cast(int, PollingStation._meta.get_field("address").max_length)
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
    status: str = "new"  # new | change | unchanged | refused
    reason: str = ""
    old_address: str = ""
    station_id: int | None = None


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
        raise StationImportError(_("The first line must be the header: number,region,address."))
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


def plan_stations(rows: list[tuple[int, dict[str, str]]], *, scope: Region | None, lock: bool = False) -> StationPlan:
    """Return what importing ``rows`` would do for a user limited to ``scope`` (None: every region)."""
    regions = {region.code: region for region in Region.objects.all()}
    lines: list[StationLine] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        item = StationLine(
            line=line,
            number=row.get("number", ""),
            region=row.get("region", "").upper(),
            address=row.get("address", "")[:ADDRESS_MAX_LENGTH],
        )
        item.reason = _refusal(item, regions, scope, seen)
        if item.reason:
            item.status = "refused"
        else:
            seen[(item.region, item.number)] = line
        lines.append(item)
    wanted = [item for item in lines if item.status != "refused"]
    existing = PollingStation.objects.filter(
        region__code__in={item.region for item in wanted}, number__in={item.number for item in wanted}
    ).select_related("region")
    if lock:
        existing = existing.select_for_update(of=("self",))
    known = {(station.region.code, station.number): station for station in existing.order_by("pk")}
    for item in wanted:
        station = known.get((item.region, item.number))
        if station is None:
            continue
        item.station_id = station.pk
        if station.address == item.address:
            item.status = "unchanged"
        else:
            item.status = "change"
            item.old_address = station.address
    return StationPlan(lines=lines)


def _refusal(
    line: StationLine, regions: dict[str, Region], scope: Region | None, seen: dict[tuple[str, str], int]
) -> str:
    if not line.number or not line.address:
        return _("The number and the address are required.")
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


def store_upload(*, content: bytes, filename: str, by: User) -> StationUpload:
    """Check the file can be read (StationImportError otherwise) and keep it for the preview and the confirmation."""
    scoped_region(by)  # a coordinator without a region is refused before anything is kept
    read_stations(content)
    upload = StationUpload(
        token=secrets.token_urlsafe(24),
        filename=filename[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by_id=by.pk,
        uploaded_at=timezone.now().isoformat(),
    )
    _keep(upload)
    return upload


def stored_upload(token: str, *, by: User) -> StationUpload | None:
    """Return the user's own upload with this token, or None (unknown, too old, or another user's)."""
    value = cache.get(_key(token))
    if not isinstance(value, dict):
        return None
    upload = StationUpload(**value)
    return upload if upload.uploaded_by_id == by.pk else None


def preview(upload: StationUpload, *, by: User) -> StationPlan:
    """Return the dry run of a stored upload for this user (nothing is written)."""
    return plan_stations(read_stations(upload.content), scope=scoped_region(by))


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
    result = plan_stations(read_stations(upload.content), scope=scope, lock=True)
    if not result.can_apply:
        raise ImportRefused(_("The file has refused lines or nothing to import: nothing was imported."), code="refused")
    if result.digest != digest:
        raise ImportRefused(
            _("The stations changed since the preview: nothing was imported. Look at the new preview and confirm."),
            code="changed",
        )
    regions = {region.code: region for region in Region.objects.all()}
    new = [line for line in result.lines if line.status == "new"]
    created = PollingStation.objects.bulk_create(
        [PollingStation(region=regions[line.region], number=line.number, address=line.address) for line in new]
    )
    for line, station in zip(new, created, strict=True):
        line.station_id = station.pk
    changes = [line for line in result.lines if line.status == "change"]
    PollingStation.objects.bulk_update(
        [PollingStation(pk=line.station_id, address=line.address) for line in changes], ["address"], batch_size=500
    )
    totals = result.totals
    audit.record(
        actor=by,
        action=AUDIT_ACTION,
        data={
            "token": upload.token,
            "filename": upload.filename,
            "sha256": upload.sha256,
            "region": scope.code if scope else "",
            "totals": totals,
            "stations": [
                {"line": line.line, "station": line.station_id, "created": line.status == "new"}
                for line in [*new, *changes]
            ],
        },
    )
    return totals
