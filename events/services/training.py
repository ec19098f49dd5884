"""Training: sessions, enrolment (by staff or through a session's public link), results and certificates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from coalition.site import absolute_url
from events import rules
from events.models import Certificate, Enrolment, TrainingSession
from events.services._common import check_region, email_person, validate_times
from events.services.consent import Applicant, person_with_consent
from members import identity
from members.models import Consent, Person


def create_session(*, by: User, data: dict[str, Any]) -> TrainingSession:
    """Plan a training session in the planner's region; its trainer defaults to the planner."""
    check_region(by, data["region"])
    validate_times(data["starts_at"], data["ends_at"], new=True)
    with transaction.atomic():
        session = TrainingSession(**data)
        if session.trainer is None:
            session.trainer = by
        session.full_clean()
        session.save()
        audit.record(actor=by, action="events.session.create", obj=session)
    return session


def enrol(
    *,
    session: TrainingSession,
    person: Person | None = None,
    applicant: Applicant | None = None,
    by: User | None = None,
) -> Enrolment:
    """Enrol a person (chosen by staff, or an applicant from the public link) in a session, within capacity."""
    with transaction.atomic():
        session = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if session.cancelled_at or session.starts_at <= timezone.now():
            raise ValidationError(_("Enrolment for this session is closed."))
        consent = None
        if applicant is not None:
            if applicant.email and session.enrolments.filter(person__email__iexact=applicant.email).exists():
                raise ValidationError(_("This person is already enrolled in the session."))
            person, consent = person_with_consent(
                applicant, purpose=Consent.Purpose.OBSERVATION, region=session.region, source=identity.Source.ENROLMENT
            )
        if person is None:
            raise ValidationError(_("Choose a person to enrol."))
        if session.enrolments.filter(person=person).exists():
            raise ValidationError(_("This person is already enrolled in the session."))
        if session.enrolments.count() >= session.capacity:
            raise ValidationError(_("The session is full."))
        enrolment = Enrolment.objects.create(session=session, person=person, consent=consent)
        audit.record(actor=by, action="events.enrol", obj=enrolment)
    return enrolment


@dataclass
class Result:
    enrolment_id: int
    attended: bool
    score: int | None


def record_results(*, session: TrainingSession, by: User, results: list[Result]) -> int:
    """Record attendance and scores of a session's enrolments; return how many changed."""
    changed = 0
    if any(result.attended for result in results):
        refusal = rules.certification_refusal(
            session_ends_at=session.starts_at, cancelled=session.cancelled_at is not None, now=timezone.now()
        )
        if refusal:  # attendance can be recorded from the session's start
            raise ValidationError(refusal)
    with transaction.atomic():
        enrolments = {e.pk: e for e in session.enrolments.select_for_update()}
        for result in results:
            if result.score is not None and not 0 <= result.score <= 100:
                raise ValidationError(_("A score must be between 0 and 100."))
            enrolment = enrolments.get(result.enrolment_id)
            if enrolment is None:
                raise ValidationError(_("That enrolment is not in this session."))
            if hasattr(enrolment, "certificate") and (
                not result.attended or result.score is None or result.score < session.course.pass_mark
            ):
                raise ValidationError(
                    _("%(person)s already holds a certificate: revoke it before lowering the result.")
                    % {"person": enrolment.person}
                )
            if (enrolment.attended, enrolment.score) != (result.attended, result.score):
                enrolment.attended, enrolment.score = result.attended, result.score
                enrolment.save(update_fields=["attended", "score"])
                changed += 1
        audit.record(actor=by, action="events.results", obj=session, data={"changed": changed})
    return changed


def issue_certificates(*, session: TrainingSession, by: User) -> list[Certificate]:
    """Issue a certificate to every enrolment that attended and reached the pass mark and has none yet."""
    course = session.course
    today = timezone.localdate()
    issued: list[Certificate] = []
    with transaction.atomic():
        session = TrainingSession.objects.select_for_update().get(pk=session.pk)
        refusal = rules.certification_refusal(
            session_ends_at=session.ends_at, cancelled=session.cancelled_at is not None, now=timezone.now()
        )
        if refusal:
            raise ValidationError(refusal)
        qualifying = (
            session.enrolments.filter(attended=True, score__gte=course.pass_mark, certificate__isnull=True)
            .select_related("person")
            .order_by("pk")
        )
        for enrolment in qualifying:
            certificate = Certificate.objects.create(
                number=f"{course.kind[:3].upper()}-{today.year}-{enrolment.pk:06d}",
                enrolment=enrolment,
                person=enrolment.person,
                course=course,
                issued_on=today,
                valid_until=today + timedelta(days=course.certificate_valid_days)
                if course.certificate_valid_days
                else None,
            )
            issued.append(certificate)
            email_person(
                key=f"certificate:{certificate.pk}:issued",
                person=enrolment.person,
                template="emails/events/certificate_issued",
                context={
                    "certificate": certificate,
                    "verify_url": absolute_url(reverse("events:verify_code", args=[certificate.verification_code])),
                },
            )
        audit.record(actor=by, action="events.certify", obj=session, data={"issued": [c.number for c in issued]})
    return issued


def revoke_certificate(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    """Revoke a certificate with a reason (revoking it again changes nothing)."""
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_at is None:
            certificate.revoked_at = timezone.now()
            certificate.revoke_reason = reason
            certificate.save(update_fields=["revoked_at", "revoke_reason"])
            audit.record(actor=by, action="events.certificate.revoke", obj=certificate, data={"reason": reason})
    return certificate
