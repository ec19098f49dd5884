"""Writes about people themselves: the consents they gave and withdraw."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from members.models import Consent

CONSENT_TEXT_VERSION = "2026-11-v1"


@transaction.atomic
def withdraw_consent(*, consent: Consent, withdrawn_by: User) -> Consent:
    """Record that a person withdrew a consent (e.g. by letter to the HQ); the row stays as evidence."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise ValidationError(_("This consent was already withdrawn."))
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    audit.record(
        actor=withdrawn_by,
        action="members.consent.withdraw",
        obj=consent.person,
        data={"consent": consent.pk, "purpose": consent.purpose, "text_version": consent.text_version},
    )
    return consent
