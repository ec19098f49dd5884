"""The quick count: the ratio estimator against a case computed by hand, the finite population correction, the
comparison with the official results, the stratified draw and the command (issue #19)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from electionday import quickcount
from electionday.models import Source
from events.models import PollingStation
from tests.electionday.protocol_helpers import iin, record, station, the_election

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _source_language():
    """The estimator's notes and refusals are read in English, the messages' source language."""
    with translation.override("en"):
        yield


# Four sampled stations (invalid = 0, so the ballots in the boxes are the valid votes m_i):
#   station  voters  against_all  akhmetov  bekova   m_i (valid)
#   S1        200      10           60        30      100
#   S2        400      20          100        80      200
#   S3        250      10           50        40      100
#   S4        250       0          120        80      200
# K = 10 stations, k = 4, f = 0.4, Σm = 600, m̄ = 150.
SAMPLE = [
    ("S1", 200, 10, 60, 30),
    ("S2", 400, 20, 100, 80),
    ("S3", 250, 10, 50, 40),
    ("S4", 250, 0, 120, 80),
]
# akhmetov: p = 330 / 600 = 0.55; a_i − p·m_i = 5, −10, −5, 10; Σ² = 25 + 100 + 25 + 100 = 250;
#   var = (1 − 0.4) / (4 · 150²) · 250 / 3 = 0.6 / 90000 · 83.333… = 0.000555556; √var = 0.0235702;
#   margin = 1.96 · 0.0235702 = 0.046198.
AKHMETOV = {"estimate": 0.55, "margin": 0.046198}
# bekova: p = 230 / 600 = 0.383333; residuals −8.3333, 3.3333, 1.6667, 3.3333; Σ² = 94.4444;
#   var = 0.6 / 90000 · 94.4444 / 3 = 0.000209877; margin = 1.96 · 0.0144871 = 0.028395.
BEKOVA = {"estimate": 0.383333, "margin": 0.028395}
# against all: p = 40 / 600 = 0.066667; residuals 3.3333, 6.6667, 3.3333, −13.3333; Σ² = 244.4444;
#   var = 0.6 / 90000 · 81.4815 = 0.000543210; margin = 1.96 · 0.0233069 = 0.045681.
AGAINST_ALL = {"estimate": 0.066667, "margin": 0.045681}
# turnout: a_i = in_boxes (100, 200, 100, 200), m_i = voters (200, 400, 250, 250): p = 600 / 1100 = 0.545455;
#   residuals −9.0909, −18.1818, −36.3636, 63.6364; Σ² = 5785.1240; m̄ = 275;
#   var = 0.6 / (4 · 275²) · 5785.1240 / 3 = 0.0038249; margin = 1.96 · 0.0618457 = 0.121217.
TURNOUT = {"estimate": 0.545455, "margin": 0.121217}


def _protocol(precinct, voters, against_all, akhmetov, bekova, kind="observer"):
    valid = against_all + akhmetov + bekova
    numbers = {"voters": voters, "received": valid, "issued": valid, "cancelled": 0, "in_boxes": valid, "invalid": 0,
                   "against_all": against_all, "akhmetov": akhmetov, "bekova": bekova}  # fmt: skip
    if kind == "official":
        return record(precinct, kind="official", source=Source.STAFF, **numbers)[0]
    return record(precinct, reporter_iin=iin(), source=Source.IMPORT, **numbers)[0]


def _at(election, number):
    return PollingStation.objects.get(election=election, number=number)


@pytest.fixture
def election():
    election = the_election()
    for number, voters, against_all, akhmetov, bekova in SAMPLE:
        _protocol(station(election, number), voters, against_all, akhmetov, bekova)
    for number in range(5, 11):  # six more stations, outside the sample: K = 10
        station(election, f"S{number}")
    return election


def test_the_estimator_matches_the_hand_computed_case(election):
    result = quickcount.estimate(election, ["S1", "S2", "S3", "S4"])
    assert result.as_data() == {
        "election": election.slug,
        "sample_size": 4,
        "reported": 4,
        "stations_total": 10,
        "candidates": {"akhmetov": AKHMETOV, "bekova": BEKOVA},
        "against_all": AGAINST_ALL,
        "turnout": TURNOUT,
        "consistent": None,  # no official protocol yet
    }
    assert result.note == ""


def test_the_finite_population_correction():
    a, m = [60, 100, 50, 120], [100, 200, 100, 200]
    # The whole population sampled (f = 1): no sampling error at all.
    assert quickcount.ratio(a, m, population=4) == quickcount.Share(0.55, 0.0)
    # f = 0.4: the margin of the hand-computed case.
    assert quickcount.ratio(a, m, population=10) == quickcount.Share(0.55, 0.046198)
    # f → 0: var = 1 / 90000 · 83.333 = 0.000925926, margin = 1.96 · 0.0304290 = 0.059641.
    assert quickcount.ratio(a, m, population=10**9) == quickcount.Share(0.55, 0.059641)
    # z scales the margin: 2.576 · 0.0235702 = 0.060717.
    assert quickcount.ratio(a, m, population=10, z=2.576).margin == 0.060717


def test_stations_with_errors_or_conflicts_are_left_out_of_the_estimate(election):
    error = station(election, "S11")
    record(error, reporter_iin=iin(), invalid=11)
    conflict = station(election, "S12")
    record(conflict, reporter_iin=iin())
    record(conflict, reporter_iin=iin(), bekova=251, in_boxes=591)
    missing = station(election, "S13")
    result = quickcount.estimate(election, ["S1", "S2", "S3", "S4", "S11", "S12", missing.number])
    assert result.sample_size == 7 and result.reported == 4 and result.stations_total == 13
    assert result.candidates["akhmetov"].estimate == 0.55


def test_official_results_within_the_margins_are_consistent(election):
    for number, voters, against_all, akhmetov, bekova in SAMPLE:
        _protocol(_at(election, number), voters, against_all, akhmetov, bekova, kind="official")
    assert quickcount.estimate(election, ["S1", "S2", "S3", "S4"]).consistent is True


def test_an_official_share_outside_its_margin_is_inconsistent(election):
    # One unsampled station's official protocol: akhmetov 10 of 100 valid votes (0.10, outside 0.55 ± 0.046).
    precinct = _at(election, "S5")
    _protocol(precinct, 200, 0, 10, 90, kind="official")
    result = quickcount.estimate(election, ["S1", "S2", "S3", "S4"])
    assert result.consistent is False and result.official["candidates"]["akhmetov"] == 0.1


def test_fewer_than_two_usable_stations_give_no_estimate_and_say_why(election):
    precinct = _at(election, "S5")
    _protocol(precinct, 200, 0, 10, 90, kind="official")
    result = quickcount.estimate(election, ["S1", "S6"])
    assert result.reported == 1 and "at least 2" in result.note
    assert result.as_data()["candidates"] == {
        "akhmetov": {"estimate": None, "margin": None},
        "bekova": {"estimate": None, "margin": None},
    }
    assert result.as_data()["turnout"] == {"estimate": None, "margin": None} and result.consistent is None


def test_leaders_closer_than_the_margin_cannot_be_told_apart(election):
    close = quickcount.estimate(election, ["S1", "S3"])  # akhmetov 110/200 against bekova 70/200 on 2 stations
    assert close.leaders()[0][0] == "akhmetov"
    far = quickcount.estimate(election, ["S1", "S2", "S3", "S4"])
    # 0.55 − 0.046198 = 0.503802 > 0.383333 + 0.028395 = 0.411728: the intervals do not overlap.
    assert far.leaders_too_close() is False
    near = quickcount.Estimate(
        election=election, sample_size=4, reported=4, stations_total=10, z=1.96,
        candidates={"akhmetov": quickcount.Share(0.45, 0.03), "bekova": quickcount.Share(0.41, 0.02)},
        names={"akhmetov": "A", "bekova": "B"}, against_all=quickcount.NO_SHARE, turnout=quickcount.NO_SHARE,
        official=None, consistent=None, note="",
    )  # fmt: skip
    assert near.leaders_too_close() is True  # 0.42 ≤ 0.43


def test_the_sample_names_unknown_ambiguous_and_repeated_stations(election):
    station(election, "S1", "KZ-79")  # the number S1 now exists in two regions
    with pytest.raises(ValidationError) as refused:
        quickcount.estimate(election, ["S1", "S2", "S2", "NOPE"])
    text = " ".join(refused.value.messages)
    assert "S1" in text and "REGION/NUMBER" in text and "S2" in text and "NOPE" in text
    result = quickcount.estimate(election, ["KZ-35/S1", "S2"])
    assert result.sample_size == 2 and result.reported == 2


def test_allocation_by_largest_remainder_sums_to_n():
    # 5 · 5/10 = 2.5, 5 · 3/10 = 1.5, 5 · 2/10 = 1.0 → 2, 1, 1 and the one left goes to the first of the two .5s.
    assert quickcount.allocate({"A": 5, "B": 3, "C": 2}, 5) == {"A": 3, "B": 1, "C": 1}
    assert quickcount.allocate({"A": 6, "B": 3, "C": 1}, 10) == {"A": 6, "B": 3, "C": 1}
    assert sum(quickcount.allocate({"A": 7, "B": 11, "C": 13}, 17).values()) == 17
    with pytest.raises(ValueError):
        quickcount.allocate({"A": 2}, 3)


@pytest.fixture
def regions_election():
    election = the_election("local-2027")
    for index in range(6):
        station(election, str(100 + index), "KZ-35")
    for index in range(3):
        station(election, str(200 + index), "KZ-71")
    station(election, "300", "KZ-79")
    return election


def test_the_draw_is_stratified_in_proportion_to_each_regions_stations(regions_election):
    # 5 of 10: KZ-35 5·6/10 = 3, KZ-71 5·3/10 = 1.5, KZ-79 5·1/10 = 0.5 → 3, 1, 0 and the one left to KZ-71.
    sample = quickcount.draw(regions_election, 5, seed=7)
    assert len(sample) == 5 and len(set(sample)) == 5
    by_region = Counter(name[0] for name in sample)
    assert by_region == {"1": 3, "2": 2}


def test_the_same_seed_draws_the_same_sample(regions_election):
    first = quickcount.draw(regions_election, 4, seed=2026)
    assert quickcount.draw(regions_election, 4, seed=2026) == first
    others = {tuple(quickcount.draw(regions_election, 4, seed=seed)) for seed in range(20)}
    assert len(others) > 1  # the seed matters
    assert len(quickcount.draw(regions_election, 10, seed=1)) == 10  # n = K: every station
    for bad in (0, 11):
        with pytest.raises(ValueError):
            quickcount.draw(regions_election, bad, seed=1)


def test_repeated_numbers_are_drawn_as_region_slash_number_and_read_back(regions_election):
    station(regions_election, "100", "KZ-71")  # 100 is now in two regions
    sample = quickcount.draw(regions_election, 11, seed=3)
    assert "KZ-35/100" in sample and "KZ-71/100" in sample and "101" in sample
    assert len(quickcount.resolve(regions_election, sample)) == 11


def test_the_command_draws_a_sample_file_and_estimates_from_it(election, tmp_path, capsys):
    sample = tmp_path / "sample.csv"
    call_command("quick_count", "--election", election.slug, "--draw", "4", "--seed", "11", "--output", str(sample))
    lines = sample.read_text().splitlines()
    assert lines[0] == "station" and len(lines) == 5
    call_command("quick_count", "--election", election.slug, "--draw", "4", "--seed", "11")
    assert capsys.readouterr().out.splitlines() == lines  # the same seed, the same sample, on stdout

    sample.write_text("station\nS1\nS2\nS3\nS4\n")
    out = tmp_path / "estimate.json"
    call_command("quick_count", "--election", election.slug, "--sample", str(sample), "--format", "json",
                 "--output", str(out))  # fmt: skip
    data = json.loads(out.read_text())
    assert list(data) == [
        "election", "sample_size", "reported", "stations_total", "candidates", "against_all", "turnout", "consistent",
    ]  # fmt: skip
    assert data["candidates"]["akhmetov"] == AKHMETOV and data["turnout"] == TURNOUT
    call_command("quick_count", "--election", election.slug, "--sample", str(sample), "--z", "2.576", "--output", "-")
    assert json.loads(capsys.readouterr().out)["candidates"]["akhmetov"]["margin"] == 0.060717


def test_the_command_refuses_bad_input(election, tmp_path):
    sample = tmp_path / "sample.csv"
    sample.write_text("number\nS1\n")
    with pytest.raises(CommandError, match="station"):
        call_command("quick_count", "--election", election.slug, "--sample", str(sample))
    sample.write_text("station\nS1\nS99\n")
    with pytest.raises(CommandError, match="S99"):
        call_command("quick_count", "--election", election.slug, "--sample", str(sample))
    with pytest.raises(CommandError, match="seed"):
        call_command("quick_count", "--election", election.slug, "--draw", "3")
    with pytest.raises(CommandError, match="No election"):
        call_command("quick_count", "--election", "nope", "--draw", "3", "--seed", "1")
