"""The consent a person gives when they register for an event or enrol in training, and who they are."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from coalition.models import Region
from members import identity
from members.models import Consent, Person

CONSENT_TEXT_VERSION = "events-2026-1"


def consent_text() -> str:
    """Return the consent text shown on registration forms (in the active language)."""
    return _(
        "I agree that the People's Coalition HQ (Astana) processes my name, phone and email to register me for "
        "campaign events and training, to send me reminders and, if I am certified, to deploy me as an observer or "
        "trusted representative, until the end of the election campaign. I may withdraw this consent at any time."
    )


@dataclass
class Applicant:
    full_name: str
    email: str
    phone: str = ""
    language: str = "ru"


def person_with_consent(
    applicant: Applicant,
    *,
    purpose: str,
    region: Region | None,
    source: str,
    asserted_by: User | None = None,
    text_version: str = CONSENT_TEXT_VERSION,
) -> tuple[Person, Consent]:
    """Resolve the applicant by the one identity policy (members.identity) and record their consent for ``purpose``.

    A public form's email never attaches to someone already on record: a new person is recorded (pending, for staff
    to merge), so nobody is registered or enrolled, nor a consent recorded in their name, by whoever knows an email.
    """
    claim = identity.resolve_person(
        claim=identity.Claim(
            full_name=applicant.full_name,
            email=applicant.email,
            phone=applicant.phone,
            region_id=region.pk if region else None,
            language=applicant.language,
        ),
        source=source,
        asserted_by=asserted_by,
    )
    consent = identity.record_consent(
        claim=claim, purpose=purpose, text=consent_text(), text_version=text_version, language=applicant.language
    )
    return claim.person, consent
