"""The quick count: a parallel vote tabulation over a random sample of stations (issue #19).

``draw`` picks the sample, stratified by region in proportion to each region's number of stations (so it weighs
itself); ``estimate`` computes a ratio estimate for each candidate, "against all" and the turnout over the sampled
stations whose status is usable (as for the results' totals), with its margin of error:

    k sampled stations usable, K stations of the election, f = k / K;
    p = Σa / Σm;  m̄ = Σm / k;  var = (1 − f) / (k · m̄²) · Σ(a_i − p·m_i)² / (k − 1);  margin = z · √var

— for a candidate a_i are their votes and m_i the valid votes (against all + Σ candidates), likewise for against
all; for the turnout a_i are the ballots found in the boxes and m_i the voters on the lists. ``ratio`` is pure.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from coalition.models import Election, Region
from electionday import results, rules
from electionday.models import Protocol, ProtocolVote
from events.models import PollingStation

DIGITS = 6
MAX_SAMPLE_BYTES = 2 * 1024 * 1024  # 10,000 station numbers are ~100 kB


# --- The estimator (pure) ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """An estimated fraction with its margin of error (both rounded to 6 places; None when it cannot be made)."""

    estimate: float | None
    margin: float | None

    @property
    def low(self) -> float | None:
        return None if self.estimate is None or self.margin is None else self.estimate - self.margin

    @property
    def high(self) -> float | None:
        return None if self.estimate is None or self.margin is None else self.estimate + self.margin

    def covers(self, value: float) -> bool:
        """Return whether ``value`` lies within estimate ± margin (a rounding hair of slack)."""
        if self.low is None or self.high is None:
            return False
        return self.low - 1e-9 <= value <= self.high + 1e-9

    def as_data(self) -> dict[str, float | None]:
        return {"estimate": self.estimate, "margin": self.margin}


NO_SHARE = Share(None, None)


def ratio(a: Sequence[int], m: Sequence[int], *, population: int, z: float = 1.96) -> Share:
    """Return the ratio estimate Σa/Σm over k = len(a) sampled units of ``population`` with its margin (z·√var).

    None (both) when k < 2, k > the population or Σm = 0.
    """
    k = len(a)
    if k != len(m):
        raise ValueError("a and m must have the same length")
    total_m = sum(m)
    if k < 2 or population < k or total_m == 0:
        return NO_SHARE
    f = k / population
    p = sum(a) / total_m
    mean_m = total_m / k
    residuals = sum((a_i - p * m_i) ** 2 for a_i, m_i in zip(a, m, strict=True))
    var = (1 - f) / (k * mean_m**2) * residuals / (k - 1)
    return Share(round(p, DIGITS), round(z * math.sqrt(max(var, 0.0)), DIGITS))


def allocate(counts: Mapping[str, int], n: int) -> dict[str, int]:
    """Return how many of ``n`` to draw from each stratum, in proportion to ``counts``, by the largest remainder.

    The quotas n·N_r/K are rounded down, then the strata with the largest remainders (ties: in key order) get one
    more until the total is exactly ``n``. No stratum gets more than it has.
    """
    total = sum(counts.values())
    if n < 0 or n > total:
        raise ValueError("n must be between 0 and the number of units")
    keys = sorted(counts)
    if total == 0:
        return dict.fromkeys(keys, 0)
    exact = {key: n * counts[key] / total for key in keys}
    shares = {key: math.floor(exact[key]) for key in keys}
    left = n - sum(shares.values())
    order = sorted(keys, key=lambda key: (-(exact[key] - shares[key]), key))
    for key in order[:left]:
        shares[key] += 1
    return shares


# --- Stations by name --------------------------------------------------------------------------------------------


def _scope(election: Election, region: Region | None) -> list[tuple[int, str, str]]:
    """Return (id, number, region code) of the stations in scope, sorted by (region code, number)."""
    stations = PollingStation.objects.filter(election=election)
    if region is not None:
        stations = stations.filter(region=region)
    rows = list(stations.values_list("pk", "number", "region__code"))
    rows.sort(key=lambda row: (row[2], row[1]))
    return rows


def _names(rows: Iterable[tuple[int, str, str]]) -> dict[int, str]:
    """Return each station's name in a sample file: its number, or REGION/NUMBER where the number repeats."""
    rows = list(rows)
    repeats: dict[str, int] = defaultdict(int)
    for _pk, number, _code in rows:
        repeats[number] += 1
    return {pk: f"{code}/{number}" if repeats[number] > 1 else number for pk, number, code in rows}


def resolve(election: Election, names: Sequence[str], region: Region | None = None) -> list[int]:
    """Return the ids of the stations named (number, or REGION/NUMBER when the number repeats across regions),
    in one query; raise ValidationError listing every unknown, ambiguous or repeated name."""
    rows = _scope(election, region)
    by_number: dict[str, list[int]] = defaultdict(list)
    by_full: dict[tuple[str, str], int] = {}
    for station_id, number, code in rows:
        by_number[number].append(station_id)
        by_full[(code, number)] = station_id
    found: list[int] = []
    errors: list[str] = []
    for raw in names:
        name = raw.strip()
        region_code, number = rules.station_name(name)
        if region_code is not None:
            exact = by_full.get((region_code, number))
            candidates = [exact] if exact is not None else []
        else:
            candidates = by_number.get(number, [])
        if not candidates:
            errors.append(_("Unknown polling station: %(station)s.") % {"station": name})
        elif len(candidates) > 1:
            errors.append(
                _("Station number %(station)s exists in several regions: write it as REGION/NUMBER.")
                % {"station": name}
            )
        elif candidates[0] in found:
            errors.append(_("Station %(station)s is in the sample twice.") % {"station": name})
        else:
            found.append(candidates[0])
    if errors:
        raise ValidationError(errors)
    return found


def read_sample(content: bytes) -> list[str]:
    """Return the station names of a sample file (CSV, UTF-8, header ``station``); raise ValidationError."""
    if len(content) > MAX_SAMPLE_BYTES:
        raise ValidationError(_("The sample file is too large."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The sample file is not UTF-8 text.")) from None
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise ValidationError(_("The sample file is not valid CSV: %(error)s") % {"error": exc}) from None
    if not rows or [cell.strip() for cell in rows[0]] != ["station"]:
        raise ValidationError(_('The sample file must start with the header "station", one station a line.'))
    return [row[0].strip() for row in rows[1:]]


def sample_csv(names: Iterable[str]) -> bytes:
    """Return a sample file: the header ``station``, one station a line."""
    return ("station\n" + "".join(f"{name}\n" for name in names)).encode()


# --- Draw --------------------------------------------------------------------------------------------------------


def draw(election: Election, n: int, seed: int, region: Region | None = None) -> list[str]:
    """Return a random sample of ``n`` station names, stratified by region in proportion to each region's stations.

    Deterministic for a seed: the stations are sorted by (region code, number), each region's share is fixed by the
    largest remainder, and one ``random.Random(seed)`` draws from the regions in code order. Raise ValueError for an
    ``n`` below 1 or above the number of stations.
    """
    rows = _scope(election, region)
    if n < 1 or n > len(rows):
        raise ValueError(
            _("The sample size must be between 1 and the number of stations (%(count)d).") % {"count": len(rows)}
        )
    by_region: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for row in rows:
        by_region[row[2]].append(row)
    shares = allocate({code: len(stations) for code, stations in by_region.items()}, n)
    rng = random.Random(seed)
    names = _names(rows)
    picked: list[str] = []
    for code in sorted(by_region):
        chosen = rng.sample(by_region[code], shares[code])
        chosen.sort(key=lambda row: row[1])
        picked.extend(names[row[0]] for row in chosen)
    return picked


# --- Estimate ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A quick count: the sample's size, the usable stations (k), the estimates and whether the official results
    lie within them."""

    election: Election
    sample_size: int
    reported: int
    stations_total: int
    z: float
    candidates: dict[str, Share]
    names: dict[str, str]  # candidate code -> name, in ballot order
    against_all: Share
    turnout: Share
    official: dict[str, Any] | None  # the official shares ({"candidates": {code: x}, "against_all", "turnout"})
    consistent: bool | None
    note: str

    def as_data(self) -> dict[str, Any]:
        """Return the JSON of ``quick_count --format json`` (issue #19's exact shape)."""
        return {
            "election": self.election.slug,
            "sample_size": self.sample_size,
            "reported": self.reported,
            "stations_total": self.stations_total,
            "candidates": {code: share.as_data() for code, share in self.candidates.items()},
            "against_all": self.against_all.as_data(),
            "turnout": self.turnout.as_data(),
            "consistent": self.consistent,
        }

    def leaders(self) -> list[tuple[str, Share]]:
        """Return the two candidates with the highest estimates (fewer when there are not two estimates)."""
        ranked = sorted(
            ((code, share) for code, share in self.candidates.items() if share.estimate is not None),
            key=lambda item: -(item[1].estimate or 0.0),
        )
        return ranked[:2]

    def leaders_too_close(self) -> bool | None:
        """Return whether the two leaders' intervals (estimate ± margin) overlap: then no winner can be named from
        the sample. None without two estimates."""
        leaders = self.leaders()
        if len(leaders) < 2:
            return None
        (_first, one), (_second, two) = leaders
        if one.low is None or two.high is None:
            return None
        return one.low <= two.high


def _official_shares(election: Election, region: Region | None) -> dict[str, Any] | None:
    """Return the official shares over every station with an official protocol (two queries), or None."""
    protocols = Protocol.objects.filter(
        station__election=election, kind=Protocol.Kind.OFFICIAL, replaced_by__isnull=True
    )
    if region is not None:
        protocols = protocols.filter(station__region=region)
    lines = protocols.aggregate(
        n=Count("pk"), voters=Sum("voters"), in_boxes=Sum("in_boxes"), against_all=Sum("against_all")
    )
    if not lines["n"]:
        return None
    votes = dict(
        ProtocolVote.objects.filter(protocol__in=protocols)
        .values("candidate__code")
        .annotate(total=Sum("votes"))
        .values_list("candidate__code", "total")
    )
    valid = (lines["against_all"] or 0) + sum(votes.values())
    return {
        "candidates": {code: (n / valid if valid else None) for code, n in votes.items()},
        "against_all": (lines["against_all"] or 0) / valid if valid else None,
        "turnout": (lines["in_boxes"] or 0) / lines["voters"] if lines["voters"] else None,
    }


def _consistent(
    candidates: Mapping[str, Share], against_all: Share, turnout: Share, official: Mapping[str, Any] | None
) -> bool | None:
    if official is None:
        return None
    pairs: list[tuple[Share, float | None]] = [
        *((share, official["candidates"].get(code)) for code, share in candidates.items()),
        (against_all, official["against_all"]),
        (turnout, official["turnout"]),
    ]
    judged = [(share, value) for share, value in pairs if value is not None]
    if not judged or any(share.estimate is None for share, _value in judged):
        return None
    return all(share.covers(value) for share, value in judged)


def estimate(
    election: Election, sample_numbers: Sequence[str], z: float = 1.96, region: Region | None = None
) -> Estimate:
    """Return the quick count over the sampled stations (names as in a sample file); raise ValidationError for an
    unknown, ambiguous or repeated station. A handful of queries whatever the sample's size."""
    station_ids = resolve(election, sample_numbers, region)
    stations_total = PollingStation.objects.filter(election=election, **({"region": region} if region else {})).count()
    found = results.compute(election, region, station_ids=station_ids)
    usable = [row.figures for row in found.stations if row.usable and row.figures is not None]
    k = len(usable)
    codes = [candidate.code for candidate in found.candidates]
    valid = [row["against_all"] + sum(row.get(f"c_{code}", 0) for code in codes) for row in usable]
    candidates = {
        code: ratio([row.get(f"c_{code}", 0) for row in usable], valid, population=stations_total, z=z)
        for code in codes
    }
    against_all = ratio([row["against_all"] for row in usable], valid, population=stations_total, z=z)
    turnout = ratio(
        [row["in_boxes"] for row in usable], [row["voters"] for row in usable], population=stations_total, z=z
    )
    official = _official_shares(election, region)
    note = ""
    if k < 2:
        note = _(
            "Only %(k)d sampled station(s) have usable observer protocols: at least 2 are needed for an estimate."
        ) % {"k": k}
    return Estimate(
        election=election,
        sample_size=len(station_ids),
        reported=k,
        stations_total=stations_total,
        z=z,
        candidates=candidates,
        names={candidate.code: candidate.name for candidate in found.candidates},
        against_all=against_all,
        turnout=turnout,
        official=official,
        consistent=_consistent(candidates, against_all, turnout, official),
        note=note,
    )
