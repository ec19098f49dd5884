"""load_election's optional keys (issue #18): election_day, polls, candidates — stored, checked, and idempotent."""

from __future__ import annotations

import json
from datetime import date, time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from coalition.models import AuditEntry, Candidate, Election
from tests.donations import factories as f

pytestmark = pytest.mark.django_db


def _spec(**extra) -> dict:
    return {
        "slug": "president-2026",
        "name": "Президент 2026",
        "candidate_iin": f.iin(),
        "association_bin": f.bin_(),
        "fund_opens_on": "2026-05-01",
        "fund_closes_on": "2026-07-31",
        **extra,
    }


def _load(tmp_path, spec: dict) -> str:
    path = tmp_path / "election.json"
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    call_command("load_election", str(path), stdout=out)
    return out.getvalue()


def test_the_three_optional_keys_are_stored(tmp_path):
    _load(
        tmp_path,
        _spec(
            election_day="2026-08-30",
            polls={"opens": "07:00", "closes": "20:00"},
            candidates=[{"code": "tokayev", "name": "Токаев К.-Ж. К."}, {"code": "b", "name": "Кандидат Б"}],
        ),
    )
    election = Election.objects.get(slug="president-2026")
    assert election.election_day == date(2026, 8, 30)
    assert (election.polls_open, election.polls_close) == (time(7), time(20))
    assert list(election.candidates.values_list("code", "name", "position")) == [
        ("tokayev", "Токаев К.-Ж. К.", 1),
        ("b", "Кандидат Б", 2),
    ]
    opens, closes = election.polls_window()
    assert (opens.hour, closes.hour, opens.utcoffset().total_seconds()) == (7, 20, 5 * 3600)


def test_a_file_without_the_keys_keeps_the_defaults_and_what_is_stored(tmp_path):
    _load(tmp_path, _spec(election_day="2026-08-30", candidates=[{"code": "a", "name": "A"}]))
    _load(tmp_path, _spec())  # the old shape of the file: nothing of the schedule changes
    election = Election.objects.get(slug="president-2026")
    assert election.election_day == date(2026, 8, 30)
    assert (election.polls_open, election.polls_close) == (time(7), time(20))
    assert list(election.candidates.values_list("code", flat=True)) == ["a"]


def test_a_new_ballot_order_is_applied_and_audited_once(tmp_path):
    first = [{"code": "a", "name": "A"}, {"code": "b", "name": "B"}, {"code": "c", "name": "C"}]
    _load(tmp_path, _spec(candidates=first))
    _load(tmp_path, _spec(candidates=list(reversed(first[1:]))))  # c, b: a leaves the ballot
    election = Election.objects.get(slug="president-2026")
    assert list(election.candidates.values_list("code", "position")) == [("c", 1), ("b", 2)]
    audits = AuditEntry.objects.filter(action="coalition.change_election_schedule", object_id=str(election.pk))
    assert audits.count() == 2
    _load(tmp_path, _spec(candidates=list(reversed(first[1:]))))  # the same file again changes nothing
    assert audits.count() == 2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"election_day": "30.08.2026"}, "election_day"),
        ({"polls": {"opens": "7", "closes": "20:00"}}, "polls.opens"),
        ({"polls": {"opens": "20:00", "closes": "07:00"}}, "open before they close"),
        ({"polls": "07:00-20:00"}, "polls must be an object"),
        ({"candidates": [{"code": "a", "name": "A"}, {"code": "a", "name": "B"}]}, "appears twice"),
        ({"candidates": [{"code": "against_all", "name": "Против всех"}]}, "Candidate 1"),
        ({"candidates": [{"code": "Токаев", "name": "Токаев"}]}, "Candidate 1"),
        ({"candidates": [{"code": "a", "name": " "}]}, "has no name"),
        ({"candidates": {"a": "A"}}, "candidates must be a list"),
    ],
)
def test_a_bad_key_is_refused_with_its_name_and_nothing_is_stored(tmp_path, extra, message):
    with translation.override("en"), pytest.raises(CommandError, match=message):  # the messages' source language
        _load(tmp_path, _spec(**extra))
    assert not Election.objects.exists()
    assert not Candidate.objects.exists()
