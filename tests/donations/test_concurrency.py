"""Parallel intake in 50 separate processes (each its own database connection) never lets the accepted total pass a cap.

A plain check-then-insert overshoots under this load (docs/conventions.md "Limits under concurrency"); the intake
locks the election row, so the caps hold exactly.
"""

from decimal import Decimal

import pytest

from donations import rules, selectors, services
from donations.models import Donation
from tests.donations import factories as f
from tests.parallel import run_in_processes

pytestmark = pytest.mark.django_db(transaction=True)

PROCESSES = 50


def _give(election_pk: int, payer_id: str, amount: str, reference: str) -> str:
    from donations.models import Election

    election = Election.objects.get(pk=election_pk)
    donation = services.record_donation(
        election=election, incoming=f.incoming(amount=amount, payer_id=payer_id, reference=reference)
    )
    return donation.verdict


def test_fifty_parallel_gifts_of_one_donor_never_exceed_the_per_donor_cap():
    election = f.election(per_donor_cap_mzp=Decimal("0.05"))  # 0.05 × 85,000 = 4,250 ₸
    payer = f.iin()
    verdicts = run_in_processes(_give, [(election.pk, payer, "1000", f"P-{i}") for i in range(PROCESSES)])

    assert selectors.cap_totals(election, payer).donor == Decimal("4250.00")
    assert verdicts.count(rules.ACCEPTED) == 4 and verdicts.count(rules.PARTIALLY_ACCEPTED) == 1
    assert verdicts.count(rules.RETURNED) == PROCESSES - 5  # the rest is refused and goes back to the donor
    over = Donation.objects.filter(verdict=rules.RETURNED)
    assert over.count() == PROCESSES - 5
    assert all(rules.OVER_PER_DONOR_CAP in donation.reasons for donation in over)
    assert sum(d.accepted_amount for d in Donation.objects.all()) == Decimal("4250.00")


def test_fifty_parallel_donors_never_exceed_the_donations_cap():
    # Cap on all donations: 0.1 × 85,000 = 8,500 ₸; fifty different donors give 1,000 ₸ at the same moment.
    election = f.election(cap_donations_mzp=Decimal("0.1"))
    verdicts = run_in_processes(_give, [(election.pk, f.iin(), "1000", f"D-{i}") for i in range(PROCESSES)])

    assert selectors.cap_use(election)["donations"]["used"] == Decimal("8500.00")
    assert verdicts.count(rules.ACCEPTED) == 8 and verdicts.count(rules.PARTIALLY_ACCEPTED) == 1
    assert verdicts.count(rules.RETURNED) == PROCESSES - 9
