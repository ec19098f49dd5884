"""Money limits cannot be walked around (issue #16, class 6): the legal caps hold for every payer, whatever
sequence of payments, proposed and approved corrections and returns the fund sees.

What counts against a cap is the money credited and kept: every credit, every approved correction that adds,
and an approved reversal only when it records money actually paid back to the payer (its bank reference). The
tests compute that from the ledger themselves and check it against the caps of the rule version in force.
"""

from contextlib import suppress
from datetime import timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from hypothesis import example, given, settings
from hypothesis import strategies as st

from coalition.roles import Role
from donations import rules, selectors, services
from donations.models import Correction, LedgerEntry, Refund
from tests.donations import factories as f
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

_slugs = count(1)
_references = count(1)
SMALL_CAPS = {  # caps of a few thousand tenge, so random sequences reach them
    "mzp": Decimal("100"),
    "cap_own_mzp": Decimal("50"),
    "cap_association_mzp": Decimal("70"),
    "cap_donations_mzp": Decimal("150"),
    "per_donor_cap_mzp": Decimal("40"),
}
# One payer of each kind of money: the candidate, the nominating association, three citizens and a company.
PAYERS = ("own", "association", "citizen-1", "citizen-2", "citizen-3", "company")
DONORS = ("citizen-1", "citizen-2", "citizen-3", "company")

amounts = st.integers(min_value=1, max_value=6000).map(Decimal)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.sampled_from(PAYERS), amounts),
        # payer, amount, reversing?, money paid back (with a bank reference)?, approved at once by a second officer?
        st.tuples(st.just("correct"), st.sampled_from(PAYERS), amounts, st.booleans(), st.booleans(), st.booleans()),
        # decide a correction left pending earlier, later (after other payments): approve or reject
        st.tuples(st.just("decide"), st.integers(min_value=0, max_value=5), st.booleans()),
        # pay an open return or budget transfer
        st.tuples(st.just("refund"), st.integers(min_value=0, max_value=10)),
    ),
    min_size=1,
    max_size=12,
)
# The finding: the full per-donor cap, a reversal by one insider, then the full cap again.
WALK_AROUND = [
    ("pay", "citizen-1", Decimal("4000")),
    ("correct", "citizen-1", Decimal("4000"), True, False, True),
    ("pay", "citizen-1", Decimal("4000")),
]


def kept(election, **filters) -> Decimal:
    """Money credited and kept, summed straight from the ledger rows."""
    counted = Q(kind="credit") | Q(kind="correction") & (Q(amount__gt=0) | ~Q(bank_reference=""))
    return LedgerEntry.objects.filter(counted, election=election, **filters).aggregate(
        total=Sum("amount", default=rules.ZERO)
    )["total"]


def assert_caps_hold(election, ids) -> None:
    ruleset = selectors.current_rule_version(election).as_rules(election)
    for source in rules.SOURCES:
        assert kept(election, source=source) <= ruleset.cap(source), source
    for payer, payer_id in ids.items():
        assert kept(election, payer_id=payer_id) >= 0, payer
        if payer in DONORS:
            assert kept(election, payer_id=payer_id) <= ruleset.per_donor_cap, payer


def _apply(election, ids, step, officers) -> None:
    action, *args = step
    if action == "pay":
        payer, amount = args
        services.record_donation(
            election=election,
            incoming=f.incoming(amount=amount, payer_id=ids[payer], reference=f"PAY-{next(_references)}"),
        )
    elif action == "correct":
        payer, amount, reverse, paid_back, approve = args
        ruleset = selectors.current_rule_version(election).as_rules(election)
        before = selectors.cap_totals(election, ids[payer])
        correction = services.propose_correction(
            election=election,
            source=rules.classify_source(ruleset, ids[payer]),
            amount=-amount if reverse else amount,
            payer_id=ids[payer],
            note="Исправление",
            entry_date=f.OPENS + timedelta(days=20),
            returned_reference=f"BACK-{next(_references)}" if reverse and paid_back else "",
            proposed_by=officers[0],
        )
        # A pending correction changes no total.
        assert selectors.cap_totals(election, ids[payer]) == before
        if approve:
            services.approve_correction(correction=correction, approved_by=officers[1])
    elif action == "decide":
        index, approve = args
        pending = list(Correction.objects.filter(election=election, status="pending").order_by("pk"))
        if pending:
            correction = pending[index % len(pending)]
            if approve:
                services.approve_correction(correction=correction, approved_by=officers[1])
            else:
                services.reject_correction(correction=correction, rejected_by=officers[1])
    elif action == "refund":
        open_refunds = list(Refund.objects.filter(election=election, completed_on__isnull=True).order_by("pk"))
        if open_refunds:
            services.record_refund_payment(
                refund=open_refunds[args[0] % len(open_refunds)],
                paid_on=f.OPENS + timedelta(days=15),
                bank_reference=f"RET-{next(_references)}",
                recorded_by=officers[0],
            )


@pytest.fixture
def officers(finance_officer):
    """Two finance officers: the proposer (bolat) and a second one who decides (aliya)."""
    second = UserFactory(username="aliya")
    second.groups.add(Group.objects.get(name=Role.FINANCE_OFFICER))
    return finance_officer, second


def _fund(slug: str):
    election = f.election(slug=slug, **SMALL_CAPS)
    company = f.donor(kind="organization", category="company").identifier
    ids = {
        "own": election.candidate_iin,
        "association": election.association_bin,
        "citizen-1": f.iin(),
        "citizen-2": f.iin(),
        "citizen-3": f.iin(),
        "company": company,
    }
    return election, ids


@settings(max_examples=60, deadline=None)
@given(steps=steps)
@example(steps=WALK_AROUND)
@example(steps=[("correct", "own", Decimal("5001"), False, False, True)])  # a correction alone past the cap
def test_kept_totals_stay_within_the_legal_caps_after_any_sequence(officers, steps):
    election, ids = _fund(f"caps-{next(_slugs)}")
    for step in steps:
        with suppress(ValidationError):  # a refused step is fine: what matters is what was kept
            _apply(election, ids, step, officers)
        assert_caps_hold(election, ids)


def test_a_reversal_by_an_insider_frees_no_cap_room(officers):
    election, ids = _fund("walk-around")
    for step in WALK_AROUND:
        _apply(election, ids, step, officers)
    again = LedgerEntry.objects.filter(election=election, kind="receipt").latest("pk").donation
    assert again.verdict == rules.RETURNED
    assert again.reasons == [rules.OVER_PER_DONOR_CAP]
    assert selectors.cap_use(election)["donations"]["used"] == Decimal("4000.00")


def test_money_paid_back_frees_the_room_once_approved(officers):
    election, ids = _fund("paid-back")
    _apply(election, ids, ("pay", "citizen-1", Decimal("4000")), officers)
    correction = services.propose_correction(
        election=election,
        source=rules.DONATIONS,
        amount=Decimal("-1500"),
        payer_id=ids["citizen-1"],
        note="Возврат по заявлению донора",
        entry_date=f.OPENS + timedelta(days=20),
        returned_reference="BACK-1",
        proposed_by=officers[0],
    )
    assert selectors.cap_totals(election, ids["citizen-1"]).donor == Decimal("4000.00")
    services.approve_correction(correction=correction, approved_by=officers[1])
    assert selectors.cap_totals(election, ids["citizen-1"]).donor == Decimal("2500.00")
    again = services.record_donation(election=election, incoming=f.incoming(amount="2000", payer_id=ids["citizen-1"]))
    assert (again.verdict, again.accepted_amount) == (rules.PARTIALLY_ACCEPTED, Decimal("1500.00"))
