"""Corrections of the ledger, four eyes: one finance officer proposes, a different one approves or rejects.

A correction is the one way an insider can move a payer's total by hand, so it is where a cap could be walked
around: lower a payer's credited total, then take a new payment of the full cap. Two designs close that:

- a proposal changes nothing; only its approval by another finance officer writes the ledger row, under the
  fund's lock (the one intake takes), after checking the caps of the rule version in force;
- the caps count money credited and *kept* (``selectors.KEPT``): a reversal frees room only when it records the
  money actually paid back to the payer (the bank's reference), never as a book-keeping entry.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from donations import rules, selectors
from donations.models import Correction, Election, LedgerEntry
from donations.services.intake import acting_user

APPROVE_PERMISSION = "donations.approve_correction"


def _check_period(election: Election, entry_date: date) -> None:
    locked_until = selectors.locked_until(election)
    if locked_until is not None and entry_date <= locked_until:
        raise ValidationError(
            _("The books up to %(date)s are covered by a filed report: date the correction after it.")
            % {"date": locked_until.strftime("%d.%m.%Y")},
            code="period_locked",
        )


def propose_correction(
    *,
    election: Election,
    source: str,
    amount: Decimal,
    payer_id: str,
    note: str,
    entry_date: date,
    proposed_by,
    returned_reference: str = "",
) -> Correction:
    """Propose a correction of the ledger; it changes no total until another finance officer approves it."""
    user = acting_user(proposed_by)
    if user is None:
        raise PermissionDenied
    note, payer_id, returned_reference = note.strip(), payer_id.strip(), returned_reference.strip()
    if not note:
        raise ValidationError(_("Explain the correction."), code="note_missing")
    if amount == 0:
        raise ValidationError(_("A correction has a non-zero amount."), code="zero")
    if returned_reference and (amount > 0 or not payer_id):
        raise ValidationError(
            _("Money paid back is a negative correction of one payer's total: enter the payer's IIN/BIN."),
            code="returned_needs_payer",
        )
    version = selectors.current_rule_version(election)
    if payer_id and version is not None and rules.classify_source(version.as_rules(election), payer_id) != source:
        raise ValidationError(_("This payer's money counts under another source."), code="source_mismatch")
    with transaction.atomic():
        _check_period(election, entry_date)
        correction = Correction(
            election=election,
            source=source,
            payer_id=payer_id,
            amount=amount,
            entry_date=entry_date,
            returned_reference=returned_reference[:64],
            note=note[:300],
            proposed_by=user,
        )
        correction.save(force_insert=True)
        audit.record(
            actor=user,
            action="donations.propose_correction",
            obj=correction,
            data={
                "source": source,
                "amount": amount,
                "payer_id": payer_id,
                "returned_reference": returned_reference,
                "note": note,
            },
        )
    return correction


def _pending(correction: Correction, decided_by) -> tuple[Correction, Election]:
    """Lock the fund (as intake does) and the proposal; refuse a decided one and the proposer's own decision."""
    user = acting_user(decided_by)
    if user is None or not user.has_perm(APPROVE_PERMISSION):
        raise PermissionDenied
    election = Election.objects.select_for_update().get(pk=correction.election_id)
    correction = Correction.objects.select_for_update().get(pk=correction.pk)
    if not correction.is_pending:
        raise ValidationError(_("This correction was already decided."), code="decided")
    if correction.proposed_by_id == user.pk:
        raise ValidationError(_("Another finance officer must decide on a correction you proposed."), code="four_eyes")
    return correction, election


def _check_caps(election: Election, correction: Correction) -> None:
    """Refuse a correction that would take a cap past its limit, or pay back more than the payer's kept total."""
    version = selectors.current_rule_version(election)
    if version is None:
        raise ValidationError(_("The election has no rules yet."))
    ruleset = version.as_rules(election)
    counts = correction.amount > 0 or bool(correction.returned_reference)
    if not counts:
        return  # a book-keeping reversal frees no room under a cap, so it cannot take one past its limit
    totals = selectors.cap_totals(election, correction.payer_id)
    if correction.amount > 0:
        room = rules.headroom(ruleset, correction.source, totals)
        if correction.amount > room["source"]:
            raise ValidationError(_("The correction would take the source past its cap."), code="over_cap")
        if correction.payer_id and room["donor"] is not None and correction.amount > room["donor"]:
            raise ValidationError(
                _("The correction would take the donor past the per-donor cap."), code="over_per_donor_cap"
            )
    elif totals.donor + correction.amount < 0:
        raise ValidationError(
            _("More than this payer's credited and kept money cannot have been paid back."), code="over_kept"
        )


def approve_correction(*, correction: Correction, approved_by) -> Correction:
    """Approve a correction another finance officer proposed: write its ledger row, if the caps still hold."""
    with transaction.atomic():
        correction, election = _pending(correction, approved_by)
        _check_period(election, correction.entry_date)
        _check_caps(election, correction)
        entry = LedgerEntry(
            election=election,
            kind=LedgerEntry.Kind.CORRECTION,
            source=correction.source,
            payer_id=correction.payer_id,
            amount=correction.amount,
            entry_date=correction.entry_date,
            bank_reference=correction.returned_reference,
            note=correction.note,
            created_by=approved_by,
        )
        entry.save(force_insert=True)
        correction.status = Correction.Status.APPROVED
        correction.decided_by = approved_by
        correction.decided_at = timezone.now()
        correction.ledger_entry = entry
        correction.save(update_fields=["status", "decided_by", "decided_at", "ledger_entry"])
        audit.record(
            actor=approved_by,
            action="donations.approve_correction",
            obj=correction,
            data={"ledger_entry": entry.pk, "amount": correction.amount, "proposed_by": correction.proposed_by_id},
        )
    return correction


def reject_correction(*, correction: Correction, rejected_by) -> Correction:
    """Reject a correction another finance officer proposed; the ledger is untouched."""
    with transaction.atomic():
        correction, _election = _pending(correction, rejected_by)
        correction.status = Correction.Status.REJECTED
        correction.decided_by = rejected_by
        correction.decided_at = timezone.now()
        correction.save(update_fields=["status", "decided_by", "decided_at"])
        audit.record(
            actor=rejected_by,
            action="donations.reject_correction",
            obj=correction,
            data={"amount": correction.amount, "proposed_by": correction.proposed_by_id},
        )
    return correction
