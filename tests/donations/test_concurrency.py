"""Parallel intake on real, separate database connections never lets the accepted total pass a cap."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from donations import rules, selectors, services
from donations.models import Donation
from tests.donations import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20


def _run_in_parallel(election, payer_ids, amount):
    barrier = threading.Barrier(THREADS)
    errors = []

    def worker(i):
        try:
            barrier.wait(timeout=30)
            services.record_donation(
                election=election, incoming=f.incoming(amount=amount, payer_id=payer_ids[i], reference=f"P-{i}")
            )
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def test_parallel_donations_never_exceed_the_donations_cap():
    # Cap: 0.1 × 85,000 = 8,500 ₸; twenty gifts of 1,000 ₸ at once.
    election = f.election(cap_donations_mzp=Decimal("0.1"))
    _run_in_parallel(election, [f.iin() for _ in range(THREADS)], "1000")
    assert selectors.cap_use(election)["donations"]["used"] == Decimal("8500.00")
    verdicts = sorted(Donation.objects.values_list("verdict", flat=True))
    assert verdicts.count(rules.ACCEPTED) == 8 and verdicts.count(rules.PARTIALLY_ACCEPTED) == 1
    assert verdicts.count(rules.RETURNED) == 11


def test_parallel_gifts_of_one_donor_never_exceed_the_per_donor_cap():
    election = f.election(per_donor_cap_mzp=Decimal("0.05"))  # 4,250 ₸
    payer = f.iin()
    _run_in_parallel(election, [payer] * THREADS, "1000")
    assert services.fund_totals(election, payer).donor == Decimal("4250.00")
