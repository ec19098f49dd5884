"""Joining the coalition: the public application, eligibility and the list of ineligible categories."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from coalition import audit
from coalition.models import Region
from coalition.outbox import enqueue_email
from members import identity, rules
from members.models import Affiliation, Consent, IneligibleCategory, Organization, StatusChange
from members.services.people import CONSENT_TEXT_VERSION


@dataclass
class Application:
    """What the public join form collects, as plain data."""

    name_ru: str
    bin: str
    kind: str
    region: Region
    name_kk: str = ""
    name_en: str = ""
    short_name: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    head_name: str = ""
    head_title: str = ""
    declared_members: int | None = None
    declared_categories: Sequence[str] = field(default_factory=list)
    representative_name: str = ""
    representative_title: str = ""
    representative_phone: str = ""
    representative_email: str = ""
    representative_iin: str = ""
    consent_text: str = ""
    language: str = "ru"


def active_categories() -> list[rules.Category]:
    return [
        rules.Category(c.code, c.label, c.reason, tuple(c.keywords()), c.bin_type_digits)
        for c in IneligibleCategory.objects.filter(is_active=True)
    ]


def eligibility_refusals(*, names: Iterable[str], bin_: str, declared: Iterable[str]) -> list[rules.Refusal]:
    """Return the reasons an organization may not join, from the categories in force."""
    return rules.eligibility_refusals(names=names, bin_=bin_, declared=declared, categories=active_categories())


def bin_is_taken(bin_: str) -> bool:
    """Return whether a pending or member organization already has this BIN (rejected ones free it)."""
    return Organization.objects.filter(bin=bin_).exclude(status=Organization.Status.REJECTED).exists()


def duplicate_bin_message() -> str:
    # Deliberately says nothing about the other application (who, when, status).
    return _("An organization with this BIN has already applied or is a member. Contact the HQ if this is wrong.")


def _duplicate_bin_error() -> ValidationError:
    return ValidationError({"bin": duplicate_bin_message()}, code="duplicate_bin")


def submit_application(*, application: Application) -> Organization:
    """Record a public application, its representative and their consent; email the applicant a confirmation."""
    refusals = eligibility_refusals(
        names=[application.name_ru, application.name_kk, application.name_en, application.short_name],
        bin_=application.bin,
        declared=application.declared_categories,
    )
    if refusals:
        raise ValidationError([r.reason for r in refusals], code="ineligible")
    if bin_is_taken(application.bin):
        raise _duplicate_bin_error()
    try:
        with transaction.atomic():
            organization = Organization.objects.create(
                name_ru=application.name_ru,
                name_kk=application.name_kk,
                name_en=application.name_en,
                short_name=application.short_name,
                bin=application.bin,
                kind=application.kind,
                region=application.region,
                address=application.address,
                phone=application.phone,
                email=application.email,
                website=application.website,
                head_name=application.head_name,
                head_title=application.head_title,
                declared_members=application.declared_members,
                language=application.language,
            )
            # The representative is who the policy says (members.identity): a known IIN under another name is not
            # attached to its holder, and an email alone never is.
            claim = identity.resolve_person(
                claim=identity.Claim(
                    full_name=application.representative_name,
                    iin=application.representative_iin,
                    email=application.representative_email,
                    phone=application.representative_phone,
                    region_id=application.region.pk,
                    language=application.language,
                ),
                source=identity.Source.JOIN,
            )
            person = claim.person
            Affiliation.objects.get_or_create(
                person=person,
                organization=organization,
                role=Affiliation.Role.REPRESENTATIVE,
                defaults={"title": application.representative_title},
            )
            identity.record_consent(
                claim=claim,
                purpose=Consent.Purpose.MEMBERSHIP,
                text=application.consent_text,
                text_version=CONSENT_TEXT_VERSION,
                language=application.language,
            )
            StatusChange.objects.create(organization=organization, to_status=Organization.Status.APPLIED)
            audit.record(
                actor=None,
                action="members.apply",
                obj=organization,
                data={"bin": organization.bin, "region": application.region.code, "representative": person.pk},
            )
            if organization.email:
                enqueue_email(
                    key=f"members:organization:{organization.pk}:received",
                    recipient=organization.email,
                    template="emails/members/application_received",
                    context={"organization": organization, "number": organization.application_number},
                    language=organization.language,
                )
    except IntegrityError as exc:  # two applications with one BIN at the same moment: the constraint decides
        if "organization_bin_unique_unless_rejected" in str(exc):
            raise _duplicate_bin_error() from exc
        raise
    return organization


@transaction.atomic
def save_ineligible_category(*, category: IneligibleCategory, changed_by: User) -> IneligibleCategory:
    """Save a staff edit of the eligibility list (the form has validated it), with the before/after in the audit."""
    before = {}
    if category.pk:
        before = dict(
            IneligibleCategory.objects.filter(pk=category.pk).values(
                "label", "reason", "name_keywords", "bin_type_digits", "source", "is_active"
            )[0]
        )
    category.save()
    after = {
        "label": category.label,
        "reason": category.reason,
        "name_keywords": category.name_keywords,
        "bin_type_digits": category.bin_type_digits,
        "source": category.source,
        "is_active": category.is_active,
    }
    audit.record(
        actor=changed_by, action="members.eligibility.save", obj=category, data={"before": before, "after": after}
    )
    return category
