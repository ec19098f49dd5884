"""The compliance engine on plain data: every verdict and reason code, with its boundaries."""

import random
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coalition.identifiers import synthetic_bin, synthetic_iin
from donations import rules
from donations.rules import Gift, Payer, RuleSet, Totals, decide

rng = random.Random(7)
CANDIDATE = synthetic_iin(rng)
ASSOCIATION = synthetic_bin(rng)
CITIZEN = synthetic_iin(rng)
COMPANY = synthetic_bin(rng)
ON = date(2026, 5, 10)

RULES = RuleSet(
    candidate_iin=CANDIDATE,
    association_bin=ASSOCIATION,
    fund_opens_on=date(2026, 5, 1),
    fund_closes_on=date(2026, 7, 31),
)
CAP_DONATIONS = Decimal("1275000000.00")


def citizen(**kw):
    return Payer(payer_id=kw.pop("payer_id", CITIZEN), name=kw.pop("name", "Иванов Иван"), **kw)


def company(**kw):
    return Payer(
        payer_id=kw.pop("payer_id", COMPANY),
        name="ТОО Ромашка",
        kind="organization",
        in_registry=kw.pop("in_registry", True),
        category=kw.pop("category", "company"),
        **kw,
    )


NO_TOTALS = Totals()


def run(payer, amount, totals=NO_TOTALS, rules_=RULES, on=ON):
    return decide(rules_, amount=Decimal(amount), received_on=on, payer=payer, totals=totals)


def test_caps_in_tenge_follow_mzp_2026():
    assert RULES.cap(rules.DONATIONS) == CAP_DONATIONS
    assert RULES.cap(rules.OWN) == Decimal("425000000.00")
    assert RULES.cap(rules.ASSOCIATION) == Decimal("595000000.00")
    assert RULES.per_donor_cap is None


def test_accepts_a_citizens_donation():
    outcome = run(citizen(), "50000")
    assert (outcome.verdict, outcome.accepted, outcome.refused, outcome.reasons) == (
        "accepted",
        Decimal("50000.00"),
        Decimal("0.00"),
        (),
    )
    assert outcome.source == rules.DONATIONS


def test_accepts_exactly_up_to_the_donations_cap():
    totals = Totals(donations=CAP_DONATIONS - Decimal("100"))
    assert run(citizen(), "100", totals).verdict == rules.ACCEPTED


def test_one_tiyn_over_the_donations_cap_is_partially_accepted():
    totals = Totals(donations=CAP_DONATIONS - Decimal("100"))
    outcome = run(citizen(), "100.01", totals)
    assert outcome.verdict == rules.PARTIALLY_ACCEPTED
    assert outcome.accepted == Decimal("100.00") and outcome.refused == Decimal("0.01")
    assert outcome.reasons == ("over_cap_donations",) and outcome.handling == rules.RETURNED


def test_full_cap_returns_everything():
    outcome = run(citizen(), "0.01", Totals(donations=CAP_DONATIONS))
    assert (outcome.verdict, outcome.accepted, outcome.reasons) == (
        "returned",
        Decimal("0.00"),
        ("over_cap_donations",),
    )


@pytest.mark.parametrize(
    ("payer_id", "source", "cap", "reason"),
    [
        (CANDIDATE, "own", Decimal("425000000"), "over_cap_own"),
        (ASSOCIATION, "association", Decimal("595000000"), "over_cap_association"),
    ],
)
def test_own_and_association_caps(payer_id, source, cap, reason):
    payer = Payer(payer_id=payer_id, name="x")
    used = {source: cap - 1}
    assert run(payer, "1", Totals(**used)).verdict == rules.ACCEPTED
    outcome = run(payer, "1.01", Totals(**used))
    assert (outcome.verdict, outcome.source, outcome.reasons) == ("partially_accepted", source, (reason,))
    assert run(payer, "1", Totals(**{source: cap})).verdict == rules.RETURNED


def test_per_donor_cap_when_set():
    capped = RuleSet(**{**RULES.__dict__, "per_donor_cap_mzp": Decimal("10")})  # 850,000 ₸
    assert run(citizen(), "850000", rules_=capped).verdict == rules.ACCEPTED
    outcome = run(citizen(), "850000.01", rules_=capped)
    assert outcome.reasons == ("over_per_donor_cap",) and outcome.accepted == Decimal("850000.00")
    outcome = run(citizen(), "1", Totals(donor=Decimal("850000")), rules_=capped)
    assert (outcome.verdict, outcome.reasons) == ("returned", ("over_per_donor_cap",))


def test_both_caps_binding_at_once_give_both_reasons():
    capped = RuleSet(**{**RULES.__dict__, "per_donor_cap_mzp": Decimal("10")})
    totals = Totals(donations=CAP_DONATIONS - Decimal("850000"))
    outcome = run(citizen(), "900000", totals, rules_=capped)
    assert set(outcome.reasons) == {"over_cap_donations", "over_per_donor_cap"}


@pytest.mark.parametrize(
    ("payer", "reasons"),
    [
        (Payer(payer_id="", name="Иванов"), ("anonymous",)),
        (Payer(payer_id=CITIZEN, name=" "), ("anonymous",)),
        (Payer(payer_id="123456789012", name="Иванов"), ("anonymous", "invalid_id")),
        (Payer(payer_id=CITIZEN[:-1] + str((int(CITIZEN[-1]) + 1) % 10), name="Иванов"), ("anonymous", "invalid_id")),
        (Payer(payer_id=COMPANY, name="ТОО", kind="individual"), ("anonymous", "invalid_id")),
    ],
)
def test_anonymous_money_goes_to_the_budget(payer, reasons):
    outcome = run(payer, "1000")
    assert (outcome.verdict, outcome.handling, outcome.reasons, outcome.accepted) == (
        "to_budget",
        "to_budget",
        reasons,
        Decimal("0.00"),
    )


@pytest.mark.parametrize(
    ("payer", "reason"),
    [
        (citizen(citizenship="RU"), "foreign_citizen"),
        (citizen(citizenship="stateless"), "stateless"),
        (company(payer_id=synthetic_bin(rng, kind="5")), "foreign_org"),
        (company(category="foreign_org"), "foreign_org"),
        (company(category="international_org"), "international_org"),
        (company(category="state_body"), "state_body"),
        (company(category="state_organization"), "state_organization"),
        (company(category="local_government"), "local_government"),
        (company(category="charity"), "charity"),
        (company(category="religious"), "religious"),
        (company(category="foreign_participation"), "foreign_participation"),
    ],
)
def test_prohibited_donors_are_returned(payer, reason):
    outcome = run(payer, "1000")
    assert (outcome.verdict, outcome.reasons, outcome.refused) == ("returned", (reason,), Decimal("1000.00"))


def test_foreign_grants_only_when_the_rule_is_on():
    payer = company(category="foreign_grants")
    assert run(payer, "1000").verdict == rules.ACCEPTED
    strict = RuleSet(**{**RULES.__dict__, "prohibited": {**rules.DEFAULT_PROHIBITED, "foreign_grants": "returned"}})
    assert run(payer, "1000", rules_=strict).reasons == ("foreign_grants",)


def test_a_category_dropped_from_the_list_is_allowed():
    lenient = RuleSet(**{**RULES.__dict__, "prohibited": {"anonymous": "to_budget"}})
    assert run(company(category="charity"), "1000", rules_=lenient).verdict == rules.ACCEPTED


def test_handling_to_budget_configured_per_category():
    custom = RuleSet(**{**RULES.__dict__, "prohibited": {**rules.DEFAULT_PROHIBITED, "religious": "to_budget"}})
    outcome = run(company(category="religious"), "1000", rules_=custom)
    assert (outcome.verdict, outcome.handling) == ("to_budget", "to_budget")


@pytest.mark.parametrize("on", [date(2026, 4, 30), date(2026, 8, 1)])
def test_outside_the_fund_period_is_returned(on):
    outcome = run(citizen(), "1000", on=on)
    assert (outcome.verdict, outcome.reasons) == ("returned", ("outside_period",))


@pytest.mark.parametrize("on", [date(2026, 5, 1), date(2026, 7, 31)])
def test_period_bounds_are_inclusive(on):
    assert run(citizen(), "1000", on=on).verdict == rules.ACCEPTED


def test_unregistered_organization_is_held():
    outcome = run(company(in_registry=False, category=""), "1000")
    assert (outcome.verdict, outcome.reasons, outcome.accepted, outcome.refused) == (
        "held",
        ("unverified_org",),
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_missing_declaration_is_held_only_when_required():
    assert run(citizen(), "1000").verdict == rules.ACCEPTED
    strict = RuleSet(**{**RULES.__dict__, "require_declaration": True})
    assert run(citizen(), "1000", rules_=strict).reasons == ("declaration_missing",)
    assert run(citizen(has_declaration=True), "1000", rules_=strict).verdict == rules.ACCEPTED


def test_candidate_money_is_not_held_for_a_declaration():
    strict = RuleSet(**{**RULES.__dict__, "require_declaration": True})
    assert run(Payer(payer_id=CANDIDATE, name="Кандидат"), "1000", rules_=strict).verdict == rules.ACCEPTED


def test_kind_is_inferred_from_the_identifier():
    assert rules.payer_kind(Payer(payer_id=COMPANY, name="x")) == "organization"
    assert rules.payer_kind(Payer(payer_id=CITIZEN, name="x")) == "individual"


def test_a_non_positive_amount_is_an_error():
    with pytest.raises(ValueError):
        run(citizen(), "0")


def test_headroom_and_deadline():
    room = rules.headroom(RULES, rules.DONATIONS, Totals(donations=Decimal("1000")))
    assert room == {"source": CAP_DONATIONS - 1000, "donor": None}
    assert rules.due_on(RULES, date(2026, 5, 25)) == date(2026, 6, 4)


def test_same_purpose_burst_needs_threshold_distinct_donors():
    gifts = [Gift(i, ON, f"p{i % 5}", Decimal("10000"), f"Взнос от сотрудников ТОО Ромашка №{i}") for i in range(7)]
    signals = rules.coercion_signals(gifts, threshold=5, per_donor_cap=None)
    assert len(signals) == 1 and signals[0].donor_count == 5 and signals[0].kind == "same_purpose_burst"
    assert rules.coercion_signals(gifts, threshold=6, per_donor_cap=None) == []


def test_identical_amounts_just_under_the_per_donor_cap():
    gifts = [Gift(i, ON, f"p{i}", Decimal("849000"), "") for i in range(5)]
    signals = rules.coercion_signals(gifts, threshold=5, per_donor_cap=Decimal("850000"))
    assert [s.kind for s in signals] == ["just_under_cap"]
    assert rules.coercion_signals(gifts, threshold=5, per_donor_cap=Decimal("1000000")) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a busy shared machine
@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000000"), places=2),
    used=st.decimals(min_value=Decimal("0"), max_value=Decimal("2000000"), places=2),
    donor_used=st.decimals(min_value=Decimal("0"), max_value=Decimal("2000000"), places=2),
)
def test_outcome_never_exceeds_a_cap_and_adds_up(amount, used, donor_used):
    ruleset = rules.RuleSet(
        candidate_iin="",
        association_bin="",
        fund_opens_on=date(2026, 5, 1),
        fund_closes_on=date(2026, 7, 31),
        cap_donations_mzp=Decimal("20"),
        per_donor_cap_mzp=Decimal("10"),
    )
    payer = rules.Payer(payer_id=CITIZEN, name="Иванов")
    totals = rules.Totals(donations=min(used, ruleset.cap("donations")), donor=min(donor_used, ruleset.per_donor_cap))
    outcome = rules.decide(ruleset, amount=amount, received_on=date(2026, 5, 2), payer=payer, totals=totals)
    assert outcome.accepted + outcome.refused == amount
    assert totals.donations + outcome.accepted <= ruleset.cap("donations")
    assert totals.donor + outcome.accepted <= ruleset.per_donor_cap
    assert (outcome.verdict == "accepted") == (outcome.refused == 0)


# --- Near the cap, employer from the registry, the declaration's version (#22) ----------------------------------


def test_near_cap_floor_is_a_share_of_the_legal_cap_without_a_per_donor_cap():
    assert RULES.near_cap_floor == Decimal("12750000.00")  # 1 % of 15,000 × 85,000 ₸
    assert RuleSet(**{**RULES.__dict__, "near_cap_share": Decimal("0.5")}).near_cap_floor == Decimal("6375000.00")


def test_near_cap_floor_is_the_lower_of_the_share_and_just_under_the_per_donor_cap():
    with_cap = RuleSet(**{**RULES.__dict__, "per_donor_cap_mzp": Decimal("10")})  # 850,000 ₸
    assert with_cap.near_cap_floor == Decimal("807500.00")  # 5 % under it


def test_one_payer_reaching_the_floor_raises_near_cap_dated_when_reached():
    gifts = [
        Gift(1, date(2026, 5, 10), CITIZEN, Decimal("8000000"), ""),
        Gift(2, date(2026, 5, 12), CITIZEN, Decimal("5000000"), ""),
        Gift(3, date(2026, 5, 20), CITIZEN, Decimal("1000"), ""),
        Gift(4, date(2026, 5, 12), "other", Decimal("5000000"), ""),
    ]
    kept = {CITIZEN: Decimal("13001000"), "other": Decimal("5000000")}
    signals = rules.coercion_signals(
        gifts, threshold=5, per_donor_cap=None, near_cap_floor=RULES.near_cap_floor, kept=kept
    )
    assert [(s.kind, s.key, s.on_date, s.donation_ids, s.donor_count) for s in signals] == [
        ("near_cap", CITIZEN, date(2026, 5, 12), (1, 2, 3), 1)
    ]
    assert signals[0].total == Decimal("13001000.00")
    below = {CITIZEN: RULES.near_cap_floor - Decimal("0.01")}
    assert (
        rules.coercion_signals(gifts, threshold=5, per_donor_cap=None, near_cap_floor=RULES.near_cap_floor, kept=below)
        == []
    )


def test_near_cap_counts_the_accepted_part_for_the_day_reached():
    gifts = [
        Gift(1, date(2026, 5, 10), CITIZEN, Decimal("900000"), "", accepted=Decimal("400000")),
        Gift(2, date(2026, 5, 11), CITIZEN, Decimal("500000"), ""),
    ]
    signals = rules.near_cap_signals(gifts, floor=Decimal("807500"), kept={CITIZEN: Decimal("900000")})
    assert signals[0].on_date == date(2026, 5, 11)


def test_same_employer_burst_groups_donors_the_registry_records_with_one_employer():
    gifts = [
        Gift(i, ON, f"p{i}", Decimal("10000"), "", employer=name)
        for i, name in enumerate(
            ["ТОО «Ромашка»", "тоо ромашка", "ТОО Ромашка.", "ТОО  РОМАШКА", "ТОО Ромашка", "АО Лютик"]
        )
    ]
    signals = rules.coercion_signals(gifts, threshold=5, per_donor_cap=None)
    assert [(s.kind, s.key, s.donor_count, s.donation_ids) for s in signals] == [
        ("same_employer_burst", "тоо ромашка", 5, (0, 1, 2, 3, 4))
    ]
    assert rules.coercion_signals(gifts, threshold=6, per_donor_cap=None) == []


def test_declaration_version_is_derived_from_the_text():
    text = "Я вношу свои собственные деньги."
    assert rules.declaration_version(text) == rules.declaration_version(text)
    assert len(rules.declaration_version(text)) == 12
    assert rules.declaration_version(text) != rules.declaration_version(text + " ")
    assert rules.declaration_version(text) != rules.declaration_version(text.replace("свои", "мои"))
