"""Accreditation of observer organizations: recorded with its issuing body and number, revoked from now on."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from events import rules
from events.models import Accreditation, Policy
from events.services._common import check_region
from members.models import Organization


def default_accreditation_end(issued_on: date) -> date:
    """Return the end date a new accreditation gets unless the record states its own (policy, in months)."""
    return rules.accreditation_valid_until(issued_on, Policy.current().accreditation_valid_months)


def record_accreditation(
    *,
    organization: Organization,
    issuing_body: str,
    number: str,
    issued_on: date,
    by: User,
    valid_until: date | None = None,
) -> Accreditation:
    """Record an organization's accreditation to send observers; its end defaults to the policy's period."""
    check_region(by, organization.region)
    issuing_body, number = issuing_body.strip(), number.strip()
    if not issuing_body or not number:
        raise ValidationError(_("Enter the issuing body and the accreditation number."))
    if issued_on > timezone.localdate():
        raise ValidationError({"issued_on": _("The accreditation cannot be dated in the future.")})
    if organization.status in (Organization.Status.REJECTED, Organization.Status.WITHDRAWN):
        raise ValidationError(
            {"organization": _("A rejected or withdrawn organization cannot be recorded as accredited.")}
        )
    valid_until = valid_until or default_accreditation_end(issued_on)
    if valid_until < issued_on:
        raise ValidationError({"valid_until": _("The accreditation cannot end before it is issued.")})
    with transaction.atomic():
        if Accreditation.objects.filter(issuing_body__iexact=issuing_body, number__iexact=number).exists():
            raise ValidationError({"number": _("This accreditation number of this issuing body is already recorded.")})
        accreditation = Accreditation(
            organization=organization,
            issuing_body=issuing_body,
            number=number,
            issued_on=issued_on,
            valid_until=valid_until,
            recorded_by=by,
        )
        accreditation.full_clean()
        try:
            with transaction.atomic():
                accreditation.save()
        except IntegrityError as exc:  # a concurrent request recorded the same number
            raise ValidationError(
                {"number": _("This accreditation number of this issuing body is already recorded.")}
            ) from exc
        audit.record(
            actor=by,
            action="events.accreditation.record",
            obj=accreditation,
            data={
                "organization": organization.pk,
                "number": number,
                "issued_on": issued_on,
                "valid_until": valid_until,
            },
        )
    return accreditation


def revoke_accreditation(*, accreditation: Accreditation, by: User, reason: str) -> Accreditation:
    """Revoke an accreditation from now on; the organization's observers already assigned stay on record."""
    check_region(by, accreditation.organization.region)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for the revocation.")})
    with transaction.atomic():
        accreditation = Accreditation.objects.select_for_update().get(pk=accreditation.pk)
        if accreditation.revoked_at is not None:
            raise ValidationError(_("This accreditation is already revoked."))
        accreditation.revoked_at = timezone.now()
        accreditation.revoke_reason = reason[:255]
        accreditation.save(update_fields=["revoked_at", "revoke_reason"])
        audit.record(actor=by, action="events.accreditation.revoke", obj=accreditation, data={"reason": reason})
    return accreditation
