"""The situation room's reads: every station's status, counts per region, turnout at each checkpoint, incidents and
the chase list — each one SQL statement whatever the number of stations (issue #19: 10,000 stations, a constant
number of queries).

A station owes every published checklist that has a due time (``Checklist.due_at`` on election day; the opening
checklist without one is due when the polls open, the closing checklist without one
``ELECTIONDAY_PROTOCOL_GRACE_MINUTES`` after they close) and its observers' protocol (due at the same grace after
closing). Its status is the first that
applies:

- ``conflict``: two reporters' latest observer protocols differ (as ``services.protocols.conflicts`` finds);
- ``complete``: every checklist it owes and an observer protocol are in;
- ``no_signal``: nothing received, and no device was ever bound to any of its active assignments (or it has none);
- ``missing``: something it owes is past its due time and not in;
- ``partial``: the rest (something in or nothing due yet, nothing late).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connections
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from coalition.dbrouter import replica
from coalition.models import Election, OutboundMessage, Region
from coalition.roles import Role
from electionday.models import CecTurnout, Checklist, ChecklistVersion, Incident, IncidentCategory, Severity
from events.models import Assignment

STATUSES = ("complete", "partial", "missing", "conflict", "no_signal")
STATUS_LABELS = {
    "complete": _("Complete"),
    "partial": _("Partial"),
    "missing": _("Missing"),
    "conflict": _("Conflict"),
    "no_signal": _("No signal"),
}
PROTOCOL = "protocol"  # the code of the protocol among the forms a station owes
TURNOUT_QUESTION = "ballots_issued"  # the default turnout checklists' number question (services/checklists.py)
CHASE_LIMIT = 100  # rows of the chase list on one page (the worst first)
STATION_PAGE = 50


def chase_key(station_id: int, code: str) -> str:
    """Return the outbox key of a reminder: one per station and checkpoint (checklist code or ``protocol``)."""
    return f"electionday:chase:{station_id}:{code}"


# --- What a station owes, and when ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A form every station of the election owes: a checklist or the protocol (``checklist_id`` None)."""

    code: str
    title: str
    at: datetime | None  # None: the election has no day yet, so nothing is ever late
    checklist_id: int | None = None
    kind: str = ""

    def passed(self, now: datetime) -> bool:
        return self.at is not None and self.at <= now


def grace() -> timedelta:
    return timedelta(minutes=settings.ELECTIONDAY_PROTOCOL_GRACE_MINUTES)


def _title(title: dict[str, str], fallback: str) -> str:
    language = (get_language() or "ru")[:2]
    return title.get(language) or title.get("ru") or next(iter(title.values()), fallback)


def deadlines(election: Election) -> list[Due]:
    """Return what every station owes, by due time (one query: the published checklists)."""
    versions = (
        ChecklistVersion.objects.filter(checklist__election=election, published_at__isnull=False)
        .select_related("checklist")
        .order_by("checklist__position", "checklist__code", "-number")
        .distinct("checklist__position", "checklist__code")
    )
    window = election.polls_window()
    return due_list(
        [(v.checklist, _title(v.title, v.checklist.code)) for v in versions],
        window=window,
        grace=grace(),
        protocol_title=str(_("Protocol")),
    )


def due_list(
    checklists: Iterable[tuple[Checklist, str]],
    *,
    window: tuple[datetime, datetime] | None,
    grace: timedelta,
    protocol_title: str,
) -> list[Due]:
    """Return the forms owed (pure): each checklist with a due time, then the protocol, sorted by due time."""
    zone = timezone.get_default_timezone()
    found: list[Due] = []
    for checklist, title in checklists:
        due_at: time | None = checklist.due_at
        at: datetime | None = None
        if window is not None:
            opens, closes = window
            if due_at is not None:
                at = datetime.combine(opens.date(), due_at, tzinfo=zone)
            elif checklist.kind == Checklist.Kind.OPENING:
                at = opens
            elif checklist.kind == Checklist.Kind.CLOSING:
                at = closes + grace
            else:
                continue  # a turnout or other form without a due time is never owed
        elif due_at is None and checklist.kind not in (Checklist.Kind.OPENING, Checklist.Kind.CLOSING):
            continue
        found.append(Due(code=checklist.code, title=title, at=at, checklist_id=checklist.pk, kind=checklist.kind))
    found.append(Due(code=PROTOCOL, title=protocol_title, at=window[1] + grace if window else None))
    far = datetime.max.replace(tzinfo=zone)
    return sorted(found, key=lambda due: (due.at or far, due.checklist_id is None))


# --- The one statement: each station with its status ----------------------------------------------------------

_STATIONS_SQL = """
WITH subs AS (
    SELECT s.station_id, array_agg(DISTINCT v.checklist_id) AS got
    FROM electionday_submission s
    JOIN electionday_checklistversion v ON v.id = s.version_id
    JOIN events_pollingstation ps ON ps.id = s.station_id
    WHERE ps.election_id = %(election)s AND (%(region)s::bigint IS NULL OR ps.region_id = %(region)s::bigint)
    GROUP BY s.station_id
),
prot AS (
    SELECT p.station_id, count(*) AS reporters,
           min(p.voters) <> max(p.voters) OR min(p.received) <> max(p.received) OR min(p.issued) <> max(p.issued)
           OR min(p.cancelled) <> max(p.cancelled) OR min(p.in_boxes) <> max(p.in_boxes)
           OR min(p.invalid) <> max(p.invalid) OR min(p.against_all) <> max(p.against_all) AS lines_differ
    FROM electionday_protocol p
    JOIN events_pollingstation ps ON ps.id = p.station_id
    WHERE p.kind = 'observer' AND p.replaced_by_id IS NULL
      AND ps.election_id = %(election)s AND (%(region)s::bigint IS NULL OR ps.region_id = %(region)s::bigint)
    GROUP BY p.station_id
),
votes_differ AS (  -- every protocol has a line for each candidate (record_protocol requires it)
    SELECT per.station_id
    FROM (
        SELECT p.station_id
        FROM electionday_protocolvote vote
        JOIN electionday_protocol p ON p.id = vote.protocol_id
        JOIN events_pollingstation ps ON ps.id = p.station_id
        WHERE p.kind = 'observer' AND p.replaced_by_id IS NULL
          AND ps.election_id = %(election)s AND (%(region)s::bigint IS NULL OR ps.region_id = %(region)s::bigint)
        GROUP BY p.station_id, vote.candidate_id
        HAVING min(vote.votes) <> max(vote.votes)
    ) per
    GROUP BY per.station_id
),
sig AS (
    SELECT a.station_id, bool_or(EXISTS (SELECT 1 FROM electionday_device d WHERE d.assignment_id = a.id)) AS bound
    FROM events_assignment a
    JOIN events_pollingstation ps ON ps.id = a.station_id
    WHERE a.ended_at IS NULL
      AND ps.election_id = %(election)s AND (%(region)s::bigint IS NULL OR ps.region_id = %(region)s::bigint)
    GROUP BY a.station_id
),
rows AS (
    SELECT st.id, st.region_id, st.number, st.voters,
           coalesce(subs.got, '{}'::bigint[]) AS got,
           prot.station_id IS NOT NULL AS has_protocol,
           sig.station_id IS NOT NULL AS assigned,
           NOT (coalesce(subs.got, '{}'::bigint[]) @> %(late)s::bigint[])
               OR (%(protocol_late)s AND prot.station_id IS NULL) AS late,
           CASE
               WHEN prot.lines_differ OR votes_differ.station_id IS NOT NULL THEN 'conflict'
               WHEN coalesce(subs.got, '{}'::bigint[]) @> %(owed)s::bigint[] AND prot.station_id IS NOT NULL
                   THEN 'complete'
               WHEN NOT coalesce(sig.bound, false) AND subs.station_id IS NULL AND prot.station_id IS NULL
                   THEN 'no_signal'
               WHEN NOT (coalesce(subs.got, '{}'::bigint[]) @> %(late)s::bigint[])
                   OR (%(protocol_late)s AND prot.station_id IS NULL) THEN 'missing'
               ELSE 'partial'
           END AS status
    FROM events_pollingstation st
    LEFT JOIN subs ON subs.station_id = st.id
    LEFT JOIN prot ON prot.station_id = st.id
    LEFT JOIN votes_differ ON votes_differ.station_id = st.id
    LEFT JOIN sig ON sig.station_id = st.id
    WHERE st.election_id = %(election)s AND (%(region)s::bigint IS NULL OR st.region_id = %(region)s::bigint)
)
"""

# What the room asks of those rows (constant SQL only; every value is a parameter).
_ALL_SQL = (  # nosec B608 # constant parts
    _STATIONS_SQL  # noqa: S608
    # ``got`` only where something is late (the rest need no late items): fewer arrays to read for 10,000 stations.
    + "SELECT id, region_id, number, CASE WHEN late THEN got END, has_protocol, late, status FROM rows"
    + " ORDER BY region_id, length(number), number, id"
)
_ONE_SQL = _STATIONS_SQL + "SELECT got, has_protocol FROM rows WHERE id = %(station)s"  # noqa: S608  # nosec B608


@dataclass(frozen=True, slots=True)
class State:
    """A station's state as the one statement gives it."""

    id: int
    region_id: int
    number: str
    got: list[int] | None  # the checklists received (ids), given only when something is late
    has_protocol: bool
    late: bool
    status: str


@dataclass(frozen=True)
class Scope:
    """What the room shows: an election, its deadlines and the moment judged, optionally one region."""

    election: Election
    dues: list[Due]
    now: datetime
    region: Region | None = None

    def params(self, **extra: Any) -> dict[str, Any]:
        checklists = [due for due in self.dues if due.checklist_id is not None]
        return {
            "election": self.election.pk,
            "region": self.region.pk if self.region is not None else None,
            "owed": [due.checklist_id for due in checklists],
            "late": [due.checklist_id for due in checklists if due.passed(self.now)],
            "protocol_late": any(due.passed(self.now) for due in self.dues if due.checklist_id is None),
            **extra,
        }

    @cached_property
    def states(self) -> list[State]:
        """Every station of the scope with its status, by region and number (one statement, read once per scope:
        the counts, the station list and the chase list all come from it).

        Kept in the cache for ``ELECTIONDAY_SITUATION_CACHE_SECONDS`` (a few seconds, shorter than the page's
        refresh), keyed by everything the statement reads: on election night many staff pages refresh every 20 s
        while the uploads keep the web workers busy, and one statement then serves them all.
        """
        seconds = settings.ELECTIONDAY_SITUATION_CACHE_SECONDS
        params = self.params()
        key = "electionday:situation:" + hashlib.sha256(repr(sorted(params.items())).encode()).hexdigest()
        if seconds and (cached := cache.get(key)) is not None:
            return [State(*row) for row in cached]
        with connections[replica()].cursor() as cursor:  # the replica when there is one
            cursor.execute(_ALL_SQL, params)
            rows = cursor.fetchall()
        if seconds:
            cache.set(key, rows, seconds)
        return [State(*row) for row in rows]

    def late_items(self, got: Sequence[int], has_protocol: bool) -> list[Due]:
        """Return the forms a station with ``got`` checklists (and a protocol or not) owes and has not sent in time."""
        received = set(got)
        return [
            due
            for due in self.dues
            if due.passed(self.now)
            and (due.checklist_id not in received if due.checklist_id is not None else not has_protocol)
        ]


def scope(election: Election, region: Region | None = None, now: datetime | None = None) -> Scope:
    return Scope(election=election, dues=deadlines(election), now=now or timezone.now(), region=region)


def _fetch(sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with connections[replica()].cursor() as cursor:  # the replica when there is one
        cursor.execute(sql, params)
        columns = [column.name for column in cursor.description or ()]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


@dataclass
class RegionCounts:
    region: Region | None  # None: the total over the regions shown
    stations: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))

    @property
    def complete_share(self) -> float:
        return self.counts["complete"] / self.stations if self.stations else 0.0

    def cells(self) -> list[tuple[str, str, int]]:
        """Return (status, label, count) for each status, in order."""
        return [(status, str(STATUS_LABELS[status]), self.counts[status]) for status in STATUSES]


def counts_by_region(scope: Scope, regions: Iterable[Region]) -> tuple[list[RegionCounts], RegionCounts | None]:
    """Return the status counts of each region that has stations, and their total."""
    by_region = {region.pk: region for region in regions}
    found: dict[int, RegionCounts] = {}
    for state in scope.states:
        region = by_region.get(state.region_id)
        if region is None:
            continue
        counts = found.setdefault(region.pk, RegionCounts(region=region))
        counts.counts[state.status] += 1
        counts.stations += 1
    ordered = sorted(found.values(), key=lambda c: c.region.code if c.region else "")
    if not ordered:
        return [], None
    total = RegionCounts(region=None)
    for counts in ordered:
        total.stations += counts.stations
        for status in STATUSES:
            total.counts[status] += counts.counts[status]
    return ordered, total


@dataclass(frozen=True)
class StationRow:
    id: int
    number: str
    region_id: int
    status: str
    late: list[Due]

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def stations(scope: Scope, status: str = "", page: int = 1) -> tuple[list[StationRow], int]:
    """Return one page of the stations (optionally of one status), by region and number, and how many there are."""
    chosen = [state for state in scope.states if not status or state.status == status]
    start = max(page - 1, 0) * STATION_PAGE
    return [
        StationRow(
            id=state.id,
            number=state.number,
            region_id=state.region_id,
            status=state.status,
            late=scope.late_items(state.got or [], state.has_protocol) if state.late else [],
        )
        for state in chosen[start : start + STATION_PAGE]
    ], len(chosen)


# --- Turnout -------------------------------------------------------------------------------------------------

_TURNOUT_SQL = """
SELECT latest.checklist_id, sum(latest.ballots) AS ballots, sum(st.voters) AS voters, count(*) AS stations
FROM (
    SELECT DISTINCT ON (s.station_id, v.checklist_id) s.station_id, v.checklist_id,
           CASE WHEN jsonb_typeof(s.answers -> %(question)s) = 'number'
                THEN (s.answers ->> %(question)s)::numeric END AS ballots
    FROM electionday_submission s JOIN electionday_checklistversion v ON v.id = s.version_id
    WHERE v.checklist_id = ANY(%(checklists)s::bigint[])
      AND s.station_id IN (
          SELECT id FROM events_pollingstation
          WHERE election_id = %(election)s AND (%(region)s::bigint IS NULL OR region_id = %(region)s::bigint)
      )
    ORDER BY s.station_id, v.checklist_id, s.received_at DESC, s.id DESC
) latest
JOIN events_pollingstation st ON st.id = latest.station_id
WHERE latest.ballots IS NOT NULL AND st.voters > 0
GROUP BY latest.checklist_id
"""

_FINAL_TURNOUT_SQL = """
SELECT coalesce(sum(p.issued), 0) AS issued, coalesce(sum(p.voters), 0) AS voters, count(*) AS stations
FROM (
    SELECT DISTINCT ON (station_id) station_id, issued, voters FROM electionday_protocol
    WHERE kind = 'observer' AND replaced_by_id IS NULL AND station_id IN (
        SELECT id FROM events_pollingstation
        WHERE election_id = %(election)s AND (%(region)s::bigint IS NULL OR region_id = %(region)s::bigint)
    )
    ORDER BY station_id, received_at DESC, id DESC
) p
WHERE p.voters > 0
"""


@dataclass(frozen=True)
class Checkpoint:
    at: time
    title: str
    stations: int  # stations that reported it (with the voters on their lists known)
    percent: Decimal | None  # observers' figure: ballots issued / voters on the lists of the reporting stations
    cec: CecTurnout | None

    @property
    def difference(self) -> Decimal | None:
        if self.percent is None or self.cec is None:
            return None
        return self.percent - self.cec.percent


def turnout(scope: Scope) -> list[Checkpoint]:
    """Return each turnout checkpoint with the observers' figure beside the CEC's, and the final turnout from the
    protocols (three statements)."""
    checklists = [due for due in scope.dues if due.kind == Checklist.Kind.TURNOUT and due.at is not None]
    rows: dict[int, dict[str, Any]] = {}
    if checklists:
        params = scope.params(question=TURNOUT_QUESTION, checklists=[due.checklist_id for due in checklists])
        rows = {row["checklist_id"]: row for row in _fetch(_TURNOUT_SQL, params)}
    cec = {
        figure.checkpoint: figure
        for figure in CecTurnout.objects.filter(election=scope.election, region=scope.region).order_by("checkpoint")
    }
    zone = timezone.get_default_timezone()
    found = []
    for due in checklists:
        assert due.at is not None  # noqa: S101 - filtered above
        at = timezone.localtime(due.at, zone).time()
        row = rows.get(due.checklist_id or 0)
        percent = None
        if row and row["voters"]:
            percent = (Decimal(row["ballots"]) * 100 / Decimal(row["voters"])).quantize(Decimal("0.01"))
        found.append(
            Checkpoint(
                at=at, title=due.title, stations=row["stations"] if row else 0, percent=percent, cec=cec.pop(at, None)
            )
        )
    window = scope.election.polls_window()
    if window is not None:  # the final turnout, from the observers' protocols (ballots issued / voters on the lists)
        closes = timezone.localtime(window[1], zone).time()
        row = _fetch(_FINAL_TURNOUT_SQL, scope.params())[0]
        percent = None
        if row["voters"]:
            percent = (Decimal(row["issued"]) * 100 / Decimal(row["voters"])).quantize(Decimal("0.01"))
        found.append(
            Checkpoint(
                at=closes,
                title=str(_("Polls close (protocols)")),
                stations=row["stations"],
                percent=percent,
                cec=cec.pop(closes, None),
            )
        )
    for at, figure in cec.items():  # a CEC figure for a time no checklist asks about
        found.append(Checkpoint(at=at, title="", stations=0, percent=None, cec=figure))
    return sorted(found, key=lambda checkpoint: checkpoint.at)


# --- Incidents -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentSummary:
    severities: list[tuple[str, str]]  # (value, label), the most severe first
    by_category: list[tuple[str, list[int], int]]  # label, counts by severity, total
    by_region: list[tuple[Region, list[int], int]]
    critical: list[Incident]
    total: int


SEVERITY_ORDER = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]


def incidents(scope: Scope, regions: Iterable[Region]) -> IncidentSummary:
    """Return the election's incidents counted by category and by region, by severity, and the latest 10 critical
    ones (two statements)."""
    rows = Incident.objects.filter(station__election=scope.election)
    if scope.region is not None:
        rows = rows.filter(station__region=scope.region)
    counted = rows.values("category", "severity", "station__region").annotate(n=Count("pk")).order_by()
    order = {str(severity): i for i, severity in enumerate(SEVERITY_ORDER)}
    categories: dict[str, list[int]] = defaultdict(lambda: [0] * len(SEVERITY_ORDER))
    by_region: dict[int, list[int]] = defaultdict(lambda: [0] * len(SEVERITY_ORDER))
    total = 0
    for row in counted:
        at = order[row["severity"]]
        categories[row["category"]][at] += row["n"]
        by_region[row["station__region"]][at] += row["n"]
        total += row["n"]
    labels = dict(IncidentCategory.choices)
    region_of = {region.pk: region for region in regions}
    critical = list(
        rows.filter(severity=Severity.CRITICAL).select_related("station__region").order_by("-occurred_at", "-pk")[:10]
    )
    return IncidentSummary(
        severities=[(str(s.value), str(s.label)) for s in SEVERITY_ORDER],
        by_category=sorted(
            ((str(labels.get(code, code)), counts, sum(counts)) for code, counts in categories.items()),
            key=lambda item: ([-n for n in item[1]], item[0]),
        ),
        by_region=sorted(
            ((region_of[pk], counts, sum(counts)) for pk, counts in by_region.items() if pk in region_of),
            key=lambda item: ([-n for n in item[1]], item[0].code),
        ),
        critical=critical,
        total=total,
    )


# --- The chase list ------------------------------------------------------------------------------------------


@dataclass
class ChaseRow:
    station_id: int
    number: str
    region: Region
    late: list[Due]
    assignees: list[Assignment] = field(default_factory=list)
    coordinators: list[User] = field(default_factory=list)
    reminded_at: datetime | None = None

    @property
    def checkpoint(self) -> Due:
        """The latest of the late forms: what a reminder is about (one per station and checkpoint)."""
        return self.late[-1]

    @property
    def key(self) -> str:
        return chase_key(self.station_id, self.checkpoint.code)


def chase_list(scope: Scope, regions: Iterable[Region], limit: int = CHASE_LIMIT) -> tuple[list[ChaseRow], int]:
    """Return the stations with a late form (the most late first) with their assignees, the region's coordinators
    and whether the current reminder went out, and how many there are (three statements besides the states)."""
    region_of = {region.pk: region for region in regions}
    late = [state for state in scope.states if state.late and state.region_id in region_of]
    late.sort(key=lambda state: len(state.got or ()) + state.has_protocol)  # the least received first (stable)
    chase = [
        ChaseRow(
            station_id=state.id,
            number=state.number,
            region=region_of[state.region_id],
            late=scope.late_items(state.got or [], state.has_protocol),
        )
        for state in late[:limit]
    ]
    chase = [row for row in chase if row.late]
    if not chase:
        return [], 0
    by_station = {row.station_id: row for row in chase}
    for assignment in (
        Assignment.objects.filter(station_id__in=by_station, ended_at__isnull=True)
        .select_related("person")
        .annotate(devices_bound=Count("devices"))
        .order_by("station_id", "role", "assigned_at", "pk")  # observers before proxies ("observer" < "proxy")
    ):
        by_station[assignment.station_id].assignees.append(assignment)
    coordinators: dict[int, list[User]] = defaultdict(list)
    for user in (
        User.objects.filter(
            is_active=True,
            groups__name=Role.REGIONAL_COORDINATOR,
            profile__region_id__in={row.region.pk for row in chase},
        )
        .select_related("profile")
        .order_by("last_name", "username")
        .distinct()
    ):
        coordinators[user.profile.region_id or 0].append(user)
    sent = dict(OutboundMessage.objects.filter(key__in=[row.key for row in chase]).values_list("key", "created_at"))
    for row in chase:
        row.coordinators = coordinators.get(row.region.pk, [])
        row.reminded_at = sent.get(row.key)
    return chase, len(late)


def station_late(scope: Scope, station_id: int) -> list[Due]:
    """Return the forms one station of the scope owes and has not sent in time (one statement)."""
    rows = _fetch(_ONE_SQL, scope.params(station=station_id))
    if not rows:
        return []
    return scope.late_items(rows[0]["got"], rows[0]["has_protocol"])


def share_class(share: float) -> str:
    """Return the map class of a region by its share of complete stations (five steps)."""
    return f"sit-{min(int(share * 5), 4)}" if share < 1 else "sit-5"


def summary_counts(total: RegionCounts | None) -> list[tuple[str, str, int]]:
    """Return (status, label, count) over all the stations shown (zeros when there are none)."""
    return total.cells() if total is not None else [(s, str(STATUS_LABELS[s]), 0) for s in STATUSES]
