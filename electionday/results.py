"""Verified results: each station's status from its observers' latest protocols and the official one (issue #19).

A station's observer figures are its reporters' latest protocols (kind observer, not replaced). Its ``status`` is
the first that applies:

- ``missing``: no observer protocol;
- ``arithmetic_error``: a control relation fails in any latest observer protocol (``failed_checks``);
- ``conflict``: the latest observer protocols differ on any line or vote (the same test as
  ``electionday.services.protocols.conflicts``);
- ``differs_from_official`` / ``matches_official``: one set of figures, compared with the latest official protocol;
- ``no_official``: one set of figures and no official protocol yet.

``totals`` sum the figures of the usable stations (the last three statuses: errors and conflicts are left out, as
Apollo does). Everything is read in two statements whatever the number of stations: the candidates, and one SQL
statement that returns a row per station with its observers' agreed figures (or the number of variants), the
failed checks and the official figures — the per-station work PostgreSQL does in one pass, the statuses Python
decides over plain rows (``station_status`` and ``official_diff`` are pure).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from coalition.dbrouter import replica
from coalition.models import Candidate, Election, Region
from electionday import rules
from electionday.models import Protocol, ProtocolVote
from events.models import PollingStation

MISSING = "missing"
ARITHMETIC_ERROR = "arithmetic_error"
CONFLICT = "conflict"
DIFFERS = "differs_from_official"
MATCHES = "matches_official"
NO_OFFICIAL = "no_official"
STATUSES = (MISSING, ARITHMETIC_ERROR, CONFLICT, DIFFERS, MATCHES, NO_OFFICIAL)
# The statuses whose observer figures count in the totals and the quick count.
USABLE = frozenset({DIFFERS, MATCHES, NO_OFFICIAL})

STATUS_LABELS: dict[str, Promise] = {
    MISSING: _("No observer protocol"),
    ARITHMETIC_ERROR: _("Arithmetic error"),
    CONFLICT: _("Observers disagree"),
    DIFFERS: _("Differs from the official protocol"),
    MATCHES: _("Matches the official protocol"),
    NO_OFFICIAL: _("No official protocol yet"),
}

# The lines summed in the totals (the JSON's "totals"), the candidates' votes follow.
TOTAL_LINES = ("voters", "in_boxes", "invalid", "against_all")


# --- Pure rules --------------------------------------------------------------------------------------------------


def station_status(
    *, reporters: int, checks_failed: Sequence[str], variants: int, official_diff: Mapping[str, int] | None
) -> str:
    """Return the station's status. ``official_diff`` is None without an official protocol (else its differences)."""
    if reporters == 0:
        return MISSING
    if checks_failed:
        return ARITHMETIC_ERROR
    if variants > 1:
        return CONFLICT
    if official_diff is None:
        return NO_OFFICIAL
    return DIFFERS if official_diff else MATCHES


def official_diff(figures: Mapping[str, int], official: Mapping[str, int]) -> dict[str, int]:
    """Return ``{line: official − observer}`` for each line (and ``c_<code>``) whose numbers differ, in protocol
    order; a candidate missing from one of the two protocols counts as 0 there."""
    keys = list(dict.fromkeys([*figures, *official]))
    diff = {}
    for key in keys:
        delta = official.get(key, 0) - figures.get(key, 0)
        if delta:
            diff[key] = delta
    return diff


def ordered_checks(codes: Iterable[str]) -> list[str]:
    """Return the distinct check codes in the order of ``rules.CHECKS`` (unknown codes last, sorted)."""
    found = {code for code in codes if code}
    known = [code for code in rules.CHECKS if code in found]
    return known + sorted(found - set(rules.CHECKS))


# --- Results -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StationResult:
    """One station's result: its status, the observers' figures (when they agree), the official figures, the diff."""

    station_id: int
    number: str
    region_code: str
    status: str
    reporters: int  # latest observer protocols
    checks_failed: list[str]
    conflict: bool
    figures: dict[str, int] | None  # the observers' one set of figures (lines and c_<code>), None if none or several
    official: dict[str, int] | None
    official_diff: dict[str, int]

    @property
    def usable(self) -> bool:
        return self.status in USABLE

    @property
    def size(self) -> int:
        """The largest difference from the official protocol (0 when none)."""
        return max((abs(delta) for delta in self.official_diff.values()), default=0)

    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class Results:
    """An election's (or a region's) results: every station's, the totals and the counts."""

    election: Election
    region: Region | None
    candidates: list[Candidate]
    stations: list[StationResult]
    stations_total: int
    stations_reported: int
    totals: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Return the number of stations by status (every status, in order)."""
        counts = dict.fromkeys(STATUSES, 0)
        for row in self.stations:
            counts[row.status] += 1
        return counts

    def number_keys(self) -> list[str]:
        """Return the protocol's lines and the candidates' ``c_<code>``, in protocol order."""
        return [*rules.LINES, *(f"c_{candidate.code}" for candidate in self.candidates)]

    def as_data(self) -> dict[str, Any]:
        """Return the JSON report (issue #19's exact shape)."""
        return {
            "election": self.election.slug,
            "stations_total": self.stations_total,
            "stations_reported": self.stations_reported,
            "totals": self.totals,
            "stations": [
                {
                    "number": row.number,
                    "status": row.status,
                    "checks_failed": row.checks_failed,
                    "conflict": row.conflict,
                    "official_diff": row.official_diff,
                }
                for row in self.stations
            ],
        }

    def as_json(self) -> bytes:
        return json.dumps(self.as_data(), ensure_ascii=False).encode()


# The per-station work, in one statement: each protocol's votes pivoted into one column per candidate (c0, c1, …
# in ballot order; a hash aggregate, no arrays to sort or parse), the observers' protocols grouped by station (their
# figures agree when every column's min equals its max), the failed checks, the official protocol and its
# differences (official − observer, a missing vote counting 0). ``statused`` mirrors ``station_status``.
_STATIONS_SQL = """
WITH scope AS (
    SELECT s.id, s.number, r.code AS region_code
    FROM {station} s JOIN {region} r ON r.id = s.region_id
    WHERE s.election_id = %(election)s {where}
),
latest AS (
    SELECT p.id, p.station_id, p.kind, p.failed_checks, {line_columns}
    FROM {protocol} p JOIN scope ON scope.id = p.station_id
    WHERE p.replaced_by_id IS NULL
),
pivot AS (
    SELECT v.protocol_id{pivot_columns}
    FROM {vote} v JOIN latest l ON l.id = v.protocol_id
    GROUP BY v.protocol_id
),
numbers AS (
    SELECT l.*{vote_columns} FROM latest l LEFT JOIN pivot pv ON pv.protocol_id = l.id
),
observed AS (
    SELECT station_id, count(*) AS reporters, ({differ}) AS conflict, {agreed}
    FROM numbers WHERE kind = 'observer'
    GROUP BY station_id
),
checks AS (
    SELECT station_id, json_agg(code ORDER BY coalesce(array_position(%(checks)s::text[], code), 99), code) AS codes
    FROM (SELECT DISTINCT station_id, code FROM numbers, unnest(failed_checks) AS code WHERE kind = 'observer') c
    GROUP BY station_id
),
joined AS (
    SELECT s.id, s.number, s.region_code, COALESCE(o.reporters, 0) AS reporters,
           COALESCE(o.conflict, false) AS conflict,
           ch.codes, off.id IS NOT NULL AS has_official, {observed_columns}, {official_columns}, {diff_columns}
    FROM scope s
    LEFT JOIN observed o ON o.station_id = s.id
    LEFT JOIN checks ch ON ch.station_id = s.id
    LEFT JOIN numbers off ON off.station_id = s.id AND off.kind = 'official'
),
statused AS (
    SELECT j.*, CASE
        WHEN reporters = 0 THEN 'missing'
        WHEN codes IS NOT NULL THEN 'arithmetic_error'
        WHEN conflict THEN 'conflict'
        WHEN NOT has_official THEN 'no_official'
        WHEN {all_equal} THEN 'matches_official'
        ELSE 'differs_from_official' END AS status
    FROM joined j
)
"""

_STATION_ROWS = "SELECT * FROM statused"

# The planner overestimates the CTEs' rows by orders of magnitude, which crosses the JIT thresholds: compiling the
# wide expressions then took seconds (measured: 5 s of a 5.6 s run over 10,000 stations) for a query that runs in
# a fraction of one. Off for this statement's transaction only.
_NO_JIT = "SET LOCAL jit = off"

_REPORT_JSON = """
SELECT json_build_object(
    'election', %(slug)s::text,
    'stations_total', count(*),
    'stations_reported', count(*) FILTER (WHERE reporters > 0),
    'totals', json_build_object({totals}, 'candidates', json_build_object({candidate_totals})),
    'stations', COALESCE(json_agg(json_build_object(
        'number', number,
        'status', status,
        'checks_failed', COALESCE(codes, '[]'::json),
        'conflict', conflict,
        'official_diff', json_strip_nulls(json_build_object({diffs}))
    ) ORDER BY region_code COLLATE "C", number COLLATE "C"), '[]'::json)
)::text
FROM statused
"""


def _statement(candidates: Sequence[Candidate], *, region: bool, stations: bool, tail: str) -> tuple[str, dict]:
    """Return the SQL of the per-station CTE followed by ``tail`` and its candidate parameters."""
    where = ""
    if region:
        where += " AND s.region_id = %(region)s"
    if stations:
        where += " AND s.id = ANY(%(stations)s)"
    votes = [f"c{index}" for index in range(len(candidates))]
    columns = [*rules.LINES, *votes]
    params: dict[str, Any] = {f"candidate{index}": c.pk for index, c in enumerate(candidates)}
    params.update({f"code{index}": c.code for index, c in enumerate(candidates)})
    params["checks"] = list(rules.CHECKS)
    differ = [f"min({c}) <> max({c})" for c in rules.LINES]
    differ += [f"min({c}) IS DISTINCT FROM max({c}) OR count({c}) NOT IN (0, count(*))" for c in votes]
    sql = _STATIONS_SQL.format(
        station=PollingStation._meta.db_table,
        region=Region._meta.db_table,
        protocol=Protocol._meta.db_table,
        vote=ProtocolVote._meta.db_table,
        where=where,
        line_columns=", ".join(f"p.{line}" for line in rules.LINES),
        pivot_columns="".join(
            f", sum(v.votes) FILTER (WHERE v.candidate_id = %(candidate{i})s) AS c{i}" for i in range(len(votes))
        ),
        vote_columns="".join(f", pv.{c}" for c in votes),
        differ=" OR ".join(differ),
        agreed=", ".join(f"min({c}) AS {c}" for c in columns),
        observed_columns=", ".join(f"o.{c} AS o_{c}" for c in columns),
        official_columns=", ".join(f"off.{c} AS f_{c}" for c in columns),
        diff_columns=", ".join(
            f"CASE WHEN off.id IS NOT NULL AND o.conflict IS FALSE "
            f"THEN COALESCE(off.{c}, 0) - COALESCE(o.{c}, 0) END AS d_{c}"
            for c in columns
        ),
        all_equal=" AND ".join(f"d_{c} = 0" for c in columns),
    )
    tail = tail.format(
        totals=", ".join(
            f"'{line}', COALESCE(sum(o_{line}) FILTER (WHERE status IN {_USABLE_SQL}), 0)" for line in TOTAL_LINES
        ),
        candidate_totals=", ".join(
            f"%(code{i})s::text, COALESCE(sum(o_c{i}) FILTER (WHERE status IN {_USABLE_SQL}), 0)"
            for i in range(len(votes))
        ),
        diffs=", ".join(f"{_json_key(c)}, NULLIF(d_{c}, 0)" for c in columns),
    )
    return sql + tail, params


_USABLE_SQL = "('differs_from_official', 'matches_official', 'no_official')"


def _json_key(column: str) -> str:
    """Return the SQL of a column's key in the JSON: the line's name, or ``c_<code>`` (the code a parameter)."""
    return f"'{column}'" if column in rules.LINES else f"'c_' || %(code{column[1:]})s::text"


def _station_params(election: Election, region: Region | None, station_ids: Sequence[int] | None) -> dict[str, Any]:
    params: dict[str, Any] = {"election": election.pk, "slug": election.slug}
    if region is not None:
        params["region"] = region.pk
    if station_ids is not None:
        params["stations"] = list(station_ids)
    return params


def compute(election: Election, region: Region | None = None, *, station_ids: Sequence[int] | None = None) -> Results:
    """Return the results of ``election`` (of one region's stations; of ``station_ids`` only) in two queries.

    The status is decided here by ``station_status`` over the statement's rows; ``results_json`` has PostgreSQL
    decide it with the same rule (``statused``), and a test holds the two equal."""
    candidates = list(Candidate.objects.filter(election=election).order_by("position"))
    sql, params = _statement(
        candidates, region=region is not None, stations=station_ids is not None, tail=_STATION_ROWS
    )
    with transaction.atomic(using=replica()), connections[replica()].cursor() as cursor:
        cursor.execute(_NO_JIT)
        cursor.execute(sql, {**params, **_station_params(election, region, station_ids)})
        names = [column.name for column in cursor.description or ()]
        rows = cursor.fetchall()
    rows.sort(key=lambda row: (row[2], row[1]))
    keys = [*rules.LINES, *(f"c_{c.code}" for c in candidates)]
    columns = [*rules.LINES, *(f"c{index}" for index in range(len(candidates)))]
    at = {name: index for index, name in enumerate(names)}
    observed = [(key, at[f"o_{column}"]) for key, column in zip(keys, columns, strict=True)]
    official_at = [(key, at[f"f_{column}"]) for key, column in zip(keys, columns, strict=True)]
    codes_at, official_flag = at["codes"], at["has_official"]

    stations = []
    reported = 0
    totals = dict.fromkeys(TOTAL_LINES, 0)
    votes = {candidate.code: 0 for candidate in candidates}
    for row in rows:
        reporters, conflict = row[3], row[4]
        figures = None
        if reporters and not conflict:
            figures = {key: row[index] for key, index in observed if row[index] is not None}
        official = None
        if row[official_flag]:
            official = {key: row[index] for key, index in official_at if row[index] is not None}
        diff = official_diff(figures, official) if figures is not None and official is not None else {}
        checks_failed = list(row[codes_at] or [])
        status = station_status(
            reporters=reporters,
            checks_failed=checks_failed,
            variants=2 if conflict else 1,
            official_diff=diff if official is not None else None,
        )
        if reporters:
            reported += 1
        if status in USABLE and figures is not None:
            for line in TOTAL_LINES:
                totals[line] += figures[line]
            for code in votes:
                votes[code] += figures.get(f"c_{code}", 0)
        stations.append(
            StationResult(
                station_id=row[0],
                number=row[1],
                region_code=row[2],
                status=status,
                reporters=reporters,
                checks_failed=checks_failed,
                conflict=conflict,
                figures=figures,
                official=official,
                official_diff=diff,
            )
        )
    return Results(
        election=election,
        region=region,
        candidates=candidates,
        stations=stations,
        stations_total=len(stations),
        stations_reported=reported,
        totals={**totals, "candidates": votes},
    )


def results_json(election: Election, region: Region | None = None) -> bytes:
    """Return the JSON report of ``results_report --format json``, built by PostgreSQL in one statement (the same
    content as ``compute(election, region).as_json()``)."""
    candidates = list(Candidate.objects.filter(election=election).order_by("position"))
    sql, params = _statement(candidates, region=region is not None, stations=False, tail=_REPORT_JSON)
    with transaction.atomic(using=replica()), connections[replica()].cursor() as cursor:
        cursor.execute(_NO_JIT)
        cursor.execute(sql, {**params, **_station_params(election, region, None)})
        return str(cursor.fetchone()[0]).encode()


def discrepancies(results: Results, *, order: str = "size") -> list[StationResult]:
    """Return the stations whose observers' one set of figures differs from the official protocol: largest
    difference first (``order="size"``), smallest first (``"size_asc"``) or by region and number (``"number"``)."""
    found = [row for row in results.stations if row.official_diff]
    if order == "number":
        return found
    if order == "size_asc":
        return sorted(found, key=lambda row: (row.size, row.region_code, row.number))
    return sorted(found, key=lambda row: (-row.size, row.region_code, row.number))
