"""Every write of the election fund: one transaction each, with its audit entry inside.

Intake decisions lock the election's row (``SELECT ... FOR UPDATE``) while they read the fund's totals, decide
and write: two payments for the same fund are then decided one after the other, so together they can never pass
a cap (plain check-then-insert overshot caps by 12-22 % under load, see ../shared/STACK.md).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from coalition.identifiers import is_valid_bin
from coalition.outbox import enqueue_email
from coalition.roles import Role
from donations import rules, selectors
from donations.models import (
    CoercionAlert,
    ComplianceReport,
    Decision,
    Donation,
    Donor,
    DonorCategory,
    Election,
    LedgerEntry,
    Pledge,
    Refund,
    RuleVersion,
    StatementImport,
)
from donations.statements import FileRefused, StatementRow, parse_donors, parse_statement

CREDITED_KINDS = (LedgerEntry.Kind.CREDIT, LedgerEntry.Kind.CORRECTION)
PLEDGE_REFERENCE = re.compile(r"\bEF-[A-Z0-9]{8}\b")
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# --- Elections and rule versions -------------------------------------------------------------------------------

RULE_FIELDS = (
    "fund_opens_on",
    "fund_closes_on",
    "mzp",
    "mzp_date",
    "cap_own_mzp",
    "cap_association_mzp",
    "cap_donations_mzp",
    "per_donor_cap_mzp",
    "require_declaration",
    "return_deadline_days",
    "prohibited",
    "burst_threshold",
    "source",
)


def default_rule_values(*, fund_opens_on: date, fund_closes_on: date) -> dict[str, Any]:
    """Return a new election's rule values: the defaults of DOMAIN.md §2 (2026)."""
    return {
        "fund_opens_on": fund_opens_on,
        "fund_closes_on": fund_closes_on,
        "mzp": rules.DEFAULT_MZP,
        "cap_own_mzp": rules.DEFAULT_CAPS_MZP[rules.OWN],
        "cap_association_mzp": rules.DEFAULT_CAPS_MZP[rules.ASSOCIATION],
        "cap_donations_mzp": rules.DEFAULT_CAPS_MZP[rules.DONATIONS],
        "per_donor_cap_mzp": None,
        "require_declaration": False,
        "return_deadline_days": rules.DEFAULT_RETURN_DEADLINE_DAYS,
        "prohibited": dict(rules.DEFAULT_PROHIBITED),
    }


def create_election(
    *, slug: str, name: str, kind: str, candidate_iin: str, association_bin: str, rule_values: dict, created_by
) -> Election:
    """Create an election with its first rule version."""
    with transaction.atomic():
        election = Election(
            slug=slug, name=name, kind=kind, candidate_iin=candidate_iin, association_bin=association_bin
        )
        election.full_clean()
        election.save()
        version = _new_rule_version(election=election, values=rule_values, created_by=created_by)
        audit.record(
            actor=created_by,
            action="donations.create_election",
            obj=election,
            data={"slug": slug, "rule_version": version.number},
        )
    return election


def add_rule_version(*, election: Election, values: dict, created_by) -> RuleVersion:
    """Add a rule version (the previous ones stay, with the decisions made under them)."""
    with transaction.atomic():
        election = Election.objects.select_for_update().get(pk=election.pk)
        version = _new_rule_version(election=election, values=values, created_by=created_by)
        audit.record(
            actor=created_by,
            action="donations.add_rule_version",
            obj=version,
            data={"election": election.slug, "number": version.number, "values": _rule_snapshot(version)},
        )
    return version


def _new_rule_version(*, election: Election, values: dict, created_by) -> RuleVersion:
    prohibited = values.get("prohibited", rules.DEFAULT_PROHIBITED)
    bad = {
        code: how
        for code, how in prohibited.items()
        if code not in rules.PROHIBITED_CODES or how not in rules.HANDLINGS
    }
    if bad:
        raise ValidationError(_("Unknown prohibited categories or handlings: %(bad)s") % {"bad": bad})
    last = election.rule_versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = RuleVersion(
        election=election,
        number=last + 1,
        created_by=created_by if created_by is not None and created_by.is_authenticated else None,
        **{key: value for key, value in values.items() if key in RULE_FIELDS},
    )
    version.full_clean(exclude=["election", "created_by"])
    version.save()
    return version


def _rule_snapshot(version: RuleVersion) -> dict[str, Any]:
    return {name: getattr(version, name) for name in RULE_FIELDS}


def load_election(*, spec: dict, actor=None) -> tuple[Election, RuleVersion, bool]:
    """Create or update an election from the ``load_election`` JSON; return it, its rule version, and whether
    a new rule version was written (an unchanged file adds nothing)."""
    try:
        values = {
            "fund_opens_on": date.fromisoformat(spec["fund_opens_on"]),
            "fund_closes_on": date.fromisoformat(spec["fund_closes_on"]),
            "mzp": Decimal(str(spec.get("mzp", rules.DEFAULT_MZP))),
            "cap_own_mzp": Decimal(str(spec.get("caps_mzp", {}).get("own", rules.DEFAULT_CAPS_MZP[rules.OWN]))),
            "cap_association_mzp": Decimal(
                str(spec.get("caps_mzp", {}).get("association", rules.DEFAULT_CAPS_MZP[rules.ASSOCIATION]))
            ),
            "cap_donations_mzp": Decimal(
                str(spec.get("caps_mzp", {}).get("donations", rules.DEFAULT_CAPS_MZP[rules.DONATIONS]))
            ),
            "per_donor_cap_mzp": None
            if spec.get("per_donor_cap_mzp") in (None, "")
            else Decimal(str(spec["per_donor_cap_mzp"])),
            "require_declaration": bool(spec.get("require_declaration", False)),
            "return_deadline_days": int(spec.get("return_deadline_days", rules.DEFAULT_RETURN_DEADLINE_DAYS)),
        }
    except (KeyError, ValueError, TypeError, InvalidOperation) as exc:
        raise ValidationError(_("The election file is not valid: %(error)s") % {"error": exc}) from exc
    if spec.get("prohibited") is not None:
        values["prohibited"] = {
            code: {**rules.DEFAULT_PROHIBITED, **rules.OPTIONAL_PROHIBITED}.get(code, "invalid")
            for code in spec["prohibited"]
        }
    else:
        values["prohibited"] = dict(rules.DEFAULT_PROHIBITED)
    if spec.get("source"):
        values["source"] = spec["source"]
    if spec.get("mzp_date"):
        values["mzp_date"] = date.fromisoformat(spec["mzp_date"])

    with transaction.atomic():
        election = Election.objects.select_for_update().filter(slug=spec.get("slug", "")).first()
        if election is None:
            election = create_election(
                slug=spec.get("slug", ""),
                name=spec.get("name", ""),
                kind=spec.get("kind", Election.Kind.PRESIDENTIAL),
                candidate_iin=spec.get("candidate_iin", ""),
                association_bin=spec.get("association_bin", ""),
                rule_values=values,
                created_by=actor,
            )
            return election, selectors.current_rule_version(election), True
        changed = {
            name: spec[name]
            for name in ("name", "candidate_iin", "association_bin")
            if spec.get(name) and spec[name] != getattr(election, name)
        }
        if changed:
            for name, value in changed.items():
                setattr(election, name, value)
            election.full_clean()
            election.save()
            audit.record(actor=actor, action="donations.change_election", obj=election, data=changed)
        current = selectors.current_rule_version(election)
        if current is not None and all(
            getattr(current, name) == value for name, value in values.items() if name in RULE_FIELDS
        ):
            return election, current, False
        return election, add_rule_version(election=election, values=values, created_by=actor), True


# --- Donor registry ---------------------------------------------------------------------------------------------


def save_donor(*, donor: Donor, changed_by) -> Donor:
    """Create or change a registry entry (validated by the form or the caller)."""
    with transaction.atomic():
        is_new = donor.pk is None
        donor.full_clean()
        donor.save()
        audit.record(
            actor=changed_by,
            action="donations.add_donor" if is_new else "donations.change_donor",
            obj=donor,
            data={"identifier": donor.identifier, "category": donor.category, "kind": donor.kind},
        )
    return donor


def import_donors(*, content: bytes, actor=None) -> dict[str, Any]:
    """Upsert the registry from a CSV (``id,kind,name,citizenship,category``); return a summary."""
    parsed = parse_donors(content, set(DonorCategory.values))
    created = updated = 0
    with transaction.atomic():
        for row in parsed.rows:
            _donor, was_created = Donor.objects.update_or_create(
                identifier=row.identifier,
                defaults={"kind": row.kind, "name": row.name, "citizenship": row.citizenship, "category": row.category},
            )
            created += was_created
            updated += not was_created
        audit.record(
            actor=actor,
            action="donations.import_donors",
            data={"read": parsed.read, "created": created, "updated": updated, "refused": len(parsed.errors)},
        )
    return {"read": parsed.read, "created": created, "updated": updated, "errors": parsed.errors}


# --- Pledges ----------------------------------------------------------------------------------------------------


def new_reference() -> str:
    return "EF-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def create_pledge(
    *,
    election: Election,
    payer_id: str,
    name: str,
    amount: Decimal,
    declaration_text: str,
    declaration_version: str,
    language: str,
) -> Pledge:
    """Record a supporter's pledge with the declaration exactly as shown; return it with its payment reference."""
    kind = rules.ORGANIZATION if is_valid_bin(payer_id) else rules.INDIVIDUAL
    for _attempt in range(5):
        try:
            with transaction.atomic():
                pledge = Pledge.objects.create(
                    election=election,
                    reference=new_reference(),
                    payer_id=payer_id,
                    payer_kind=kind,
                    name=name,
                    amount=amount,
                    declaration_text=declaration_text,
                    declaration_version=declaration_version,
                    declaration_language=language,
                )
                audit.record(
                    actor=None,
                    action="donations.pledge",
                    obj=pledge,
                    data={"election": election.slug, "declaration_version": declaration_version, "language": language},
                )
                return pledge
        except IntegrityError:  # the random reference collided: draw another
            continue
    raise RuntimeError("Could not draw a unique payment reference.")


# --- Intake -----------------------------------------------------------------------------------------------------


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


def fund_totals(election: Election, payer_id: str) -> rules.Totals:
    """Return what the fund has credited, per source and from ``payer_id`` (two index-backed aggregates)."""
    credited = LedgerEntry.objects.filter(election=election, kind__in=CREDITED_KINDS)
    by_source = credited.aggregate(
        own=Sum("amount", filter=Q(source=rules.OWN), default=rules.ZERO),
        association=Sum("amount", filter=Q(source=rules.ASSOCIATION), default=rules.ZERO),
        donations=Sum("amount", filter=Q(source=rules.DONATIONS), default=rules.ZERO),
    )
    donor = rules.ZERO
    if payer_id:
        donor = credited.filter(payer_id=payer_id).aggregate(total=Sum("amount", default=rules.ZERO))["total"]
    return rules.Totals(**by_source, donor=donor)


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
        payer = payer_for(
            payer_id=incoming.payer_id,
            name=incoming.payer_name,
            kind=incoming.payer_kind,
            citizenship=incoming.payer_citizenship,
            donor=donor,
            pledge=pledge,
        )
        ruleset = version.as_rules(election)
        outcome = rules.decide(
            ruleset,
            amount=incoming.amount,
            received_on=incoming.received_on,
            payer=payer,
            totals=fund_totals(election, incoming.payer_id),
        )
        donation = Donation.objects.create(
            election=election,
            bank_reference=incoming.bank_reference,
            received_on=incoming.received_on,
            amount=incoming.amount,
            currency="KZT",
            payer_id=incoming.payer_id,
            payer_name=incoming.payer_name,
            payer_kind=rules.payer_kind(payer) if incoming.payer_id else incoming.payer_kind,
            payer_citizenship=payer.citizenship,
            purpose=incoming.purpose,
            source=outcome.source,
            donor=donor,
            pledge=pledge,
            statement=statement,
            line=incoming.line,
            verdict=outcome.verdict,
            accepted_amount=outcome.accepted,
            reasons=list(outcome.reasons),
            entered_by=_user_or_none(entered_by),
        )
        LedgerEntry.objects.create(
            election=election,
            donation=donation,
            kind=LedgerEntry.Kind.RECEIPT,
            source=outcome.source,
            payer_id=incoming.payer_id,
            amount=donation.amount,
            entry_date=incoming.received_on,
            bank_reference=incoming.bank_reference,
            created_by=_user_or_none(entered_by),
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
    return donation


def _user_or_none(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _store_outcome(
    *, donation: Donation, version: RuleVersion, ruleset: rules.RuleSet, outcome, decided_by, released: bool = False
) -> Decision:
    decision = Decision.objects.create(
        donation=donation,
        rule_version=version,
        verdict=outcome.verdict,
        accepted_amount=outcome.accepted,
        refused_amount=outcome.refused,
        handling=outcome.handling,
        reasons=list(outcome.reasons),
        decided_by=_user_or_none(decided_by),
    )
    if outcome.accepted > 0:
        LedgerEntry.objects.create(
            election_id=donation.election_id,
            donation=donation,
            decision=decision,
            kind=LedgerEntry.Kind.CREDIT,
            source=outcome.source,
            payer_id=donation.payer_id,
            amount=outcome.accepted,
            entry_date=timezone.localdate() if released else donation.received_on,
            bank_reference=donation.bank_reference,
            created_by=_user_or_none(decided_by),
        )
    if outcome.refused > 0 and outcome.handling:
        Refund.objects.create(
            donation=donation,
            decision=decision,
            kind=outcome.handling,
            amount=outcome.refused,
            reasons=list(outcome.reasons),
            # The deadline runs from the day the money arrived; for a released hold, from the release.
            due_on=rules.due_on(ruleset, timezone.localdate() if released else donation.received_on),
        )
    return decision


def release_hold(*, donation: Donation, released_by) -> Decision:
    """Re-run the rules on a held donation, as they stand now; return the new decision."""
    with transaction.atomic():
        election = Election.objects.select_for_update().get(pk=donation.election_id)
        donation = Donation.objects.select_for_update().get(pk=donation.pk)
        if donation.verdict != rules.HELD:
            raise ValidationError(_("Only held donations can be released."))
        version = selectors.current_rule_version(election)
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
            totals=fund_totals(election, donation.payer_id),
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
            created_by=_user_or_none(recorded_by),
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


def record_correction(
    *, election: Election, source: str, amount: Decimal, payer_id: str, note: str, entry_date: date, recorded_by
) -> LedgerEntry:
    """Correct the credited total with a new (usually reversing) row; the ledger is never rewritten."""
    if not note.strip():
        raise ValidationError(_("Explain the correction."))
    if amount == 0:
        raise ValidationError(_("A correction has a non-zero amount."))
    with transaction.atomic():
        election = Election.objects.select_for_update().get(pk=election.pk)
        locked_until = selectors.locked_until(election)
        if locked_until is not None and entry_date <= locked_until:
            raise ValidationError(
                _("The books up to %(date)s are covered by a filed report: date the correction after it.")
                % {"date": locked_until.strftime("%d.%m.%Y")}
            )
        entry = LedgerEntry.objects.create(
            election=election,
            kind=LedgerEntry.Kind.CORRECTION,
            source=source,
            payer_id=payer_id,
            amount=amount,
            entry_date=entry_date,
            note=note.strip()[:300],
            created_by=_user_or_none(recorded_by),
        )
        audit.record(
            actor=recorded_by,
            action="donations.record_correction",
            obj=entry,
            data={"source": source, "amount": amount, "payer_id": payer_id, "note": note},
        )
    return entry


# --- Bank statements --------------------------------------------------------------------------------------------


def create_statement_import(*, election: Election, file_name: str, content: bytes, uploaded_by) -> StatementImport:
    """Check the file as a whole and store it for the import; raise FileRefused (nothing stored) if unreadable."""
    parsed = parse_statement(content)
    with transaction.atomic():
        statement = StatementImport.objects.create(
            election=election,
            file_name=file_name[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            total_rows=parsed.read,
            uploaded_by=_user_or_none(uploaded_by),
        )
        audit.record(
            actor=uploaded_by,
            action="donations.upload_statement",
            obj=statement,
            data={"file_name": file_name, "sha256": statement.sha256, "rows": parsed.read},
        )
    return statement


def run_statement_import(*, statement_id: int) -> StatementImport:
    """Import a stored statement: rows in date order then file order, each decided under the fund's lock.

    Safe to run twice and after an interruption: a bank reference already in the ledger is skipped, so the
    result is the same ledger.
    """
    claimed = StatementImport.objects.filter(
        pk=statement_id, status__in=[StatementImport.Status.PENDING, StatementImport.Status.RUNNING]
    ).update(status=StatementImport.Status.RUNNING)
    statement = StatementImport.objects.select_related("election").get(pk=statement_id)
    if not claimed:
        return statement
    try:
        parsed = parse_statement(bytes(statement.content))
    except FileRefused as exc:
        StatementImport.objects.filter(pk=statement_id).update(
            status=StatementImport.Status.FAILED, errors=[{"line": 0, "error": str(exc)}], finished_at=timezone.now()
        )
        statement.refresh_from_db()
        return statement
    verdicts: Counter[str] = Counter()
    imported = duplicates = 0
    seen: set[str] = set()
    rows = sorted(parsed.rows, key=lambda row: (row.received_on, row.line))
    for index, row in enumerate(rows, start=1):
        donation = None
        if row.bank_reference not in seen:
            seen.add(row.bank_reference)
            donation = record_donation(
                election=statement.election, incoming=Incoming.from_row(row), statement=statement
            )
        if donation is None:
            duplicates += 1
        else:
            imported += 1
            verdicts[donation.verdict] += 1
        if index % 25 == 0:
            StatementImport.objects.filter(pk=statement_id).update(processed_rows=index)
    summary = {
        "read": parsed.read,
        "imported": imported,
        "duplicates": duplicates,
        "refused": len(parsed.errors),
        "verdicts": {verdict: verdicts.get(verdict, 0) for verdict in rules.VERDICTS},
    }
    with transaction.atomic():
        StatementImport.objects.filter(pk=statement_id).update(
            status=StatementImport.Status.DONE,
            processed_rows=parsed.read,
            summary=summary,
            errors=parsed.errors,
            finished_at=timezone.now(),
        )
        statement.refresh_from_db()
        audit.record(actor=statement.uploaded_by, action="donations.import_statement", obj=statement, data=summary)
    detect_coercion(election=statement.election)
    return statement


def import_bank_statement(*, election: Election, file_name: str, content: bytes, actor=None) -> StatementImport:
    """Store and import a statement now (the management command; the upload page queues a task instead)."""
    statement = create_statement_import(election=election, file_name=file_name, content=content, uploaded_by=actor)
    return run_statement_import(statement_id=statement.pk)


# --- Coercion alerts --------------------------------------------------------------------------------------------


def detect_coercion(*, election: Election) -> list[CoercionAlert]:
    """Raise an alert for each coercion pattern among credited donations (once per pattern)."""
    version = selectors.current_rule_version(election)
    if version is None:
        return []
    gifts = [
        rules.Gift(
            donation_id=d["pk"],
            received_on=d["received_on"],
            payer_id=d["payer_id"],
            amount=d["amount"],
            purpose=d["purpose"],
        )
        for d in Donation.objects.filter(election=election, source=rules.DONATIONS)
        .exclude(verdict__in=[rules.TO_BUDGET])
        .values("pk", "received_on", "payer_id", "amount", "purpose")
    ]
    signals = rules.coercion_signals(
        gifts, threshold=version.burst_threshold, per_donor_cap=version.as_rules(election).per_donor_cap
    )
    raised = []
    for signal in signals:
        with transaction.atomic():
            alert, created = CoercionAlert.objects.get_or_create(
                election=election,
                kind=signal.kind,
                on_date=signal.on_date,
                key=signal.key,
                defaults={"donor_count": signal.donor_count, "total": signal.total},
            )
            alert.donations.add(*signal.donation_ids)
            if created:
                audit.record(
                    actor=None,
                    action="donations.coercion_alert",
                    obj=alert,
                    data={"kind": signal.kind, "donors": signal.donor_count, "total": signal.total},
                )
                raised.append(alert)
    return raised


def mark_alert_reviewed(*, alert: CoercionAlert, reviewed_by) -> CoercionAlert:
    with transaction.atomic():
        updated = CoercionAlert.objects.filter(pk=alert.pk, reviewed_at__isnull=True).update(reviewed_at=timezone.now())
        if updated:
            audit.record(actor=reviewed_by, action="donations.review_alert", obj=alert)
    alert.refresh_from_db()
    return alert


# --- Deadlines and reports --------------------------------------------------------------------------------------


def _recipients(*roles: str):
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=roles)
        .exclude(email="")
        .select_related("profile")
        .distinct()
    )


def _language(user) -> str:
    profile = getattr(user, "profile", None)
    return profile.language if profile is not None else "ru"


def send_deadline_alerts(*, today: date | None = None, within_days: int = 2) -> int:
    """Email finance officers about each open return/transfer due within ``within_days`` or overdue.

    Exactly once per item, recipient and day: the outbox key holds all three.
    """
    today = today or timezone.localdate()
    refunds = list(
        Refund.objects.filter(
            completed_on__isnull=True, due_on__lte=today + timedelta(days=within_days)
        ).select_related("donation__election")
    )
    sent = 0
    for user in _recipients(Role.FINANCE_OFFICER):
        for refund in refunds:
            overdue = refund.due_on < today
            state = "overdue" if overdue else "due"
            with transaction.atomic():
                _message, created = enqueue_email(
                    key=f"donations:refund:{refund.pk}:{state}:{today.isoformat()}:user:{user.pk}",
                    recipient=user.email,
                    template="emails/donations/refund_deadline",
                    context={"refund": refund, "donation": refund.donation, "overdue": overdue, "today": today},
                    language=_language(user),
                )
            sent += created
    return sent


def file_daily_reports(*, today: date | None = None) -> list[ComplianceReport]:
    """Produce each election's compliance report in every format, store it with its SHA-256, and email
    finance officers and auditors (once per election and day)."""
    from donations import reports

    today = today or timezone.localdate()
    filed = []
    for election in Election.objects.all():
        version = selectors.current_rule_version(election)
        if version is None:
            continue
        data = reports.compliance_data(election)
        with transaction.atomic():
            new = []
            for fmt in reports.FORMATS:
                if ComplianceReport.objects.filter(election=election, report_date=today, format=fmt).exists():
                    continue
                content = reports.render(data, fmt)
                new.append(
                    ComplianceReport.objects.create(
                        election=election,
                        rule_version=version,
                        report_date=today,
                        format=fmt,
                        content=content,
                        sha256=hashlib.sha256(content).hexdigest(),
                    )
                )
            manifest = list(
                ComplianceReport.objects.filter(election=election, report_date=today).values("format", "sha256")
            )
            for user in _recipients(Role.FINANCE_OFFICER, Role.AUDITOR):
                enqueue_email(
                    key=f"donations:report:{election.pk}:{today.isoformat()}:user:{user.pk}",
                    recipient=user.email,
                    template="emails/donations/daily_report",
                    context={"election": election, "data": data, "manifest": manifest, "today": today},
                    language=_language(user),
                )
            if new:
                audit.record(
                    actor=None,
                    action="donations.file_report",
                    obj=election,
                    data={"date": today, "rule_version": version.number, "manifest": manifest},
                )
            filed.extend(new)
    return filed
