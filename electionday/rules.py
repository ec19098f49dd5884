"""Pure rules of election day: the precinct protocol's lines and the law's control relations (no ORM here).

The final protocol of a precinct commission holds the voters on the lists, the ballots received, issued, cancelled
(unused) and found in the boxes, the invalid ballots, "against all" and the votes per candidate. Its numbers must
balance; each relation that does not hold has a code (docs/election-day.md). A failed relation is stored with the
protocol, never refused: a commission's arithmetic error is itself evidence.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The protocol's lines, in the order of the form (votes per candidate follow "against all").
LINES = ("voters", "received", "issued", "cancelled", "in_boxes", "invalid", "against_all")

LINE_LABELS = {
    "voters": gettext_lazy("Voters on the lists"),
    "received": gettext_lazy("Ballots received"),
    "issued": gettext_lazy("Ballots issued"),
    "cancelled": gettext_lazy("Ballots cancelled (unused)"),
    "in_boxes": gettext_lazy("Ballots found in the boxes"),
    "invalid": gettext_lazy("Invalid ballots"),
    "against_all": gettext_lazy("Against all"),
}

# The control relations' codes, in the order they are checked and reported.
RECEIVED_BALANCE = "received_balance"
ISSUED_OVER_LIST = "issued_over_list"
BOXES_OVER_ISSUED = "boxes_over_issued"
BOXES_BALANCE = "boxes_balance"
CHECKS = (RECEIVED_BALANCE, ISSUED_OVER_LIST, BOXES_OVER_ISSUED, BOXES_BALANCE)

CHECK_LABELS = {
    RECEIVED_BALANCE: gettext_lazy("Ballots received ≠ issued + cancelled"),
    ISSUED_OVER_LIST: gettext_lazy("Ballots issued > voters on the lists"),
    BOXES_OVER_ISSUED: gettext_lazy("Ballots found in the boxes > ballots issued"),
    BOXES_BALANCE: gettext_lazy("Ballots in the boxes ≠ invalid + against all + votes for the candidates"),
}

# No precinct comes near this (the largest have a few thousand voters): a bigger number is a typing error.
MAX_COUNT = 100_000
_MAX_DIGITS = len(str(MAX_COUNT))


class CountRefused(ValueError):
    """A value that is not a count of ballots or voters; the message says why, for the person who typed it."""


def parse_count(value: object) -> int:
    """Return ``value`` as a count (0..MAX_COUNT); raise CountRefused otherwise.

    Accepted: an ``int`` (not a ``bool``), or a string of ASCII digits with surrounding spaces. Refused: empty,
    negative, fractional ("1.5", "3.0"), exponent ("1e3"), grouped ("1 200", "1,200"), signed ("+5"), non-ASCII
    digits ("٣", "３") and anything over MAX_COUNT.
    """
    if isinstance(value, bool):
        raise CountRefused(_("Enter a whole number."))
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip(" \t")
        if not text:
            raise CountRefused(_("Enter a number."))
        if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
            raise CountRefused(_("A count cannot be negative."))
        if not (text.isascii() and text.isdigit()):
            raise CountRefused(_("Enter a whole number in digits 0-9."))
        if len(text.lstrip("0")) > _MAX_DIGITS:
            raise CountRefused(_("The number is too large for a polling station."))
        number = int(text)
    else:
        raise CountRefused(_("Enter a whole number."))
    if number < 0:
        raise CountRefused(_("A count cannot be negative."))
    if number > MAX_COUNT:
        raise CountRefused(_("The number is too large for a polling station."))
    return number


def protocol_checks(
    *,
    voters: int,
    received: int,
    issued: int,
    cancelled: int,
    in_boxes: int,
    invalid: int,
    against_all: int,
    votes: Mapping[str, int],
) -> list[str]:
    """Return the codes of the control relations the protocol's numbers break, in the order of ``CHECKS``."""
    failed = []
    if received != issued + cancelled:
        failed.append(RECEIVED_BALANCE)
    if issued > voters:
        failed.append(ISSUED_OVER_LIST)
    if in_boxes > issued:
        failed.append(BOXES_OVER_ISSUED)
    if in_boxes != invalid + against_all + sum(votes.values()):
        failed.append(BOXES_BALANCE)
    return failed


def differences(first: Mapping[str, object], second: Mapping[str, object]) -> list[str]:
    """Return the keys whose values differ between two protocols' numbers (lines, then ``c_<code>`` votes)."""
    keys = list(dict.fromkeys([*first, *second]))
    return [key for key in keys if first.get(key) != second.get(key)]


def station_name(value: str) -> tuple[str | None, str]:
    """Split a station's name in a file: ``<region code>/<number>`` gives (code, number), a bare number (None,
    number). Station numbers repeat across regions, so files name such a station with its region."""
    value = value.strip()
    if "/" not in value:
        return None, value
    code, _slash, number = value.partition("/")
    return code.strip(), number.strip()
