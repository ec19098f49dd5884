"""The reporter's identity: looking at it (logged), disclosing it to an agency (two people), and its vault keys.

Only the integrity officer sees the identity, superusers included; every look is logged with a reason.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from hotline import selectors
from hotline.models import Agency, IdentityAccess, IdentityDisclosure, Report, ReporterIdentity


def reveal_identity(*, report: Report, user, reason: str, ip_address: str | None) -> ReporterIdentity | None:
    """Return the reporter's identity to the integrity officer, and log the look (who, when, which, why, where).

    Anyone else is refused, superusers included. A report without identity returns None and logs nothing.
    """
    if not selectors.can_see_identity(user):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError(_("Say why you need to see the reporter's identity."))
    with transaction.atomic():
        identity = ReporterIdentity.objects.filter(report=report).first()
        if identity is None:
            return None
        access = IdentityAccess.objects.create(
            report=report, user=user, action=IdentityAccess.Action.VIEW, reason=reason.strip(), ip_address=ip_address
        )
        audit.record(actor=user, action="hotline.identity_viewed", obj=report, data={"access": access.pk})
    return identity


def request_disclosure(*, report: Report, agency: Agency, legal_basis: str, by) -> IdentityDisclosure:
    """Ask to pass the identity to an agency without the reporter's consent (needs a second person's approval)."""
    if not selectors.can_see_identity(by):
        raise PermissionDenied
    with transaction.atomic():
        disclosure = IdentityDisclosure.objects.create(
            report=report, agency=agency, legal_basis=legal_basis, requested_by=by
        )
        audit.record(actor=by, action="hotline.disclosure_requested", obj=report, data={"disclosure": disclosure.pk})
    return disclosure


def approve_disclosure(*, disclosure: IdentityDisclosure, by) -> IdentityDisclosure:
    """Record the second staff member's approval; the one who asked cannot approve."""
    if not by.has_perm("hotline.change_identitydisclosure"):
        raise PermissionDenied
    if by.pk == disclosure.requested_by_id:
        raise ValidationError(_("A second staff member must approve the disclosure."))
    with transaction.atomic():
        disclosure = IdentityDisclosure.objects.select_for_update().get(pk=disclosure.pk)
        if disclosure.approved_at is None:
            disclosure.approved_by = by
            disclosure.approved_at = timezone.now()
            disclosure.save(update_fields=["approved_by", "approved_at"])
            audit.record(
                actor=by,
                action="hotline.disclosure_approved",
                obj=disclosure.report,
                data={"disclosure": disclosure.pk},
            )
    return disclosure


def may_include_identity(report: Report, agency: Agency) -> bool:
    """Return whether a letter to ``agency`` may carry the identity: the reporter consented, or an approved
    disclosure with a legal basis exists for that agency."""
    identity = ReporterIdentity.objects.filter(report=report).first()
    if identity is None:
        return False
    if identity.consent_to_share:
        return True
    return IdentityDisclosure.objects.filter(report=report, agency=agency, approved_at__isnull=False).exists()


IDENTITY_COLUMNS = ["full_name", "phone", "email", "other_contact"]


def reencrypt_identity_vault(*, by=None) -> int:
    """Re-encrypt every row of the identity vault under the first key of ``HOTLINE_IDENTITY_KEYS`` (key rotation:
    put the new key first, run this, then drop the old key). Return how many rows were rewritten.

    Each row is read with whichever configured key opens it and written under the first; a row no key opens
    stops the rotation before anything is committed. Safe to run twice.
    """
    with transaction.atomic():
        rows = 0
        for identity in ReporterIdentity.objects.select_for_update().order_by("pk"):
            identity.save(update_fields=IDENTITY_COLUMNS)
            rows += 1
        audit.record(actor=by, action="hotline.vault_reencrypted", data={"rows": rows})
    return rows
