"""The protocol's control relations and counts (electionday/rules.py): pure, so checked by construction."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from electionday import rules

BALANCED = {
    "voters": 1000,
    "received": 800,
    "issued": 600,
    "cancelled": 200,
    "in_boxes": 590,
    "invalid": 10,
    "against_all": 30,
    "votes": {"a": 300, "b": 250},
}


def _checks(**overrides: object) -> list[str]:
    return rules.protocol_checks(**{**BALANCED, **overrides})  # type: ignore[arg-type]


def test_a_balanced_protocol_fails_nothing():
    assert _checks() == []


@pytest.mark.parametrize(
    "overrides,code",
    [
        ({"received": 801}, "received_balance"),  # received ≠ issued + cancelled
        ({"voters": 599}, "issued_over_list"),  # issued > voters on the lists
        # found in boxes > issued (the boxes balance kept: invalid grows with the boxes)
        ({"in_boxes": 601, "invalid": 21}, "boxes_over_issued"),
        ({"invalid": 11}, "boxes_balance"),  # in boxes ≠ invalid + against all + Σ candidates
        ({"votes": {"a": 300, "b": 249}}, "boxes_balance"),
        ({"against_all": 29}, "boxes_balance"),
    ],
)
def test_each_control_relation_alone(overrides, code):
    assert _checks(**overrides) == [code]


def test_codes_come_in_the_documented_order():
    failed = _checks(voters=10, received=5, in_boxes=700, invalid=0)
    assert failed == ["received_balance", "issued_over_list", "boxes_over_issued", "boxes_balance"]
    assert tuple(failed) == rules.CHECKS


counts = st.integers(min_value=0, max_value=rules.MAX_COUNT)


@st.composite
def balanced_protocols(draw):
    """A protocol built to hold every relation: the balance lines are derived from the drawn ones."""
    votes = draw(st.dictionaries(st.text("abc", min_size=1, max_size=3), st.integers(0, 3000), max_size=5))
    invalid, against_all = draw(st.integers(0, 500)), draw(st.integers(0, 500))
    in_boxes = invalid + against_all + sum(votes.values())
    issued = in_boxes + draw(st.integers(0, 500))
    voters = issued + draw(st.integers(0, 500))
    cancelled = draw(st.integers(0, 500))
    return {
        "voters": voters,
        "received": issued + cancelled,
        "issued": issued,
        "cancelled": cancelled,
        "in_boxes": in_boxes,
        "invalid": invalid,
        "against_all": against_all,
        "votes": votes,
    }


@given(balanced_protocols())
def test_every_protocol_built_to_balance_passes(protocol):
    assert rules.protocol_checks(**protocol) == []


@given(balanced_protocols(), st.integers(1, 50))
def test_one_more_ballot_received_fails_only_the_received_balance(protocol, extra):
    protocol["received"] += extra
    assert rules.protocol_checks(**protocol) == ["received_balance"]


@given(balanced_protocols(), st.integers(1, 50))
def test_one_more_invalid_ballot_fails_only_the_boxes_balance(protocol, extra):
    protocol["invalid"] += extra
    assert rules.protocol_checks(**protocol) == ["boxes_balance"]


@given(counts, counts, counts, counts, counts, counts, counts, st.lists(counts, max_size=4))
def test_each_code_is_exactly_its_relation(voters, received, issued, cancelled, in_boxes, invalid, against, votes):
    failed = rules.protocol_checks(
        voters=voters,
        received=received,
        issued=issued,
        cancelled=cancelled,
        in_boxes=in_boxes,
        invalid=invalid,
        against_all=against,
        votes={str(i): n for i, n in enumerate(votes)},
    )
    expected = [
        code
        for code, broken in [
            ("received_balance", received != issued + cancelled),
            ("issued_over_list", issued > voters),
            ("boxes_over_issued", in_boxes > issued),
            ("boxes_balance", in_boxes != invalid + against + sum(votes)),
        ]
        if broken
    ]
    assert failed == expected


# --- Counts ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value,expected", [("0", 0), ("1200", 1200), (" 42 ", 42), ("007", 7), (350, 350)])
def test_counts_accepted(value, expected):
    assert rules.parse_count(value) == expected


@pytest.mark.parametrize(
    "value",
    ["-1", "1.5", "3.0", "1e3", " ", "", "+5", "1 200", "1,200", "٣", "３", "12a", "0x10", -1, 1.0, True, None,
     "100001", "9" * 40, 100_001],
)  # fmt: skip
def test_counts_refused(value):
    with pytest.raises(rules.CountRefused):
        rules.parse_count(value)


@given(st.integers(0, rules.MAX_COUNT))
def test_any_count_in_digits_round_trips(number):
    assert rules.parse_count(str(number)) == number


@given(st.text(max_size=8))
def test_any_text_is_a_count_only_when_it_is_ascii_digits(text):
    stripped = text.strip(" \t")
    is_count = bool(stripped) and stripped.isascii() and stripped.isdigit() and int(stripped) <= rules.MAX_COUNT
    if is_count:
        assert rules.parse_count(text) == int(stripped)
    else:
        with pytest.raises(rules.CountRefused):
            rules.parse_count(text)


def test_differences_name_the_keys_that_differ():
    assert rules.differences({"voters": 1, "c_a": 2}, {"voters": 1, "c_a": 3, "c_b": 0}) == ["c_a", "c_b"]
