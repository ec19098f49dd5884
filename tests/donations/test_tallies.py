"""The fund's tallies (kept by database triggers) always equal the plain aggregates over the base tables."""

import io
from contextlib import suppress
from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from donations import demo, rules, selectors, services
from donations.models import Donation, DonationTally, Donor, LedgerDayTally, LedgerEntry, Refund, RefundTally
from tests.donations import factories as f

pytestmark = pytest.mark.django_db

ZERO = Decimal("0.00")


def assert_tallies_match() -> None:
    """Every tally row equals the GROUP BY of its base table (over every election), and nothing is missing."""
    ledger = {
        (r["election_id"], r["entry_date"], r["kind"], r["source"]): (r["total"], r["n"])
        for r in LedgerEntry.objects.values("election_id", "entry_date", "kind", "source").annotate(
            total=Sum("amount"), n=Count("pk")
        )
    }
    assert {
        (t.election_id, t.entry_date, t.kind, t.source): (t.amount, t.entries)
        for t in LedgerDayTally.objects.exclude(entries=0)
    } == ledger
    donations = {
        (r["election_id"], r["verdict"], r["source"]): (r["n"], r["total"], r["accepted"])
        for r in Donation.objects.values("election_id", "verdict", "source").annotate(
            n=Count("pk"), total=Sum("amount"), accepted=Sum("accepted_amount")
        )
    }
    donation_tally = {
        (t.election_id, t.verdict, t.source): (t.number, t.amount, t.accepted_amount)
        for t in DonationTally.objects.all()
    }
    assert {key: value for key, value in donation_tally.items() if value != (0, ZERO, ZERO)} == donations
    is_open = ExpressionWrapper(Q(completed_on__isnull=True), output_field=BooleanField())
    refunds = {
        (r["election_id"], r["kind"], r["is_open"]): (r["n"], r["total"])
        for r in Refund.objects.annotate(is_open=is_open)
        .values("election_id", "kind", "is_open")
        .annotate(n=Count("pk"), total=Sum("amount"))
    }
    refund_tally = {(t.election_id, t.kind, t.is_open): (t.number, t.amount) for t in RefundTally.objects.all()}
    assert {key: value for key, value in refund_tally.items() if value != (0, ZERO)} == refunds
    # The denormalised election of a return is its donation's.
    assert not Refund.objects.exclude(election_id=F("donation__election_id")).exists()


def plain_actions_due(election, today: date, within_days: int = 2) -> dict:
    """The overdue and due-soon figures as the plain aggregate over the returns (what the selector replaced)."""
    refunds = Refund.objects.filter(donation__election=election, completed_on__isnull=True)
    soon = Q(due_on__gte=today, due_on__lte=today + timedelta(days=within_days))
    return refunds.aggregate(
        open_count=Count("pk"),
        open_amount=Sum("amount", default=ZERO),
        overdue_count=Count("pk", filter=Q(due_on__lt=today)),
        overdue_amount=Sum("amount", filter=Q(due_on__lt=today), default=ZERO),
        due_soon_count=Count("pk", filter=soon),
        due_soon_amount=Sum("amount", filter=soon, default=ZERO),
    )


def plain_fund_totals(election) -> dict:
    ledger = LedgerEntry.objects.filter(election=election)
    donations = Donation.objects.filter(election=election)
    refunds = Refund.objects.filter(donation__election=election)

    def total(queryset, **filters):
        return queryset.filter(**filters).aggregate(s=Sum("amount", default=ZERO))["s"]

    return {
        "received": total(ledger, kind="receipt"),
        "accepted": total(ledger, kind__in=["credit", "correction"]),
        "returned_paid": total(ledger, kind="return"),
        "to_budget_paid": total(ledger, kind="to_budget"),
        "held": total(donations, verdict=rules.HELD),
        "flagged": donations.exclude(verdict=rules.ACCEPTED).aggregate(s=Sum("amount", default=ZERO))["s"],
        "count": donations.count(),
        "returned": total(refunds, kind=rules.RETURNED),
        "to_budget": total(refunds, kind=rules.TO_BUDGET),
    }


# --- The property: any sequence of the fund's writes keeps the tallies exact -------------------------------------

_slugs = count(1)
_references = count(1)

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("3000000"), places=2)
days = st.integers(min_value=0, max_value=60)
payers = st.sampled_from(["citizen", "new_org", "anonymous", "foreign"])
steps = st.lists(
    st.one_of(
        st.tuples(st.just("intake"), amounts, days, payers),
        st.tuples(st.just("import"), st.lists(st.tuples(amounts, days, payers), min_size=1, max_size=5)),
        st.tuples(st.just("release"), st.integers(min_value=0, max_value=10)),
        st.tuples(st.just("pay"), st.integers(min_value=0, max_value=10), days),
        st.tuples(
            st.just("correct"),
            st.decimals(min_value=Decimal("-50000"), max_value=Decimal("50000"), places=2).filter(bool),
            days,
        ),
    ),
    min_size=1,
    max_size=8,
)


def _payer(kind: str) -> dict:
    if kind == "citizen":
        return {"payer_id": f.iin()}
    if kind == "new_org":  # not in the registry: held until it is
        return {"payer_id": f.bin_(), "kind": "organization", "name": "ТОО Новое"}
    if kind == "foreign":
        return {"payer_id": f.iin(), "citizenship": "UZ"}
    return {"payer_id": ""}


def _csv_row(amount: Decimal, day: date, kind: str) -> list[str]:
    payer = _payer(kind)
    return [
        day.isoformat(),
        f"IMP-{next(_references)}",
        str(amount),
        "KZT",
        payer.get("name", "Иванов Иван"),
        payer["payer_id"],
        payer.get("kind", "individual" if payer["payer_id"] else ""),
        payer.get("citizenship", ""),
        "Взнос",
    ]


def _officers():
    """Two finance officers: corrections are proposed by one and approved by the other (four eyes)."""
    from django.contrib.auth.models import Group

    from coalition.roles import Role
    from tests.factories import UserFactory

    group = Group.objects.get(name=Role.FINANCE_OFFICER)
    officers = []
    for username in ("tally-proposer", "tally-approver"):
        user = UserFactory._meta.model.objects.filter(username=username).first() or UserFactory(username=username)
        user.groups.add(group)
        officers.append(user)
    return officers


def _apply(election, step) -> None:
    action, *args = step
    if action == "intake":
        amount, day, kind = args
        services.record_donation(
            election=election,
            incoming=f.incoming(amount=amount, on=f.OPENS + timedelta(days=day), **_payer(kind)),
        )
    elif action == "import":
        rows = [_csv_row(amount, f.OPENS + timedelta(days=day), kind) for amount, day, kind in args[0]]
        services.import_bank_statement(
            election=election, file_name=f"s{next(_references)}.csv", content=f.statement_csv(rows)
        )
    elif action == "release":
        held = list(Donation.objects.filter(election=election, verdict=rules.HELD).order_by("pk"))
        if held:
            donation = held[args[0] % len(held)]
            if not Donor.objects.filter(identifier=donation.payer_id).exists():
                f.donor(identifier=donation.payer_id, category="company")
            services.release_hold(donation=donation, released_by=None)
    elif action == "pay":
        open_refunds = list(Refund.objects.filter(election=election, completed_on__isnull=True).order_by("pk"))
        if open_refunds:
            refund = open_refunds[args[0] % len(open_refunds)]
            services.record_refund_payment(
                refund=refund,
                paid_on=f.OPENS + timedelta(days=args[1]),
                bank_reference=f"PAY-{next(_references)}",
                recorded_by=None,
            )
    elif action == "correct":
        amount, day = args
        proposer, approver = _officers()
        correction = services.propose_correction(
            election=election,
            source=rules.DONATIONS,
            amount=amount,
            payer_id="",
            note="Исправление",
            entry_date=f.OPENS + timedelta(days=day),
            proposed_by=proposer,
        )
        with suppress(ValidationError):  # one past the cap is refused: the tallies must match either way
            services.approve_correction(correction=correction, approved_by=approver)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, today=days)
def test_tallies_equal_the_plain_aggregates_after_any_sequence_of_writes(steps, today):
    election = f.election(slug=f"tally-{next(_slugs)}")
    for step in steps:
        _apply(election, step)
    assert_tallies_match()
    assert selectors.fund_totals(election) == plain_fund_totals(election)
    on = f.OPENS + timedelta(days=today)
    assert selectors.actions_due(election, today=on) == plain_actions_due(election, on)
    assert selectors.fund_overview(election, None, today=on)["due"] == plain_actions_due(election, on)


# --- Writes outside the app ------------------------------------------------------------------------------------


def test_raw_sql_update_and_delete_on_donations_keep_the_tallies_right():
    election = f.election()
    for amount in ("1000", "2500.50", "70000"):
        services.record_donation(election=election, incoming=f.incoming(amount=amount))
    services.record_donation(election=election, incoming=f.incoming(amount="300", payer_id=""))
    # A donation without decisions or ledger rows, so raw SQL may delete it.
    loose = Donation.objects.create(
        election=election,
        bank_reference="LOOSE-1",
        received_on=f.OPENS,
        amount=Decimal("42.00"),
        source=rules.DONATIONS,
        verdict=rules.HELD,
        accepted_amount=ZERO,
    )
    assert_tallies_match()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE donations_donation SET verdict = 'returned', accepted_amount = 0 WHERE election_id = %s "
            "AND amount > 2000",
            [election.pk],
        )
        assert cursor.rowcount == 2
        cursor.execute("UPDATE donations_donation SET purpose = 'no change to any total'")
        assert_tallies_match()
        cursor.execute("DELETE FROM donations_donation WHERE id = %s", [loose.pk])
    assert_tallies_match()
    verdicts = {row["verdict"]: row["count"] for row in selectors.verdict_totals(election)}
    assert verdicts == {"accepted": 1, "returned": 2, "to_budget": 1}
    assert selectors.donation_count(election) == 4


def test_raw_sql_on_returns_keeps_the_open_and_paid_tallies_right():
    election = f.election()
    for _ in range(3):
        services.record_donation(election=election, incoming=f.incoming(amount="500", payer_id=""))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE donations_refund SET completed_on = due_on, bank_reference = 'RAW' "
            "WHERE id = (SELECT MIN(id) FROM donations_refund)"
        )
    assert_tallies_match()
    assert selectors.actions_due(election, today=f.OPENS)["open_count"] == 2


def test_the_demo_data_has_matching_tallies():
    from members import demo as members_demo

    members_demo.load_organizations()
    demo.load(io.StringIO())
    assert_tallies_match()


@pytest.mark.slow
def test_the_benchmark_data_set_has_matching_tallies():
    from bench import generate

    loaded = generate.generate(0.001, out=io.StringIO())
    assert loaded.counts["donations"] > 0
    assert DonationTally.objects.filter(election_id=loaded.election_id).exists()
    assert_tallies_match()
