"""One person, one identity: the only place that creates people and records their consents.

Every path that records a person — the application to join, a member's nomination, event registration, a walk-in,
training enrolment, the people import, the committee roster — hands what was typed to :func:`resolve_person` (the
import to :func:`decide` and :func:`record_import`, in bulk) with its source and who asserted it. The policy
(docs/members.md, "One person, one identity"):

1. **IIN.** An existing person with the typed IIN is used only when the typed name is theirs
   (:func:`members.rules.same_name`: case, ё/е, spacing, punctuation and word order ignored). Otherwise nothing is
   attached to them: a new record is made (without the IIN, which stays unique), the claim is kept *pending* with
   the existing person as its candidate, and that person is told by email that their IIN was used.
2. **Email.** An email never attaches a public claim to an existing person: a new record is made, *pending* when
   someone already has that email (committee staff merge). Only a staff path (a walk-in the staff member saw) uses
   the existing person on an email, and only when the name matches too; the staff user is recorded as asserting it.
   A phone is never matched on.
3. **Provenance.** Each resolution writes an :class:`IdentityClaim` (source, outcome, candidate, who asserted it and
   the values as typed), and each consent is recorded for the person the claim resolved to, naming the claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from coalition import audit
from coalition.outbox import enqueue_email
from members.models import Consent, IdentityClaim, Person
from members.rules import same_name

Source = IdentityClaim.Source
Outcome = IdentityClaim.Outcome

# Paths where a staff member, not the person, types the data and answers for it (rule 2).
STAFF_SOURCES = frozenset({Source.WALK_IN, Source.IMPORT, Source.COMMITTEE})


@dataclass(frozen=True)
class Claim:
    """Who someone says a person is, as typed."""

    full_name: str
    iin: str = ""
    email: str = ""
    phone: str = ""
    region_id: int | None = None
    language: str = "ru"

    def typed(self) -> dict[str, str]:
        return {"full_name": self.full_name, "iin": self.iin, "email": self.email, "phone": str(self.phone or "")}


@dataclass(frozen=True)
class Decision:
    """What the policy makes of a claim: attach to ``person`` (MATCHED), or make a new record (CREATED/PENDING)."""

    outcome: str
    person: Person | None = None
    candidate: Person | None = None
    matched_on: str = ""


def decide(*, claim: Claim, by_iin: Person | None, by_email: Person | None, staff: bool) -> Decision:
    """Apply the matching policy to the people found by the claim's IIN and by its email (no database here)."""
    if by_iin is not None:
        if same_name(claim.full_name, by_iin.full_name):
            return Decision(Outcome.MATCHED, person=by_iin, matched_on="iin")
        return Decision(Outcome.PENDING, candidate=by_iin, matched_on="iin")
    if by_email is not None:
        if staff and same_name(claim.full_name, by_email.full_name):
            return Decision(Outcome.MATCHED, person=by_email, matched_on="email")
        return Decision(Outcome.PENDING, candidate=by_email, matched_on="email")
    return Decision(Outcome.CREATED)


def _new_person(claim: Claim, *, keep_iin: bool) -> Person:
    return Person(
        full_name=claim.full_name,
        iin=claim.iin if keep_iin else "",
        phone=claim.phone,
        email=claim.email,
        region_id=claim.region_id,
        language=claim.language,
    )


@transaction.atomic
def resolve_person(*, claim: Claim, source: str, asserted_by: User | None = None) -> IdentityClaim:
    """Return the recorded claim, whose ``person`` is the one to attach what the path records (see the module)."""
    by_iin = Person.objects.select_for_update().filter(iin=claim.iin).first() if claim.iin else None
    by_email = None
    if by_iin is None and claim.email:
        by_email = Person.objects.filter(email__iexact=claim.email).order_by("pk").first()
    decision = decide(claim=claim, by_iin=by_iin, by_email=by_email, staff=source in STAFF_SOURCES)
    person = decision.person
    if person is None:
        # The IIN stays with the person who has it; a pending record carries it only in the claim.
        person = _new_person(claim, keep_iin=decision.matched_on != "iin")
        person.save()
    record = IdentityClaim.objects.create(
        source=source,
        outcome=decision.outcome,
        person=person,
        candidate=decision.candidate,
        matched_on=decision.matched_on,
        claimed=claim.typed(),
        asserted_by=asserted_by,
    )
    candidate = decision.candidate
    if decision.outcome == Outcome.PENDING and candidate is not None:  # decide() names the candidate of every pending
        audit.record(
            actor=asserted_by,
            action="members.identity.pending",
            obj=person,
            data={"claim": record.pk, "source": source, "candidate": candidate.pk, "on": decision.matched_on},
        )
        if decision.matched_on == "iin" and candidate.email:
            enqueue_email(
                key=f"members:identity-claim:{record.pk}",
                recipient=candidate.email,
                template="emails/members/identity_claim",
                context={"person": candidate, "source": record.get_source_display()},
                language=candidate.language,
            )
    return record


def record_consent(
    *,
    claim: IdentityClaim,
    purpose: str,
    text: str,
    text_version: str,
    language: str = "ru",
    given_at: datetime | None = None,
) -> Consent:
    """Return the active consent of the claim's person for ``purpose``, recording it through ``claim`` if none."""
    consent = claim.person.consents.filter(purpose=purpose, withdrawn_at__isnull=True).first()
    if consent is None:
        consent = Consent.objects.create(
            person=claim.person,
            purpose=purpose,
            text_version=text_version,
            text=text,
            language=language,
            given_at=given_at or timezone.now(),
            claim=claim,
        )
    return consent


@dataclass
class ImportedConsent:
    purpose: str
    text: str
    text_version: str
    language: str
    given_at: datetime


def record_import(
    *,
    claims: Sequence[Claim],
    matched: Sequence[Person | None],
    consents: Sequence[ImportedConsent | None],
    asserted_by: User,
) -> list[IdentityClaim]:
    """Record a staff import in bulk: the people :func:`decide` matched, new people for the others, their claims
    and the consents of the rows that record one (call inside the import's transaction)."""
    new = [_new_person(claim, keep_iin=True) for claim, person in zip(claims, matched, strict=True) if person is None]
    created = iter(Person.objects.bulk_create(new, batch_size=500))
    people = [person if person is not None else next(created) for person in matched]
    records = IdentityClaim.objects.bulk_create(
        [
            IdentityClaim(
                source=Source.IMPORT,
                outcome=Outcome.CREATED if was is None else Outcome.MATCHED,
                person=person,
                matched_on="" if was is None else "iin",
                claimed=claim.typed(),
                asserted_by=asserted_by,
            )
            for claim, was, person in zip(claims, matched, people, strict=True)
        ],
        batch_size=500,
    )
    Consent.objects.bulk_create(
        [
            Consent(
                person=record.person,
                purpose=consent.purpose,
                text_version=consent.text_version,
                text=consent.text,
                language=consent.language,
                given_at=consent.given_at,
                claim=record,
            )
            for record, consent in zip(records, consents, strict=True)
            if consent is not None
        ],
        batch_size=500,
    )
    return records
