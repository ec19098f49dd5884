"""The election fund's compliance engine: pure functions over plain data, no database.

Services load an election's rule version, the payer and the fund's running totals, call :func:`decide`, and
store the :class:`Outcome` with its reason codes. Everything numeric comes in through :class:`RuleSet` (a rule
version's values), never from constants here: the constants below are only the defaults of docs/domain.md §2 that a new
election starts with.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TypedDict

from coalition.identifiers import is_valid_bin, is_valid_iin

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Sources of money.
OWN = "own"
ASSOCIATION = "association"
DONATIONS = "donations"
SOURCES = (OWN, ASSOCIATION, DONATIONS)

# Verdicts.
ACCEPTED = "accepted"
PARTIALLY_ACCEPTED = "partially_accepted"
RETURNED = "returned"
TO_BUDGET = "to_budget"
HELD = "held"
VERDICTS = (ACCEPTED, PARTIALLY_ACCEPTED, RETURNED, TO_BUDGET, HELD)
HANDLINGS = (RETURNED, TO_BUDGET)

# Payer kinds.
INDIVIDUAL = "individual"
ORGANIZATION = "organization"

# Reason codes.
ANONYMOUS = "anonymous"
INVALID_ID = "invalid_id"
OUTSIDE_PERIOD = "outside_period"
UNVERIFIED_ORG = "unverified_org"
DECLARATION_MISSING = "declaration_missing"
OVER_CAP = {OWN: "over_cap_own", ASSOCIATION: "over_cap_association", DONATIONS: "over_cap_donations"}
OVER_PER_DONOR_CAP = "over_per_donor_cap"

# Prohibited donor categories (docs/domain.md §2), each with its default handling. "foreign_grants" is optional and
# off by default (it comes from the law on political parties, not the election law).
DEFAULT_PROHIBITED: dict[str, str] = {
    "foreign_citizen": RETURNED,
    "stateless": RETURNED,
    "foreign_org": RETURNED,
    "international_org": RETURNED,
    "state_body": RETURNED,
    "state_organization": RETURNED,
    "local_government": RETURNED,
    "charity": RETURNED,
    "religious": RETURNED,
    "foreign_participation": RETURNED,
    ANONYMOUS: TO_BUDGET,
}
OPTIONAL_PROHIBITED: dict[str, str] = {"foreign_grants": RETURNED}
PROHIBITED_CODES = (*DEFAULT_PROHIBITED, *OPTIONAL_PROHIBITED)

# Defaults for a presidential election in 2026 (docs/domain.md §2).
DEFAULT_MZP = Decimal("85000")
DEFAULT_CAPS_MZP = {OWN: Decimal("5000"), ASSOCIATION: Decimal("7000"), DONATIONS: Decimal("15000")}
DEFAULT_RETURN_DEADLINE_DAYS = 10
# The near-cap coercion alert: one payer's kept money at this share (in %) of the cap on all donations. The law
# caps only the total of all donations (Art. 34), so "near the cap" for one payer is a coalition default, not law:
# 1 % of 15,000 × МЗП is 150 × МЗП, 12,750,000 ₸ at the 2026 МЗП — far above what an ordinary supporter gives.
DEFAULT_NEAR_CAP_SHARE = Decimal("1.00")
# How close under the per-donor cap (when there is one) counts as "just under" it.
NEAR_FRACTION = Decimal("0.05")


@dataclass(frozen=True)
class RuleSet:
    """One rule version's values, as plain data."""

    candidate_iin: str
    association_bin: str
    fund_opens_on: date
    fund_closes_on: date
    mzp: Decimal = DEFAULT_MZP
    cap_own_mzp: Decimal = DEFAULT_CAPS_MZP[OWN]
    cap_association_mzp: Decimal = DEFAULT_CAPS_MZP[ASSOCIATION]
    cap_donations_mzp: Decimal = DEFAULT_CAPS_MZP[DONATIONS]
    per_donor_cap_mzp: Decimal | None = None
    require_declaration: bool = False
    return_deadline_days: int = DEFAULT_RETURN_DEADLINE_DAYS
    prohibited: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_PROHIBITED))
    version: int = 0
    near_cap_share: Decimal = DEFAULT_NEAR_CAP_SHARE

    def cap(self, source: str) -> Decimal:
        """Return the cap on ``source`` in tenge."""
        multiple = {OWN: self.cap_own_mzp, ASSOCIATION: self.cap_association_mzp, DONATIONS: self.cap_donations_mzp}
        return _money(self.mzp * Decimal(multiple[source]))

    @property
    def per_donor_cap(self) -> Decimal | None:
        """Return the per-donor cap in tenge, or None when the election has none."""
        return None if self.per_donor_cap_mzp is None else _money(self.mzp * Decimal(self.per_donor_cap_mzp))

    @property
    def near_cap_floor(self) -> Decimal:
        """Return what one payer's kept money must reach to raise the near-cap alert, in tenge.

        The lower of: ``near_cap_share`` % of the legal cap on all donations, and — when the election has a
        per-donor cap — that cap less ``NEAR_FRACTION``.
        """
        floors = [_money(self.cap(DONATIONS) * Decimal(self.near_cap_share) / 100)]
        per_donor = self.per_donor_cap
        if per_donor is not None:
            floors.append(_money(per_donor * (1 - NEAR_FRACTION)))
        return min(floors)


@dataclass(frozen=True)
class Payer:
    """Who sent the money, as far as the statement and the donor registry tell."""

    payer_id: str
    name: str
    kind: str = ""  # INDIVIDUAL, ORGANIZATION, or "" when the statement does not say
    citizenship: str = "KZ"  # ISO 3166-1 alpha-2, or "stateless"
    category: str = ""  # the donor registry's category; "" when not in the registry
    in_registry: bool = False
    has_declaration: bool = False


@dataclass(frozen=True)
class Totals:
    """What the fund has credited so far: per source, and from this payer."""

    own: Decimal = ZERO
    association: Decimal = ZERO
    donations: Decimal = ZERO
    donor: Decimal = ZERO

    def used(self, source: str) -> Decimal:
        return {OWN: self.own, ASSOCIATION: self.association, DONATIONS: self.donations}[source]


@dataclass(frozen=True)
class Outcome:
    """The verdict on one incoming payment."""

    verdict: str
    source: str
    accepted: Decimal
    refused: Decimal
    handling: str  # what happens to the refused part: RETURNED, TO_BUDGET, or "" (nothing refused / held)
    reasons: tuple[str, ...] = ()

    @property
    def credited(self) -> bool:
        return self.accepted > 0


def _money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def payer_kind(payer: Payer) -> str:
    """Return the payer's kind: as stated, else as the identifier says (an IIN and a BIN never look alike)."""
    if payer.kind in (INDIVIDUAL, ORGANIZATION):
        return payer.kind
    if is_valid_bin(payer.payer_id):
        return ORGANIZATION
    return INDIVIDUAL


def identifier_is_valid(payer: Payer) -> bool:
    """Return whether the payer's id is a valid IIN (individuals) or BIN (organizations)."""
    if payer.kind == INDIVIDUAL:
        return is_valid_iin(payer.payer_id)
    if payer.kind == ORGANIZATION:
        return is_valid_bin(payer.payer_id)
    return is_valid_iin(payer.payer_id) or is_valid_bin(payer.payer_id)


def classify_source(rules: RuleSet, payer_id: str) -> str:
    """Return where money from ``payer_id`` counts: the candidate's own, the association's, or donations."""
    if payer_id and payer_id == rules.candidate_iin:
        return OWN
    if payer_id and payer_id == rules.association_bin:
        return ASSOCIATION
    return DONATIONS


def prohibited_reasons(rules: RuleSet, payer: Payer) -> tuple[str, ...]:
    """Return the prohibited categories the payer falls in, among those this rule version prohibits."""
    found: list[str] = []
    kind = payer_kind(payer)
    citizenship = (payer.citizenship or "KZ").strip().upper()
    if kind == INDIVIDUAL:
        if citizenship == "STATELESS":
            found.append("stateless")
        elif citizenship != "KZ":
            found.append("foreign_citizen")
    elif payer.payer_id[4:5] == "5":  # the BIN's type digit 5 means a non-resident legal entity
        found.append("foreign_org")
    if payer.category in PROHIBITED_CODES and payer.category not in found:
        found.append(payer.category)
    return tuple(code for code in found if code in rules.prohibited and code != ANONYMOUS)


def handling_of(rules: RuleSet, reasons: Iterable[str]) -> str:
    """Return how refused money is handled: to the budget if any reason says so, else returned to the donor."""
    handlings = {rules.prohibited.get(code, RETURNED) for code in reasons}
    return TO_BUDGET if TO_BUDGET in handlings else RETURNED


class Headroom(TypedDict):
    source: Decimal
    donor: Decimal | None


def headroom(rules: RuleSet, source: str, totals: Totals) -> Headroom:
    """Return what is left under the source's cap and, for donations, under the per-donor cap (None: no cap)."""
    left = max(ZERO, rules.cap(source) - totals.used(source))
    per_donor = rules.per_donor_cap
    donor_left = None
    if source == DONATIONS and per_donor is not None:
        donor_left = max(ZERO, per_donor - totals.donor)
    return {"source": _money(left), "donor": None if donor_left is None else _money(donor_left)}


def decide(rules: RuleSet, *, amount: Decimal, received_on: date, payer: Payer, totals: Totals) -> Outcome:
    """Decide what happens to ``amount`` received on ``received_on`` from ``payer``, given the fund's totals.

    The checks run in this order, and the first that applies decides: anonymous (to the budget), outside the
    fund's period, prohibited donor, held (unverified organization, missing declaration), then the caps.
    """
    amount = _money(amount)
    if amount <= 0:
        raise ValueError("An incoming payment has a positive amount.")

    if not payer.payer_id.strip() or not payer.name.strip():
        return _refuse(rules, amount, DONATIONS, (ANONYMOUS,), anonymous=True)
    if not identifier_is_valid(payer):
        return _refuse(rules, amount, DONATIONS, (ANONYMOUS, INVALID_ID), anonymous=True)

    source = classify_source(rules, payer.payer_id)
    if not rules.fund_opens_on <= received_on <= rules.fund_closes_on:
        return Outcome(RETURNED, source, ZERO, amount, RETURNED, (OUTSIDE_PERIOD,))

    if source == DONATIONS:
        reasons = prohibited_reasons(rules, payer)
        if reasons:
            return _refuse(rules, amount, source, reasons)
        held = []
        if payer_kind(payer) == ORGANIZATION and not payer.in_registry:
            held.append(UNVERIFIED_ORG)
        if rules.require_declaration and not payer.has_declaration:
            held.append(DECLARATION_MISSING)
        if held:
            return Outcome(HELD, source, ZERO, ZERO, "", tuple(held))

    return _apply_caps(rules, amount, source, totals)


def _refuse(rules: RuleSet, amount: Decimal, source: str, reasons: tuple[str, ...], anonymous: bool = False) -> Outcome:
    handling = rules.prohibited.get(ANONYMOUS, TO_BUDGET) if anonymous else handling_of(rules, reasons)
    return Outcome(handling, source, ZERO, amount, handling, reasons)


def _apply_caps(rules: RuleSet, amount: Decimal, source: str, totals: Totals) -> Outcome:
    room = headroom(rules, source, totals)
    limits: list[tuple[Decimal, str]] = [(room["source"], OVER_CAP[source])]
    if room["donor"] is not None:
        limits.append((room["donor"], OVER_PER_DONOR_CAP))
    allowed = min(limit for limit, _code in limits)
    if amount <= allowed:
        return Outcome(ACCEPTED, source, amount, ZERO, "", ())
    reasons = tuple(code for limit, code in limits if limit == allowed)
    if allowed <= 0:
        return Outcome(RETURNED, source, ZERO, amount, RETURNED, reasons)
    return Outcome(PARTIALLY_ACCEPTED, source, allowed, amount - allowed, RETURNED, reasons)


def declaration_version(text: str) -> str:
    """Return the version of a declaration's text: the first 12 hex digits of its SHA-256 (UTF-8).

    Derived from the words themselves, so any change of the text (or of its translation) is a new version, and
    a stored pledge's text can be checked against its version.
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def due_on(rules: RuleSet, decided_on: date) -> date:
    """Return the deadline for returning or transferring refused money decided on ``decided_on``."""
    return decided_on + timedelta(days=rules.return_deadline_days)


# --- Coercion signals -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gift:
    """An accepted donation, as the coercion signals see it."""

    donation_id: int
    received_on: date
    payer_id: str
    amount: Decimal
    purpose: str
    employer: str = ""  # the payer's employer or organization as the donor registry records it; "" when unknown
    accepted: Decimal | None = None  # the part credited; None: the whole amount


@dataclass(frozen=True)
class Signal:
    kind: str
    key: str
    on_date: date
    donation_ids: tuple[int, ...]
    donor_count: int
    total: Decimal


SAME_PURPOSE_BURST = "same_purpose_burst"
JUST_UNDER_CAP = "just_under_cap"
SAME_EMPLOYER_BURST = "same_employer_burst"
NEAR_CAP = "near_cap"
_REFERENCE = re.compile(r"\bEF-[A-Z0-9]{8}\b", re.IGNORECASE)
_NOISE = re.compile(r"[\d\W_]+", re.UNICODE)


def normalize_purpose(purpose: str) -> str:
    """Return the purpose without pledge references, digits and punctuation, lower-cased (to compare texts)."""
    return " ".join(_NOISE.sub(" ", _REFERENCE.sub(" ", purpose)).lower().split())


def coercion_signals(
    gifts: Iterable[Gift],
    *,
    threshold: int,
    per_donor_cap: Decimal | None,
    near_fraction: Decimal = NEAR_FRACTION,
    near_cap_floor: Decimal | None = None,
    kept: Mapping[str, Decimal] | None = None,
) -> list[Signal]:
    """Return the patterns that may mean donors were made to give.

    - many different donors on one day whose transfers carry the same purpose text (e.g. naming an employer);
    - many different donors on one day whom the donor registry records with the same employer or organization;
    - many different donors giving the identical amount just under the per-donor cap (within ``near_fraction``);
    - one payer whose kept money (``kept``, by payer id) reached ``near_cap_floor`` (see
      :attr:`RuleSet.near_cap_floor`): dated the day their credited gifts first reached it.
    """
    gifts = list(gifts)
    signals: list[Signal] = []
    by_purpose: dict[tuple[date, str], list[Gift]] = defaultdict(list)
    by_employer: dict[tuple[date, str], list[Gift]] = defaultdict(list)
    for gift in gifts:
        text = normalize_purpose(gift.purpose)
        if text:
            by_purpose[(gift.received_on, text)].append(gift)
        employer = normalize_employer(gift.employer)
        if employer:
            by_employer[(gift.received_on, employer)].append(gift)
    for (day, text), group in sorted(by_purpose.items()):
        signals.extend(_signal(SAME_PURPOSE_BURST, text, day, group, threshold))
    for (day, employer), group in sorted(by_employer.items()):
        signals.extend(_signal(SAME_EMPLOYER_BURST, employer, day, group, threshold))
    if per_donor_cap is not None and per_donor_cap > 0:
        floor = per_donor_cap * (1 - near_fraction)
        by_amount: dict[Decimal, list[Gift]] = defaultdict(list)
        for gift in gifts:
            if floor <= gift.amount < per_donor_cap:
                by_amount[_money(gift.amount)].append(gift)
        for amount, group in sorted(by_amount.items()):
            signals.extend(_signal(JUST_UNDER_CAP, str(amount), min(g.received_on for g in group), group, threshold))
    if near_cap_floor is not None and near_cap_floor > 0 and kept:
        signals.extend(near_cap_signals(gifts, floor=near_cap_floor, kept=kept))
    return signals


def normalize_employer(employer: str) -> str:
    """Return the employer's name lower-cased with punctuation and quotes dropped (ТОО «Ромашка» = тоо ромашка)."""
    return " ".join(re.sub(r"[\W_]+", " ", employer, flags=re.UNICODE).lower().split())


def near_cap_signals(gifts: Iterable[Gift], *, floor: Decimal, kept: Mapping[str, Decimal]) -> list[Signal]:
    """Return one signal per payer whose kept money reached ``floor``, with all their gifts."""
    by_payer: dict[str, list[Gift]] = defaultdict(list)
    for gift in gifts:
        if gift.payer_id:
            by_payer[gift.payer_id].append(gift)
    signals = []
    for payer_id, group in sorted(by_payer.items()):
        total = _money(kept.get(payer_id, ZERO))
        if total < floor:
            continue
        group.sort(key=lambda g: (g.received_on, g.donation_id))
        running, day = ZERO, group[-1].received_on  # reached by corrections alone: the last gift's day
        for gift in group:
            running += gift.amount if gift.accepted is None else gift.accepted
            if running >= floor:
                day = gift.received_on
                break
        signals.append(
            Signal(
                kind=NEAR_CAP,
                key=payer_id,
                on_date=day,
                donation_ids=tuple(sorted(g.donation_id for g in group)),
                donor_count=1,
                total=total,
            )
        )
    return signals


def _signal(kind: str, key: str, day: date, group: list[Gift], threshold: int) -> list[Signal]:
    donors = {gift.payer_id for gift in group}
    if len(donors) < threshold:
        return []
    return [
        Signal(
            kind=kind,
            key=key[:300],
            on_date=day,
            donation_ids=tuple(sorted(g.donation_id for g in group)),
            donor_count=len(donors),
            total=_money(sum((g.amount for g in group), ZERO)),
        )
    ]
