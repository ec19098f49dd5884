"""Intake: each incoming payment decided under the fund's lock, and what follows from a decision.

Intake decisions lock the election's row (``SELECT ... FOR UPDATE``) while they read the fund's totals, decide
and write: two payments for the same fund are then decided one after the other, so together they can never pass
a cap (plain check-then-insert overshot caps by 12-22 % under load, see docs/conventions.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from donations import rules, selectors
from donations.models import (
    Decision,
    Donation,
    Donor,
    Election,
    LedgerEntry,
    Pledge,
    Refund,
    RuleVersion,
    StatementImport,
)
from donations.parsing import StatementRow
from donations.services import bulk
from donations.services.alerts import detect_coercion

PLEDGE_REFERENCE = re.compile(r"\bEF-[A-Z0-9]{8}\b")


# --- Intake -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    """One incoming payment, from a statement row or the manual entry form."""

    bank_reference: str
    received_on: date
    amount: Decimal
    payer_id: str
    payer_name: str
    payer_kind: str = ""
    payer_citizenship: str = ""
    purpose: str = ""
    currency: str = "KZT"
    line: int | None = None

    def payer(self, *, donor: Donor | None, pledge) -> rules.Payer:
        """The engine's view of this payment's payer (the registry's record when there is one)."""
        return payer_for(
            payer_id=self.payer_id,
            name=self.payer_name,
            kind=self.payer_kind,
            citizenship=self.payer_citizenship,
            donor=donor,
            pledge=pledge,
        )

    @classmethod
    def from_row(cls, row: StatementRow) -> Incoming:
        return cls(
            bank_reference=row.bank_reference,
            received_on=row.received_on,
            amount=row.amount,
            payer_id=row.payer_id,
            payer_name=row.payer_name,
            payer_kind=row.payer_kind,
            payer_citizenship=row.payer_citizenship,
            purpose=row.purpose,
            currency=row.currency,
            line=row.line,
        )


def _pledge_for(election: Election, incoming: Incoming) -> Pledge | None:
    references = PLEDGE_REFERENCE.findall(incoming.purpose.upper())
    if not references or not incoming.payer_id:
        return None
    # A declaration counts only for the person who made it: the reference must be this payer's.
    return Pledge.objects.filter(election=election, reference__in=references, payer_id=incoming.payer_id).first()


def payer_for(*, payer_id: str, name: str, kind: str, citizenship: str, donor: Donor | None, pledge) -> rules.Payer:
    """Return the engine's view of the payer: the registry's record when there is one, else the statement's."""
    if donor is not None:
        return rules.Payer(
            payer_id=payer_id,
            name=name or donor.name,
            kind=donor.kind,
            citizenship=donor.citizenship,
            category=donor.category,
            in_registry=True,
            has_declaration=donor.declaration_on_file or pledge is not None,
        )
    return rules.Payer(
        payer_id=payer_id,
        name=name,
        kind=kind,
        citizenship=citizenship or "KZ",
        in_registry=False,
        has_declaration=pledge is not None,
    )


def record_donation(
    *, election: Election, incoming: Incoming, statement: StatementImport | None = None, entered_by=None
) -> Donation | None:
    """Decide and record one incoming payment; return None if its bank reference is already in the ledger."""
    if incoming.currency.upper() != "KZT":
        raise ValidationError(_("Only payments in tenge (KZT) can be recorded."))
    with transaction.atomic():
        # The lock: every decision on this fund waits here for the one before it to commit.
        election = Election.objects.select_for_update().get(pk=election.pk)
        if Donation.objects.filter(election=election, bank_reference=incoming.bank_reference).exists():
            return None
        version = selectors.current_rule_version(election)
        if version is None:
            raise ValidationError(_("The election has no rules yet."))
        donor = Donor.objects.filter(identifier=incoming.payer_id).first() if incoming.payer_id else None
        pledge = _pledge_for(election, incoming)
        payer = incoming.payer(donor=donor, pledge=pledge)
        ruleset = version.as_rules(election)
        outcome = rules.decide(
            ruleset,
            amount=incoming.amount,
            received_on=incoming.received_on,
            payer=payer,
            totals=selectors.cap_totals(election, incoming.payer_id),
        )
        user = acting_user(entered_by)
        donation = Donation(
            **_donation(
                election,
                incoming,
                payer,
                outcome,
                donor=donor,
                pledge=pledge,
                statement=statement,
                entered_by_id=user.pk if user else None,
            )
        )
        donation.save(force_insert=True)
        LedgerEntry(**_receipt(_values(donation), outcome, created_by_id=user.pk if user else None)).save(
            force_insert=True
        )
        decision = _store_outcome(
            donation=donation, version=version, ruleset=ruleset, outcome=outcome, decided_by=entered_by
        )
        if entered_by is not None:  # a statement import writes one audit entry for the whole file
            audit.record(
                actor=entered_by,
                action="donations.record_donation",
                obj=donation,
                data={"verdict": decision.verdict, "reasons": decision.reasons, "rule_version": version.number},
            )
    if statement is None:
        # A manual entry is checked for coercion patterns at once, as a statement import is once it ends.
        detect_coercion(election=election)
    return donation


def record_donations(
    *, election: Election, incomings: list[Incoming], statement: StatementImport | None = None
) -> list[str | None]:
    """Decide and record a batch of incoming payments (a statement import's) in one transaction, in order.

    The decisions are those :func:`record_donation` would make one by one: under the fund's lock the fund's
    totals are read once and carried forward in memory from each decision to the next, and the rows are written
    with one ``COPY`` per table instead of a handful of queries per payment. Returns, per incoming payment, the
    verdict on it, or None when its bank reference is already in the ledger (or earlier in the batch).
    """
    if any(incoming.currency.upper() != "KZT" for incoming in incomings):
        raise ValidationError(_("Only payments in tenge (KZT) can be recorded."))
    with transaction.atomic():
        election = Election.objects.select_for_update().get(pk=election.pk)
        existing = set(
            Donation.objects.filter(
                election=election, bank_reference__in=[incoming.bank_reference for incoming in incomings]
            ).values_list("bank_reference", flat=True)
        )
        version = selectors.current_rule_version(election)
        if version is None:
            raise ValidationError(_("The election has no rules yet."))
        ruleset = version.as_rules(election)
        payer_ids = {incoming.payer_id for incoming in incomings if incoming.payer_id}
        donors = {donor.identifier: donor for donor in Donor.objects.filter(identifier__in=payer_ids)}
        references = {
            incoming.bank_reference: PLEDGE_REFERENCE.findall(incoming.purpose.upper()) for incoming in incomings
        }
        wanted = {ref for refs in references.values() for ref in refs}
        pledges = {
            pledge.reference: pledge
            for pledge in (
                Pledge.objects.filter(election=election, reference__in=wanted, payer_id__in=payer_ids) if wanted else []
            )
        }
        totals = selectors.cap_totals(election, "")
        by_source = {rules.OWN: totals.own, rules.ASSOCIATION: totals.association, rules.DONATIONS: totals.donations}
        by_donor = dict(
            LedgerEntry.objects.filter(selectors.KEPT, election=election, payer_id__in=payer_ids)
            .values("payer_id")
            .annotate(total=Sum("amount"))
            .values_list("payer_id", "total")
        )
        seen: set[str] = set()
        planned: list[tuple[dict, rules.Outcome] | None] = []
        for incoming in incomings:
            if incoming.bank_reference in existing or incoming.bank_reference in seen:
                planned.append(None)
                continue
            seen.add(incoming.bank_reference)
            donor = donors.get(incoming.payer_id) if incoming.payer_id else None
            candidates = [
                pledges[ref]
                for ref in references[incoming.bank_reference]
                if ref in pledges and pledges[ref].payer_id == incoming.payer_id
            ]
            pledge = max(candidates, key=lambda p: p.declared_at) if candidates and incoming.payer_id else None
            payer = incoming.payer(donor=donor, pledge=pledge)
            outcome = rules.decide(
                ruleset,
                amount=incoming.amount,
                received_on=incoming.received_on,
                payer=payer,
                totals=rules.Totals(
                    own=by_source[rules.OWN],
                    association=by_source[rules.ASSOCIATION],
                    donations=by_source[rules.DONATIONS],
                    donor=by_donor.get(incoming.payer_id, rules.ZERO) if incoming.payer_id else rules.ZERO,
                ),
            )
            if outcome.accepted > 0:
                by_source[outcome.source] += outcome.accepted
                if incoming.payer_id:
                    by_donor[incoming.payer_id] = by_donor.get(incoming.payer_id, rules.ZERO) + outcome.accepted
            donation = _donation(election, incoming, payer, outcome, donor=donor, pledge=pledge, statement=statement)
            planned.append((donation, outcome))
        _write_batch(version=version, ruleset=ruleset, planned=planned)
    return [plan[1].verdict if plan else None for plan in planned]


# The rows a decision writes are built in one place each, as plain dicts of column values by attname: the single
# path saves them as model instances, the batch path streams them with COPY (bulk.py) without building instances.


def _donation(election, incoming, payer, outcome, *, donor, pledge, statement, **extra) -> dict:
    """The donation row for one incoming payment and the rules' decision on it."""
    return {
        "election_id": election.pk,
        "bank_reference": incoming.bank_reference,
        "received_on": incoming.received_on,
        "amount": incoming.amount,
        "currency": "KZT",
        "payer_id": incoming.payer_id,
        "payer_name": incoming.payer_name,
        "payer_kind": rules.payer_kind(payer) if incoming.payer_id else incoming.payer_kind,
        "payer_citizenship": payer.citizenship,
        "purpose": incoming.purpose,
        "source": outcome.source,
        "donor_id": donor.pk if donor is not None else None,
        "pledge_id": pledge.pk if pledge is not None else None,
        "statement_id": statement.pk if statement is not None else None,
        "line": incoming.line,
        "verdict": outcome.verdict,
        "accepted_amount": outcome.accepted,
        "reasons": list(outcome.reasons),
        **extra,
    }


def _write_batch(*, version: RuleVersion, ruleset: rules.RuleSet, planned) -> None:
    """Write a batch's donations, decisions, receipts and credits, and returns with one COPY per table.

    The ids come out as the bulk inserts gave them: donations and decisions in the batch's order, then the
    ledger's receipts followed by its credits. Only donations and decisions draw theirs first: other rows refer
    to them.
    """
    plans = [plan for plan in planned if plan]
    if not plans:
        return
    for (donation, _outcome), pk in zip(plans, bulk.draw_ids(Donation, len(plans)), strict=True):
        donation["id"] = pk
    decisions = [_decision(donation, version, outcome) for donation, outcome in plans]
    for decision, pk in zip(decisions, bulk.draw_ids(Decision, len(decisions)), strict=True):
        decision["id"] = pk
    ledger = [_receipt(donation, outcome) for donation, outcome in plans]
    refunds = []
    for (donation, outcome), decision in zip(plans, decisions, strict=True):
        credit, refund = _settlement(donation, decision, outcome, ruleset, day=donation["received_on"])
        if credit:
            ledger.append(credit)
        if refund:
            refunds.append(refund)
    bulk.copy_rows(Donation, [donation for donation, _outcome in plans])
    bulk.copy_rows(Decision, decisions)
    bulk.copy_rows(LedgerEntry, ledger)
    bulk.copy_rows(Refund, refunds)


def _values(instance) -> dict:
    """A saved model instance as a row: its column values by attname."""
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def _receipt(donation: dict, outcome, **extra) -> dict:
    """The ledger receipt of the money that arrived."""
    return {
        "election_id": donation["election_id"],
        "donation_id": donation["id"],
        "kind": LedgerEntry.Kind.RECEIPT,
        "source": outcome.source,
        "payer_id": donation["payer_id"],
        "amount": donation["amount"],
        "entry_date": donation["received_on"],
        "bank_reference": donation["bank_reference"],
        **extra,
    }


def _decision(donation: dict, version: RuleVersion, outcome, **extra) -> dict:
    """The decision the rules of ``version`` took on ``donation``."""
    return {
        "donation_id": donation["id"],
        "rule_version_id": version.pk,
        "verdict": outcome.verdict,
        "accepted_amount": outcome.accepted,
        "refused_amount": outcome.refused,
        "handling": outcome.handling,
        "reasons": list(outcome.reasons),
        **extra,
    }


def _settlement(donation: dict, decision: dict, outcome, ruleset, *, day, created_by_id=None):
    """The credit of the accepted part and the return/transfer of the refused part, each a row or None."""
    credit = refund = None
    if outcome.accepted > 0:
        credit = {
            "election_id": donation["election_id"],
            "donation_id": donation["id"],
            "decision_id": decision["id"],
            "kind": LedgerEntry.Kind.CREDIT,
            "source": outcome.source,
            "payer_id": donation["payer_id"],
            "amount": outcome.accepted,
            "entry_date": day,
            "bank_reference": donation["bank_reference"],
            "created_by_id": created_by_id,
        }
    if outcome.refused > 0 and outcome.handling:
        refund = {
            "election_id": donation["election_id"],
            "donation_id": donation["id"],
            "decision_id": decision["id"],
            "kind": outcome.handling,
            "amount": outcome.refused,
            "reasons": list(outcome.reasons),
            "due_on": rules.due_on(ruleset, day),
        }
    return credit, refund


def acting_user(user):
    """Return ``user`` when it is a signed-in person (jobs and the public act as nobody)."""
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _store_outcome(
    *, donation: Donation, version: RuleVersion, ruleset: rules.RuleSet, outcome, decided_by, released: bool = False
) -> Decision:
    user = acting_user(decided_by)
    row = _values(donation)
    decision = Decision(**_decision(row, version, outcome, decided_by_id=user.pk if user else None))
    decision.save(force_insert=True)
    # The credit is dated, and the return's deadline runs, from the day the money arrived; for a released hold,
    # from the release.
    day = timezone.localdate() if released else donation.received_on
    credit, refund = _settlement(
        row, _values(decision), outcome, ruleset, day=day, created_by_id=user.pk if user else None
    )
    if credit:
        LedgerEntry(**credit).save(force_insert=True)
    if refund:
        Refund(**refund).save(force_insert=True)
    return decision


def release_hold(*, donation: Donation, released_by) -> Decision:
    """Re-run the rules on a held donation, as they stand now; return the new decision."""
    with transaction.atomic():
        election = Election.objects.select_for_update().get(pk=donation.election_id)
        donation = Donation.objects.select_for_update().get(pk=donation.pk)
        if donation.verdict != rules.HELD:
            raise ValidationError(_("Only held donations can be released."))
        version = selectors.current_rule_version(election)
        if version is None:
            raise ValidationError(_("The election has no rules yet."))
        donor = Donor.objects.filter(identifier=donation.payer_id).first() if donation.payer_id else None
        pledge = donation.pledge
        payer = payer_for(
            payer_id=donation.payer_id,
            name=donation.payer_name,
            kind=donation.payer_kind,
            citizenship=donation.payer_citizenship,
            donor=donor,
            pledge=pledge,
        )
        ruleset = version.as_rules(election)
        outcome = rules.decide(
            ruleset,
            amount=donation.amount,
            received_on=donation.received_on,
            payer=payer,
            totals=selectors.cap_totals(election, donation.payer_id),
        )
        decision = _store_outcome(
            donation=donation, version=version, ruleset=ruleset, outcome=outcome, decided_by=released_by, released=True
        )
        donation.verdict = outcome.verdict
        donation.accepted_amount = outcome.accepted
        donation.reasons = list(outcome.reasons)
        donation.donor = donor
        donation.save(update_fields=["verdict", "accepted_amount", "reasons", "donor"])
        audit.record(
            actor=released_by,
            action="donations.release_hold",
            obj=donation,
            data={"verdict": decision.verdict, "reasons": decision.reasons, "rule_version": version.number},
        )
    return decision


def record_refund_payment(*, refund: Refund, paid_on: date, bank_reference: str, recorded_by) -> Refund:
    """Record that a return or budget transfer was paid; the bank's reference closes it."""
    bank_reference = bank_reference.strip()
    if not bank_reference:
        raise ValidationError(_("Enter the bank reference of the payment."))
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("donation").get(pk=refund.pk)
        if refund.completed_on is not None:
            raise ValidationError(_("This return was already recorded."))
        refund.completed_on = paid_on
        refund.bank_reference = bank_reference
        refund.save(update_fields=["completed_on", "bank_reference"])
        LedgerEntry.objects.create(
            election_id=refund.donation.election_id,
            donation=refund.donation,
            decision_id=refund.decision_id,
            refund=refund,
            kind=LedgerEntry.Kind.RETURN if refund.kind == rules.RETURNED else LedgerEntry.Kind.TO_BUDGET,
            source=refund.donation.source,
            payer_id=refund.donation.payer_id,
            amount=refund.amount,
            entry_date=paid_on,
            bank_reference=bank_reference,
            created_by=acting_user(recorded_by),
        )
        audit.record(
            actor=recorded_by,
            action="donations.record_refund_payment",
            obj=refund,
            data={
                "paid_on": paid_on,
                "bank_reference": bank_reference,
                "amount": refund.amount,
                "late": paid_on > refund.due_on,
            },
        )
    return refund
