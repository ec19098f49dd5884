import datetime
from decimal import Decimal

import pytest

from members import rules

CATEGORIES = [
    rules.Category("religious_association", "Религиозное объединение", "нельзя: религия", ("религиозн", "мечеть")),
    rules.Category("foreign_legal_entity", "Иностранное юрлицо", "нельзя: иностранное", (), "5"),
    rules.Category("state_body", "Госорган", "нельзя: госорган", ("акимат",)),
]


def refusals(names=("ОО «Союз отцов»",), bin_="150440012345", declared=()):
    return [
        r.code for r in rules.eligibility_refusals(names=names, bin_=bin_, declared=declared, categories=CATEGORIES)
    ]


def test_ordinary_public_association_is_eligible():
    assert refusals() == []


def test_refuses_declared_category():
    assert refusals(declared=["state_body"]) == ["state_body"]


def test_refuses_religious_association_by_name_case_insensitively():
    assert refusals(names=["РЕЛИГИОЗНОЕ объединение «Свет»"]) == ["religious_association"]
    assert refusals(names=["", "", "Центральная мечеть"]) == ["religious_association"]


def test_refuses_non_resident_bin():
    assert refusals(bin_="150450012345") == ["foreign_legal_entity"]


def test_reports_every_matching_category():
    assert refusals(names=["Религиозное общество при акимате"], declared=["foreign_legal_entity"]) == [
        "religious_association",
        "foreign_legal_entity",
        "state_body",
    ]


@pytest.mark.parametrize(
    ("size", "share", "strictly_more", "expected"),
    [
        (7, Decimal("0.5"), True, 4),
        (8, Decimal("0.5"), True, 5),
        (8, Decimal("0.5"), False, 4),
        (9, Decimal("0.67"), False, 7),
        (1, Decimal("0.5"), True, 1),
    ],
)
def test_quorum(size, share, strictly_more, expected):
    assert rules.quorum(committee_size=size, share=share, strictly_more=strictly_more) == expected


def test_motion_needs_quorum_and_majority_of_present():
    assert rules.motion_adopted(present=4, required=4, votes_for=3)
    assert not rules.motion_adopted(present=4, required=4, votes_for=2)  # a tie is not a majority
    assert not rules.motion_adopted(present=3, required=4, votes_for=3)  # no quorum


@pytest.mark.parametrize(
    ("typed", "stored", "same"),
    [
        ("ОМАРОВА  жанна", "Жанна Омарова", True),  # case, spacing, word order
        ("Петр Королев", "Королёв Пётр", True),  # ё/е
        ("Мухамед-Али Сапаров", "Сапаров Мухамед Али", True),  # punctuation between words
        ("Омарова Жанна", "Омарова Жанна Сериковна", False),  # a missing patronymic is another name
        ("Омарова Жанна", "Омарова Жанар", False),
        ("", "", False),  # an empty name never matches
    ],
)
def test_names_are_compared_for_identity_without_case_yo_spacing_or_order(typed, stored, same):
    assert rules.same_name(typed, stored) is same


def test_a_meeting_before_the_application_cannot_decide_it():
    day = datetime.date(2026, 11, 25)
    assert rules.decided_before_applying(held_on=day, applied_on=day + datetime.timedelta(days=1))
    assert not rules.decided_before_applying(held_on=day, applied_on=day)  # the same day is allowed
    assert not rules.decided_before_applying(held_on=day, applied_on=day - datetime.timedelta(days=30))
