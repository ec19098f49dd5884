"""Intake: each payment decided under the fund's lock, stored with its rule version, reasons and ledger rows."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from coalition.models import AuditEntry
from donations import selectors, services
from donations.models import AppendOnlyError, Decision, Donation, LedgerEntry, Refund, RuleVersion
from tests.donations import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def election():
    return f.election()


def test_accepted_donation_writes_receipt_and_credit(election, finance_officer):
    donation = services.record_donation(
        election=election, incoming=f.incoming(amount="50000"), entered_by=finance_officer
    )
    assert (donation.verdict, donation.accepted_amount) == ("accepted", Decimal("50000.00"))
    kinds = sorted(LedgerEntry.objects.filter(donation=donation).values_list("kind", "amount"))
    assert kinds == [("credit", Decimal("50000.00")), ("receipt", Decimal("50000.00"))]
    decision = Decision.objects.get(donation=donation)
    assert decision.rule_version.number == 1 and decision.decided_by == finance_officer
    assert AuditEntry.objects.filter(action="donations.record_donation", object_id=str(donation.pk)).exists()


def test_over_cap_is_partially_accepted_and_the_excess_returned_by_the_deadline(election):
    services.add_rule_version(
        election=election,
        values={
            **services.default_rule_values(fund_opens_on=f.OPENS, fund_closes_on=f.CLOSES),
            "cap_donations_mzp": Decimal("1"),
        },
        created_by=None,
    )
    donation = services.record_donation(election=election, incoming=f.incoming(amount="85000.01"))
    assert (donation.verdict, donation.accepted_amount, donation.reasons) == (
        "partially_accepted",
        Decimal("85000.00"),
        ["over_cap_donations"],
    )
    refund = Refund.objects.get(donation=donation)
    assert (refund.kind, refund.amount) == ("returned", Decimal("0.01"))
    assert refund.due_on == date(2026, 5, 20)  # 10 days from the day the money arrived
    assert donation.decisions.get().rule_version.number == 2


def test_anonymous_goes_to_budget(election):
    donation = services.record_donation(election=election, incoming=f.incoming(amount="1000", payer_id=""))
    assert donation.verdict == "to_budget"
    assert Refund.objects.get(donation=donation).kind == "to_budget"
    assert not LedgerEntry.objects.filter(donation=donation, kind="credit").exists()


def test_registry_category_decides_a_prohibited_donor(election):
    charity = f.donor(category="charity")
    donation = services.record_donation(
        election=election, incoming=f.incoming(amount="1000", payer_id=charity.identifier, name=charity.name)
    )
    assert (donation.verdict, donation.reasons, donation.donor) == ("returned", ["charity"], charity)


def test_statement_citizenship_decides_an_unknown_individual(election):
    donation = services.record_donation(election=election, incoming=f.incoming(amount="1000", citizenship="UZ"))
    assert donation.reasons == ["foreign_citizen"]


def test_duplicate_bank_reference_is_skipped(election):
    first = services.record_donation(election=election, incoming=f.incoming(amount="1000", reference="X-1"))
    assert first is not None
    assert services.record_donation(election=election, incoming=f.incoming(amount="9999", reference="X-1")) is None
    assert Donation.objects.count() == 1


def test_release_hold_reruns_rules_now(election, finance_officer):
    org_bin = f.bin_()
    donation = services.record_donation(
        election=election, incoming=f.incoming(amount="1000", payer_id=org_bin, name="ТОО Новое", kind="organization")
    )
    assert (donation.verdict, donation.reasons) == ("held", ["unverified_org"])
    assert selectors.fund_totals(election)["held"] == Decimal("1000.00")
    f.donor(identifier=org_bin, category="company")
    decision = services.release_hold(donation=donation, released_by=finance_officer)
    donation.refresh_from_db()
    assert decision.verdict == donation.verdict == "accepted"
    assert donation.decisions.count() == 2
    assert LedgerEntry.objects.filter(donation=donation, kind="credit").count() == 1
    with pytest.raises(ValidationError):
        services.release_hold(donation=donation, released_by=finance_officer)


def test_pledge_reference_supplies_the_declaration(election):
    services.add_rule_version(
        election=election,
        values={
            **services.default_rule_values(fund_opens_on=f.OPENS, fund_closes_on=f.CLOSES),
            "require_declaration": True,
        },
        created_by=None,
    )
    payer = f.iin()
    pledge = services.create_pledge(
        election=election,
        payer_id=payer,
        name="Иванов",
        amount=Decimal("5000"),
        declaration_text="Я даю свои деньги",
        declaration_version="2026-1",
        language="ru",
    )
    held = services.record_donation(election=election, incoming=f.incoming(amount="5000", purpose="Взнос"))
    assert held.reasons == ["declaration_missing"]
    matched = services.record_donation(
        election=election,
        incoming=f.incoming(amount="5000", payer_id=payer, purpose=f"Взнос {pledge.reference.lower()}"),
    )
    assert (matched.verdict, matched.pledge) == ("accepted", pledge)
    # Someone else quoting the reference does not borrow the declaration.
    other = services.record_donation(election=election, incoming=f.incoming(amount="5000", purpose=pledge.reference))
    assert other.verdict == "held" and other.pledge is None


def test_refund_payment_closes_it_with_a_ledger_row(election, finance_officer):
    donation = services.record_donation(election=election, incoming=f.incoming(amount="1000", citizenship="stateless"))
    refund = donation.refunds.get()
    services.record_refund_payment(
        refund=refund, paid_on=date(2026, 5, 12), bank_reference="RET-1", recorded_by=finance_officer
    )
    refund.refresh_from_db()
    assert not refund.is_open and refund.bank_reference == "RET-1"
    assert LedgerEntry.objects.get(refund=refund).kind == "return"
    with pytest.raises(ValidationError):
        services.record_refund_payment(
            refund=refund, paid_on=date(2026, 5, 12), bank_reference="RET-2", recorded_by=finance_officer
        )
    with pytest.raises(ValidationError):
        services.record_refund_payment(
            refund=Refund(pk=refund.pk), paid_on=date(2026, 5, 12), bank_reference=" ", recorded_by=finance_officer
        )


def test_approved_reversal_is_a_new_row_in_the_books_but_frees_no_cap_room(election, finance_officer, superuser):
    donation = services.record_donation(election=election, incoming=f.incoming(amount="1000"))
    correction = services.propose_correction(
        election=election,
        source="donations",
        amount=Decimal("-1000"),
        payer_id=donation.payer_id,
        note="Ошибка банка",
        entry_date=date(2026, 5, 11),
        proposed_by=finance_officer,
    )
    services.approve_correction(correction=correction, approved_by=superuser)
    assert LedgerEntry.objects.filter(payer_id=donation.payer_id).count() == 3  # receipt, credit, correction
    # No money went back to the payer, so the cap still counts it (docs/security.md, "Money limits").
    assert selectors.cap_use(election)["donations"]["used"] == Decimal("1000.00")


def test_ledger_rows_cannot_be_changed_by_the_orm(election):
    services.record_donation(election=election, incoming=f.incoming(amount="1000"))
    entry = LedgerEntry.objects.first()
    entry.amount = Decimal("1")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        Decision.objects.first().delete()


@pytest.mark.parametrize("table", ["donations_ledgerentry", "donations_decision", "donations_ruleversion"])
@pytest.mark.parametrize("sql", ["UPDATE {table} SET id = id", "DELETE FROM {table}"])
def test_append_only_tables_refuse_raw_sql(election, table, sql):
    services.record_donation(election=election, incoming=f.incoming(amount="1000"))
    with pytest.raises(ProgrammingError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.format(table=table))


def test_queryset_update_is_refused_by_the_trigger(election):
    services.record_donation(election=election, incoming=f.incoming(amount="1000"))
    with pytest.raises(ProgrammingError), transaction.atomic():
        LedgerEntry.objects.update(amount=Decimal("1"))


def test_new_rule_version_keeps_the_old_one(election, finance_officer):
    before = selectors.current_rule_version(election)
    values = {**services.default_rule_values(fund_opens_on=f.OPENS, fund_closes_on=f.CLOSES), "return_deadline_days": 5}
    after = services.add_rule_version(election=election, values=values, created_by=finance_officer)
    assert after.number == 2 and selectors.current_rule_version(election) == after
    assert RuleVersion.objects.get(pk=before.pk).return_deadline_days == 10


def test_unknown_prohibited_code_is_refused(election):
    values = {
        **services.default_rule_values(fund_opens_on=f.OPENS, fund_closes_on=f.CLOSES),
        "prohibited": {"martians": "returned"},
    }
    with pytest.raises(ValidationError):
        services.add_rule_version(election=election, values=values, created_by=None)


def test_selectors_totals(election):
    services.record_donation(election=election, incoming=f.incoming(amount="1000", on=date(2026, 5, 2)))
    services.record_donation(election=election, incoming=f.incoming(amount="500", on=date(2026, 5, 3)))
    services.record_donation(election=election, incoming=f.incoming(amount="300", payer_id=""))
    totals = selectors.fund_totals(election)
    assert totals["received"] == Decimal("1800.00") and totals["accepted"] == Decimal("1500.00")
    assert totals["to_budget"] == Decimal("300.00") and totals["flagged"] == Decimal("300.00")
    days = selectors.cumulative_accepted_by_day(election)
    assert [(d, c) for d, _t, c in days] == [
        (date(2026, 5, 2), Decimal("1000.00")),
        (date(2026, 5, 3), Decimal("1500.00")),
    ]
    due = selectors.actions_due(election, today=date(2026, 5, 3))
    assert due["open_count"] == 1 and due["overdue_count"] == 0
    assert {r["verdict"] for r in selectors.verdict_totals(election)} == {"accepted", "to_budget"}


def test_donor_aggregate_uses_the_index(election):
    payer = f.iin()
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            election=election,
            kind="credit",
            source="donations",
            payer_id=f"P{i:011d}",
            amount=Decimal("10"),
            entry_date=date(2026, 5, 10),
        )
        for i in range(5000)
    )
    services.record_donation(election=election, incoming=f.incoming(amount="1000", payer_id=payer))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE donations_ledgerentry")
        cursor.execute(
            "EXPLAIN SELECT SUM(amount) FROM donations_ledgerentry WHERE election_id = %s AND payer_id = %s "
            "AND kind IN ('credit', 'correction')",
            [election.pk, payer],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ledger_donor_aggregate" in plan and "Seq Scan" not in plan


def test_coercion_burst_is_raised_by_the_manual_entry_that_completes_it(election, finance_officer):
    from donations.models import CoercionAlert

    for _ in range(4):
        services.record_donation(
            election=election,
            incoming=f.incoming(amount="10000", purpose="Взнос сотрудника ТОО Ромашка"),
            entered_by=finance_officer,
        )
    assert not CoercionAlert.objects.exists()
    fifth = services.record_donation(
        election=election,
        incoming=f.incoming(amount="10000", purpose="Взнос сотрудника ТОО Ромашка"),
        entered_by=finance_officer,
    )
    alert = CoercionAlert.objects.get()  # raised by the fifth manual entry itself, no import needed
    assert (alert.kind, alert.donor_count) == ("same_purpose_burst", 5)
    assert fifth in alert.donations.all()
    assert services.detect_coercion(election=election) == []  # once per pattern


def test_near_cap_alert_fires_on_a_manual_entry_under_the_default_rules(election, finance_officer):
    from donations.models import CoercionAlert

    payer = f.iin()
    assert election.rule_versions.get().per_donor_cap_mzp is None  # the default: no per-donor cap
    services.record_donation(
        election=election, incoming=f.incoming(amount="12000000", payer_id=payer), entered_by=finance_officer
    )
    assert not CoercionAlert.objects.exists()  # under 1 % of the cap on all donations (12,750,000 ₸)
    second = services.record_donation(
        election=election,
        incoming=f.incoming(amount="750000", payer_id=payer, on=date(2026, 5, 11)),
        entered_by=finance_officer,
    )
    alert = CoercionAlert.objects.get()
    assert (alert.kind, alert.key, alert.on_date, alert.donor_count) == ("near_cap", payer, date(2026, 5, 11), 1)
    assert alert.total == Decimal("12750000.00") and second in alert.donations.all()


def test_near_cap_share_is_rule_version_data(election):
    from donations.models import CoercionAlert

    services.add_rule_version(
        election=election,
        values={
            **services.default_rule_values(fund_opens_on=f.OPENS, fund_closes_on=f.CLOSES),
            "near_cap_share": Decimal("0.01"),  # 127,500 ₸
        },
        created_by=None,
    )
    services.record_donation(election=election, incoming=f.incoming(amount="127500"))
    assert CoercionAlert.objects.get().kind == "near_cap"


def test_employer_burst_uses_the_donor_registry_not_the_purpose(election, finance_officer):
    from donations.models import CoercionAlert

    people = [f.donor(kind="individual", category="citizen", employer="ТОО «Ромашка»") for _ in range(5)]
    purposes = ["Взнос", "Поддержка кандидата", "На выборы", "Пожертвование", ""]  # nothing in common
    for person, purpose in zip(people, purposes, strict=True):
        services.record_donation(
            election=election,
            incoming=f.incoming(amount="10000", payer_id=person.identifier, purpose=purpose),
            entered_by=finance_officer,
        )
    alert = CoercionAlert.objects.get()
    assert (alert.kind, alert.key, alert.donor_count) == ("same_employer_burst", "тоо ромашка", 5)


def test_period_covered_by_a_filed_report_is_locked_for_corrections(election, finance_officer):
    from donations.models import ComplianceReport

    ComplianceReport.objects.create(
        election=election,
        rule_version=election.rule_versions.get(),
        report_date=date(2026, 5, 31),
        format="json",
        content=b"{}",
        sha256="0" * 64,
    )
    kwargs = {
        "election": election,
        "source": "donations",
        "amount": Decimal("-10"),
        "payer_id": "",
        "note": "x",
        "proposed_by": finance_officer,
    }
    with pytest.raises(ValidationError) as refused:
        services.propose_correction(entry_date=date(2026, 5, 31), **kwargs)
    assert refused.value.code == "period_locked"
    assert services.propose_correction(entry_date=date(2026, 6, 1), **kwargs).amount == Decimal("-10")
