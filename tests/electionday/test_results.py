"""Results from the observers' protocols: each station's status, the differences from the official protocol, the
totals over usable stations, in a constant number of queries (issue #19)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coalition.models import Region
from electionday import results
from electionday.models import Source
from electionday.services.protocols import conflicts, record_protocol
from tests.electionday.protocol_helpers import balanced, iin, record, station, the_election

pytestmark = pytest.mark.django_db

LINES = ("voters", "received", "issued", "cancelled", "in_boxes", "invalid", "against_all")


@pytest.fixture
def election():
    return the_election()


def official(precinct, **numbers):
    return record(precinct, kind="official", source=Source.STAFF, **numbers)[0]


def by_number(found):
    return {row.number: row for row in found.stations}


def test_a_station_without_observer_protocols_is_missing_even_with_an_official_one(election):
    station(election, "101")
    official(station(election, "102"))
    found = by_number(results.compute(election))
    assert found["101"].status == found["102"].status == "missing"
    assert found["102"].official_diff == {} and found["102"].checks_failed == [] and not found["102"].conflict


def test_a_failed_control_relation_is_an_arithmetic_error(election):
    precinct = station(election)
    record(precinct, reporter_iin=iin(), invalid=11)  # 590 ≠ 11 + 30 + 300 + 250
    official(precinct)
    row = results.compute(election).stations[0]
    assert row.status == "arithmetic_error" and row.checks_failed == ["boxes_balance"] and not row.conflict
    assert row.official_diff == {"invalid": -1}  # one set of figures: the difference is still shown


def test_an_arithmetic_error_comes_before_a_conflict_and_checks_are_merged_in_order(election):
    precinct = station(election)
    record(precinct, reporter_iin=iin(), invalid=11)
    record(precinct, reporter_iin=iin(), issued=601, received=801, in_boxes=600)  # boxes_balance only
    record(precinct, reporter_iin=iin(), received=799)  # received_balance
    row = results.compute(election).stations[0]
    assert row.status == "arithmetic_error" and row.conflict
    assert row.checks_failed == ["received_balance", "boxes_balance"]
    assert row.figures is None and row.official_diff == {}


def test_reporters_who_disagree_are_a_conflict_with_no_official_diff(election):
    precinct = station(election)
    record(precinct, reporter_iin=iin())
    record(precinct, reporter_iin=iin(), in_boxes=591, bekova=251)  # balanced, differs on two lines
    official(precinct, invalid=20, in_boxes=600)
    row = results.compute(election).stations[0]
    assert row.status == "conflict" and row.conflict and row.checks_failed == []
    assert row.official_diff == {} and row.figures is None


def test_the_conflict_status_agrees_with_the_protocols_conflict_list(election):
    for number, second in [("1", {}), ("2", {"against_all": 29, "in_boxes": 589}), ("3", {"akhmetov": 301,
                           "in_boxes": 591})]:  # fmt: skip
        precinct = station(election, number)
        record(precinct, reporter_iin=iin())
        record(precinct, reporter_iin=iin(), **second)
    found = {row.station_id for row in results.compute(election).stations if row.status == "conflict"}
    assert found == {c.station.pk for c in conflicts(election)} and len(found) == 2


def test_agreeing_reporters_without_an_official_protocol(election):
    precinct = station(election)
    record(precinct, reporter_iin=iin())
    record(precinct, reporter_iin=iin())
    row = results.compute(election).stations[0]
    assert row.status == "no_official" and not row.conflict and row.reporters == 2
    assert row.figures == {**balanced()[0], "c_akhmetov": 300, "c_bekova": 250}


def test_matching_the_official_protocol(election):
    precinct = station(election)
    record(precinct, reporter_iin=iin())
    official(precinct)
    row = results.compute(election).stations[0]
    assert row.status == "matches_official" and row.official_diff == {} and row.size == 0


@pytest.mark.parametrize("key", [*LINES, "akhmetov", "bekova"])
def test_each_line_that_differs_from_the_official_protocol_is_named_with_official_minus_observer(election, key):
    precinct = station(election)
    record(precinct, reporter_iin=iin())
    observer_value = {**balanced()[0], **balanced()[1]}[key]
    official(precinct, **{key: observer_value + 7})
    row = results.compute(election).stations[0]
    name = key if key in LINES else f"c_{key}"
    assert row.status == "differs_from_official" and row.official_diff == {name: 7} and row.size == 7


def test_several_differences_keep_their_signs(election):
    precinct = station(election)
    record(precinct, reporter_iin=iin())
    official(precinct, akhmetov=350, bekova=200, invalid=5)
    row = results.compute(election).stations[0]
    assert row.official_diff == {"invalid": -5, "c_akhmetov": 50, "c_bekova": -50} and row.size == 50


def test_only_the_latest_protocols_count(election):
    precinct = station(election)
    reporter = iin()
    record(precinct, reporter_iin=reporter, invalid=11)  # wrong, then corrected by the same reporter
    record(precinct, reporter_iin=reporter)
    official(precinct, invalid=20, in_boxes=600)  # the commission's first figures, replaced
    official(precinct)
    row = results.compute(election).stations[0]
    assert row.status == "matches_official" and row.reporters == 1


def test_totals_sum_only_usable_stations_and_reported_counts_every_station_with_a_protocol(election):
    usable = {}
    usable["no_official"] = station(election, "1")
    record(usable["no_official"], reporter_iin=iin(), voters=900, akhmetov=200, bekova=350)
    usable["matches"] = station(election, "2")
    record(usable["matches"], reporter_iin=iin())
    official(usable["matches"])
    usable["differs"] = station(election, "3")
    record(usable["differs"], reporter_iin=iin(), against_all=40, invalid=0)
    official(usable["differs"])
    error = station(election, "4")
    record(error, reporter_iin=iin(), invalid=11)
    conflict = station(election, "5")
    record(conflict, reporter_iin=iin())
    record(conflict, reporter_iin=iin(), in_boxes=591, bekova=251)
    station(election, "6")  # missing
    other = the_election("local-2027")
    record(station(other, "1"), reporter_iin=iin())  # another election's station

    found = results.compute(election)
    assert [row.status for row in found.stations] == [
        "no_official", "matches_official", "differs_from_official", "arithmetic_error", "conflict", "missing",
    ]  # fmt: skip
    assert found.stations_total == 6 and found.stations_reported == 5
    assert found.totals == {
        "voters": 900 + 1000 + 1000,
        "in_boxes": 590 * 3,
        "invalid": 10 + 10 + 0,
        "against_all": 30 + 30 + 40,
        "candidates": {"akhmetov": 200 + 300 + 300, "bekova": 350 + 250 + 250},
    }
    assert found.counts() == {
        "missing": 1, "arithmetic_error": 1, "conflict": 1, "differs_from_official": 1, "matches_official": 1,
        "no_official": 1,
    }  # fmt: skip


def test_the_json_has_exactly_the_issues_shape(election):
    precinct = station(election, "101")
    record(precinct, reporter_iin=iin())
    official(precinct, against_all=31)
    station(election, "102", "KZ-79")
    data = json.loads(results.results_json(election))
    assert list(data) == ["election", "stations_total", "stations_reported", "totals", "stations"]
    assert data["election"] == election.slug and data["stations_total"] == 2 and data["stations_reported"] == 1
    assert data["totals"] == {
        "voters": 1000,
        "in_boxes": 590,
        "invalid": 10,
        "against_all": 30,
        "candidates": {"akhmetov": 300, "bekova": 250},
    }
    assert data["stations"] == [
        {"number": "101", "status": "differs_from_official", "checks_failed": [], "conflict": False,
         "official_diff": {"against_all": 1}},
        {"number": "102", "status": "missing", "checks_failed": [], "conflict": False, "official_diff": {}},
    ]  # fmt: skip


def test_a_region_holds_only_its_stations(election):
    record(station(election, "101", "KZ-35"), reporter_iin=iin())
    station(election, "202", "KZ-79")
    found = results.compute(election, Region.objects.get(code="KZ-79"))
    assert [row.number for row in found.stations] == ["202"] and found.stations_total == 1
    assert found.stations_reported == 0 and found.totals["voters"] == 0


def test_an_election_without_candidates_still_has_results(election):
    bare = the_election("bare-2027")
    bare.candidates.all().delete()
    precinct = station(bare, "1")
    lines = {**balanced()[0], "in_boxes": 40}
    record_protocol(station=precinct, kind="observer", client_id=None, reporter_iin=iin(), assignment=None,
                    lines=lines, votes={}, photo=None, filled_at=None, source=Source.IMPORT)  # fmt: skip
    row = results.compute(bare).stations[0]
    assert row.status == "no_official" and row.figures is not None and "c_akhmetov" not in row.figures


def test_the_number_of_queries_does_not_grow_with_the_stations(election):
    def some(first: int, count: int) -> None:
        for number in range(first, first + count):
            precinct = station(election, str(number))
            record(precinct, reporter_iin=iin(), source=Source.IMPORT)
            record(precinct, reporter_iin=iin(), source=Source.IMPORT, invalid=9, in_boxes=589)
            official(precinct)

    some(1, 2)
    with CaptureQueriesContext(connection) as few:
        small = results.compute(election)
    some(10, 8)
    with CaptureQueriesContext(connection) as many:
        large = results.compute(election)
    # The candidates, then one statement (with its transaction-local setting): never one per station.
    assert len(few) == len(many) <= 5
    assert len(small.stations) == 2 and len(large.stations) == 10
    assert {row.status for row in large.stations} == {"conflict"}


def test_discrepancies_are_sorted_by_size(election):
    for number, delta in [("1", 3), ("2", 0), ("3", 40), ("4", 12)]:
        precinct = station(election, number)
        record(precinct, reporter_iin=iin())
        official(precinct, akhmetov=300 + delta)
    found = results.compute(election)
    assert [row.number for row in results.discrepancies(found)] == ["3", "4", "1"]
    assert [row.number for row in results.discrepancies(found, order="size_asc")] == ["1", "4", "3"]
    assert [row.number for row in results.discrepancies(found, order="number")] == ["1", "3", "4"]


@pytest.mark.parametrize(
    "reporters,checks,variants,diff,status",
    [
        (0, [], 0, None, "missing"),
        (0, [], 0, {}, "missing"),
        (1, ["boxes_balance"], 1, {"invalid": 1}, "arithmetic_error"),
        (2, ["boxes_balance"], 2, None, "arithmetic_error"),
        (2, [], 2, None, "conflict"),
        (1, [], 1, {"voters": -1}, "differs_from_official"),
        (1, [], 1, {}, "matches_official"),
        (3, [], 1, None, "no_official"),
    ],
)
def test_station_status_is_the_first_that_applies(reporters, checks, variants, diff, status):
    assert results.station_status(reporters=reporters, checks_failed=checks, variants=variants, official_diff=diff) == (
        status
    )


def test_the_json_built_by_postgresql_equals_the_results_computed_in_python(election):
    """results_json has PostgreSQL decide each status and sum the totals; compute() decides in Python."""
    precinct = station(election, "1", "KZ-35")
    record(precinct, reporter_iin=iin())
    official(precinct, bekova=260, in_boxes=600)
    record(station(election, "2", "KZ-35"), reporter_iin=iin(), invalid=11, received=799)
    conflict = station(election, "3", "KZ-79")
    record(conflict, reporter_iin=iin())
    record(conflict, reporter_iin=iin(), in_boxes=591, bekova=251)
    official(conflict)
    agreed = station(election, "4", "KZ-79")
    record(agreed, reporter_iin=iin(), voters=1200)
    record(agreed, reporter_iin=iin(), voters=1200)
    official(agreed, voters=1200)
    station(election, "10", "KZ-71")
    station(election, "1", "KZ-71")  # the number 1 again, in another region
    for region in (None, Region.objects.get(code="KZ-79")):
        assert json.loads(results.results_json(election, region)) == results.compute(election, region).as_data()
