"""Intake: a report filed (from the public form or by staff for a caller), its receipt, and what is added later.

No IP address or other request data is stored with a report; the secret of a receipt exists only in the receipt.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coalition import audit
from coalition.jobs import queue_after_commit
from coalition.site import absolute_url
from hotline.evidence import CleanFile
from hotline.models import Channel, Evidence, Report, ReporterIdentity, ReportUpdate
from hotline.services.notices import notify_officers

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
CONSENT_TEXT_VERSION = "hotline-2026-1"


@dataclass(frozen=True)
class IdentityData:
    """What a reporter chose to tell about themselves, and what they consented to."""

    full_name: str = ""
    phone: str = ""
    email: str = ""
    other_contact: str = ""
    language: str = "ru"
    consent_to_contact: bool = False
    consent_to_share: bool = False
    consent_text: str = ""

    @property
    def given(self) -> bool:
        return any([self.full_name, self.phone, self.email, self.other_contact])


@dataclass(frozen=True)
class Receipt:
    """The tracking code and the secret: the secret exists only here, and is shown to the reporter once."""

    report: Report
    code: str
    secret: str


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"HL-{raw[:4]}-{raw[4:]}"


def _new_secret() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(20))
    return "-".join(raw[i : i + 5] for i in range(0, 20, 5))


def _store_evidence(report: Report, files: list[CleanFile], update: ReportUpdate | None = None) -> list[Evidence]:
    stored = []
    for clean in files:
        evidence = Evidence(
            report=report,
            update=update,
            content_type=clean.content_type,
            size=len(clean.content),
            sha256=clean.sha256,
            metadata_stripped=clean.metadata_stripped,
        )
        evidence.file.save(f"evidence.{evidence.extension}", ContentFile(clean.content), save=False)
        evidence.save()
        stored.append(evidence)
    return stored


def submit_report(
    *,
    category: str,
    description: str,
    region=None,
    locality: str = "",
    occurred_on: date | None = None,
    occurred_when: str = "",
    organization=None,
    involved: str = "",
    files: Sequence[CleanFile] = (),
    identity: IdentityData | None = None,
    channel: str = Channel.WEB,
    recorded_by=None,
) -> Receipt:
    """File a report (from the public form, or by staff for a caller) and return its receipt.

    No IP address or other request data is stored with the report.
    """
    secret = _new_secret()
    with transaction.atomic():
        for _attempt in range(5):  # a clash of random codes is rare; try a fresh one
            code = _new_code()
            try:
                with transaction.atomic():
                    report = Report.objects.create(
                        tracking_code=code,
                        secret_hash=make_password(secret),
                        category=category,
                        description=description,
                        region=region,
                        locality=locality,
                        occurred_on=occurred_on,
                        occurred_when=occurred_when,
                        organization=organization,
                        involved=involved,
                        channel=channel,
                        recorded_by=recorded_by,
                    )
                break
            except IntegrityError:
                continue
        else:  # pragma: no cover - 32**8 codes
            raise RuntimeError("Could not find a free tracking code.")
        evidence = _store_evidence(report, list(files))
        if identity is not None and identity.given:
            ReporterIdentity.objects.create(
                report=report,
                full_name=identity.full_name,
                phone=identity.phone,
                email=identity.email,
                other_contact=identity.other_contact,
                language=identity.language,
                consent_to_contact=identity.consent_to_contact,
                consent_to_share=identity.consent_to_share,
                consent_text_version=CONSENT_TEXT_VERSION,
                consent_text=identity.consent_text,
                consent_given_at=timezone.now(),
            )
        audit.record(
            actor=recorded_by,
            action="hotline.report_received",
            obj=report,
            data={
                "channel": channel,
                "category": category,
                "files": len(evidence),
                "identity_given": bool(identity and identity.given),
            },
        )
        notify_officers(
            key=f"hotline:new:{report.pk}",
            template="emails/hotline/new_report",
            context={
                "code": report.tracking_code,
                "category": report.get_category_display(),
                "region": report.region.name if report.region else "",
                "url": absolute_url(reverse("hotline:detail", args=[report.tracking_code])),
            },
        )
        queue_after_commit("hotline.tasks.detect_patterns", report.pk)
    return Receipt(report=report, code=report.tracking_code, secret=secret)


def add_information(
    *, report: Report, text: str, files: Sequence[CleanFile] = (), channel: str = Channel.WEB, recorded_by=None
) -> ReportUpdate:
    """Append what the reporter adds later; the original report is never changed."""
    with transaction.atomic():
        update = ReportUpdate.objects.create(report=report, text=text, channel=channel, recorded_by=recorded_by)
        evidence = _store_evidence(report, list(files), update=update)
        audit.record(
            actor=recorded_by,
            action="hotline.information_added",
            obj=report,
            data={"update": update.pk, "files": len(evidence), "channel": channel},
        )
        notify_officers(
            key=f"hotline:update:{update.pk}",
            template="emails/hotline/information_added",
            context={
                "code": report.tracking_code,
                "url": absolute_url(reverse("hotline:detail", args=[report.tracking_code])),
            },
        )
    return update
