"""Pure rules of the members app: eligibility to campaign (docs/domain.md §4) and the meeting quorum.

No ORM here: the services load the rule rows and pass plain data, so the rules are trivial to test.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Category:
    """An ineligible category as the rules see it."""

    code: str
    label: str
    reason: str
    keywords: Sequence[str] = ()
    bin_type_digits: str = ""


@dataclass(frozen=True)
class Refusal:
    code: str
    label: str
    reason: str


def eligibility_refusals(
    *, names: Iterable[str], bin_: str, declared: Iterable[str], categories: Iterable[Category]
) -> list[Refusal]:
    """Return why an organization may not join (empty if it may): declared categories, name keywords, BIN type."""
    declared = set(declared)
    haystack = " ".join(names).casefold()
    refusals = []
    for category in categories:
        hit = (
            category.code in declared
            or any(word and word in haystack for word in category.keywords)
            or (len(bin_) == 12 and bin_[4] in category.bin_type_digits)
        )
        if hit:
            refusals.append(Refusal(category.code, category.label, category.reason))
    return refusals


def quorum(*, committee_size: int, share: Decimal, strictly_more: bool) -> int:
    """Return how many members must be present: more than (or at least) ``share`` of the committee."""
    exact = Decimal(committee_size) * share
    if strictly_more:
        return math.floor(exact) + 1
    return math.ceil(exact)


def motion_adopted(*, present: int, required: int, votes_for: int) -> bool:
    """Return whether a motion passes: the quorum is present and more than half of those present vote for it."""
    return present >= required and votes_for * 2 > present


def decided_before_applying(*, held_on: date, applied_on: date) -> bool:
    """Return whether a meeting would decide an application filed after it was held.

    The committee can only vote on an application it had before it: an admission dated before the application
    would give the organization a joining date earlier than its application, and the letter would say so.
    The same calendar day is allowed (an application filed in the morning, decided at the evening meeting).
    """
    return held_on < applied_on


def name_key(full_name: str) -> tuple[str, ...]:
    """Return a person's name as compared for identity: case, ё/е, spacing, punctuation and word order ignored."""
    text = unicodedata.normalize("NFKC", full_name).casefold().replace("ё", "е")
    return tuple(sorted(re.findall(r"\w+", text)))


def same_name(typed: str, stored: str) -> bool:
    """Return whether a typed name names the stored person (an empty name never matches)."""
    key = name_key(typed)
    return bool(key) and key == name_key(stored)
