"""The member portal's writes: invitations, accounts, profile edits (name/BIN via staff review), nominations."""

from __future__ import annotations

import hashlib
import secrets
from base64 import urlsafe_b64encode
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from coalition import audit
from coalition.identifiers import validate_bin
from coalition.outbox import enqueue_email, links
from coalition.site import absolute_url
from members import identity
from members.models import Affiliation, Consent, Invitation, Organization, Person, ProfileChange
from members.services.applications import bin_is_taken, duplicate_bin_message
from members.services.people import CONSENT_TEXT_VERSION

INVITATION_DAYS = 14
CONTACT_FIELDS = ("address", "phone", "email", "website", "head_name", "head_title", "declared_members")
PORTAL_ROLES = (Affiliation.Role.REPRESENTATIVE, Affiliation.Role.HEAD)
NOMINATION_ROLES = (Affiliation.Role.VOLUNTEER, Affiliation.Role.OBSERVER, Affiliation.Role.PROXY)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_token(invitation: Invitation) -> str:
    """Return the invitation's secret: derived from the server's key, so it is stored nowhere, only its hash.

    The email is stored with a reference to the link (coalition/outbox/links.py) and the token is made again
    when the message is sent, so nothing an auditor or a backup reader can see opens an account.
    """
    mac = salted_hmac("members.portal.invitation", f"{invitation.pk}:{invitation.created_at.isoformat()}")
    return urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def invitation_link(pk: int) -> str:
    """Return the link that opens invitation ``pk`` (made by the outbox when it sends the invitation)."""
    token = invitation_token(Invitation.objects.get(pk=pk))
    return absolute_url(reverse("portal:accept", args=[token]))


def member_organizations(user: User) -> QuerySet[Organization]:
    """Return the admitted organizations ``user`` represents (the only ones the portal shows them)."""
    return Organization.objects.filter(
        status=Organization.Status.ADMITTED,
        affiliations__person__user=user,
        affiliations__role__in=PORTAL_ROLES,
    ).distinct()


@transaction.atomic
def invite_representatives(*, organization: Organization, invited_by: User | None) -> list[Invitation]:
    """Email each representative of a member who has an email but no account an invitation link.

    Only the token's hash is stored; the stored email carries a reference that the outbox makes into the link
    when it sends it (:func:`invitation_link`).
    """
    if organization.status != Organization.Status.ADMITTED:
        raise ValidationError(_("Only members can be given portal accounts."))
    invitations = []
    affiliations = organization.affiliations.filter(role__in=PORTAL_ROLES, person__user__isnull=True).select_related(
        "person"
    )
    for affiliation in affiliations:
        email = affiliation.person.email
        if not email:
            continue
        invitation = Invitation.objects.create(
            affiliation=affiliation,
            email=email,
            token_hash=secrets.token_hex(32),  # a placeholder no token hashes to, replaced below
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
            created_by=invited_by,
        )
        invitation.token_hash = token_hash(invitation_token(invitation))
        invitation.save(update_fields=["token_hash"])
        enqueue_email(
            key=f"members:invitation:{invitation.pk}",
            recipient=email,
            template="emails/members/invitation",
            context={
                "organization": organization,
                "person": affiliation.person,
                "url": links.placeholder("members.invitation", invitation.pk),
                "days": INVITATION_DAYS,
            },
            language=affiliation.person.language,
        )
        invitations.append(invitation)
    audit.record(
        actor=invited_by,
        action="members.portal.invite",
        obj=organization,
        data={"invitations": [i.pk for i in invitations], "emails": [i.email for i in invitations]},
    )
    return invitations


def open_invitation(token: str) -> Invitation | None:
    """Return the invitation for ``token`` if it can still be accepted."""
    return (
        Invitation.objects.select_related("affiliation__person", "affiliation__organization")
        .filter(token_hash=token_hash(token), accepted_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


@transaction.atomic
def accept_invitation(*, token: str, username: str, password: str) -> User:
    """Create the representative's account from an invitation and link it to their Person; return the user."""
    invitation = (
        Invitation.objects.select_for_update()
        .filter(token_hash=token_hash(token), accepted_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if invitation is None:
        raise ValidationError(_("This invitation is no longer valid. Ask the HQ for a new one."))
    person = Person.objects.select_for_update().get(pk=invitation.affiliation.person_id)
    if person.user_id:
        raise ValidationError(_("This person already has an account."))
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    user = user_model.objects.create_user(username=username, email=invitation.email, password=password)
    user.first_name = person.full_name[:150]
    user.save(update_fields=["first_name"])
    person.user = user
    person.save(update_fields=["user"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit.record(actor=user, action="members.portal.accept", obj=invitation.affiliation.organization, data={})
    return user


@transaction.atomic
def update_member_profile(
    *, organization: Organization, data: dict[str, Any], changed_by: User
) -> ProfileChange | None:
    """Apply contact changes at once; send name/BIN changes to staff review. Return the review request, if any."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    before = {f: str(getattr(organization, f) or "") for f in CONTACT_FIELDS}
    for field in CONTACT_FIELDS:
        if field in data:
            setattr(organization, field, data[field])
    organization.save(update_fields=list(CONTACT_FIELDS))
    requested = {f: data[f] for f in ProfileChange.REVIEWED_FIELDS if f in data and data[f] != getattr(organization, f)}
    change = None
    if requested:
        if "bin" in requested:
            validate_bin(requested["bin"])
            if bin_is_taken(requested["bin"]):
                raise ValidationError({"bin": duplicate_bin_message()})
        change = ProfileChange.objects.create(organization=organization, changes=requested, requested_by=changed_by)
    audit.record(
        actor=changed_by,
        action="members.portal.profile",
        obj=organization,
        data={
            "before": before,
            "after": {f: str(getattr(organization, f) or "") for f in CONTACT_FIELDS},
            "review_requested": requested,
        },
    )
    return change


@transaction.atomic
def decide_profile_change(*, change: ProfileChange, approve: bool, reason: str = "", decided_by: User) -> ProfileChange:
    """Apply (or refuse) a member's requested name/BIN change."""
    change = ProfileChange.objects.select_for_update().get(pk=change.pk)
    if change.status != ProfileChange.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    if not approve and not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    organization = Organization.objects.select_for_update().get(pk=change.organization_id)
    before = {f: getattr(organization, f) for f in change.changes}
    if approve:
        new_bin = change.changes.get("bin")
        if (
            new_bin
            and Organization.objects.filter(bin=new_bin)
            .exclude(pk=organization.pk)
            .exclude(status=Organization.Status.REJECTED)
            .exists()
        ):
            raise ValidationError(duplicate_bin_message())
        for field, value in change.changes.items():
            setattr(organization, field, value)
        organization.full_clean(exclude=["phone"])
        organization.save(update_fields=list(change.changes))
    change.status = ProfileChange.Status.APPROVED if approve else ProfileChange.Status.REJECTED
    change.decided_by, change.decided_at, change.reason = decided_by, timezone.now(), reason
    change.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit.record(
        actor=decided_by,
        action="members.portal.profile_review",
        obj=organization,
        data={
            "request": change.pk,
            "approved": approve,
            "before": before,
            "requested": change.changes,
            "reason": reason,
        },
    )
    return change


@transaction.atomic
def nominate_person(
    *,
    organization: Organization,
    full_name: str,
    role: str,
    phone: str = "",
    email: str = "",
    consent_text: str,
    nominated_by: User,
) -> Affiliation:
    """Record a person a member nominates (volunteer, observer, trusted representative) with their consent."""
    if role not in NOMINATION_ROLES:
        raise ValidationError({"role": _("Choose volunteer, observer or trusted representative.")})
    # A member vouches for the person it nominates, but is not staff: an email shared with someone already on
    # record never attaches the nomination to them (members.identity); staff merge a pending claim.
    claim = identity.resolve_person(
        claim=identity.Claim(full_name=full_name, phone=phone, email=email, region_id=organization.region_id),
        source=identity.Source.NOMINATION,
        asserted_by=nominated_by,
    )
    person = claim.person
    affiliation, _created = Affiliation.objects.get_or_create(person=person, organization=organization, role=role)
    purpose = Consent.Purpose.EVENTS if role == Affiliation.Role.VOLUNTEER else Consent.Purpose.OBSERVATION
    identity.record_consent(claim=claim, purpose=purpose, text=consent_text, text_version=CONSENT_TEXT_VERSION)
    audit.record(
        actor=nominated_by,
        action="members.portal.nominate",
        obj=organization,
        data={"person": person.pk, "role": role, "claim": claim.pk},
    )
    return affiliation
