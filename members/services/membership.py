"""A member organization's status: its changes, each kept as a StatusChange row."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coalition import audit
from members.models import Decision, Organization, StatusChange


def set_status(
    *,
    organization: Organization,
    to_status: str,
    changed_by: User,
    decision: Decision | None = None,
    reason: str = "",
    joined_on: date | None = None,
) -> None:
    """Move ``organization`` to ``to_status`` and keep the change on record (inside the caller's transaction)."""
    if not organization.can_change_to(to_status):
        raise ValidationError(
            _("%(organization)s cannot change from %(from)s to %(to)s.")
            % {
                "organization": organization,
                "from": organization.get_status_display(),
                "to": Organization.Status(to_status).label,
            }
        )
    from_status = organization.status
    organization.status = to_status
    fields = ["status"]
    if joined_on is not None:
        organization.joined_on = joined_on
        fields.append("joined_on")
    organization.save(update_fields=fields)
    StatusChange.objects.create(
        organization=organization,
        from_status=from_status,
        to_status=to_status,
        changed_by=changed_by,
        decision=decision,
        reason=reason,
    )


@transaction.atomic
def change_membership_status(
    *, organization: Organization, to_status: str, reason: str, changed_by: User
) -> Organization:
    """Suspend, reinstate or record the withdrawal of a member (pending applications are decided at meetings)."""
    if to_status not in (Organization.Status.SUSPENDED, Organization.Status.WITHDRAWN, Organization.Status.ADMITTED):
        raise ValidationError(_("Applications are admitted or rejected by a meeting decision."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.status == Organization.Status.APPLIED:
        raise ValidationError(_("Applications are admitted or rejected by a meeting decision."))
    before = organization.status
    set_status(organization=organization, to_status=to_status, changed_by=changed_by, reason=reason)
    audit.record(
        actor=changed_by,
        action="members.status",
        obj=organization,
        data={"before": before, "after": to_status, "reason": reason},
    )
    return organization
