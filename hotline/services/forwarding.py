"""The forwarding ledger: a case passed to an agency with a kept letter, and the agency's answer."""

from __future__ import annotations

import hashlib
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from hotline import selectors
from hotline.letters import render_letter
from hotline.models import Agency, Forwarding, IdentityAccess, Report, ReporterIdentity
from hotline.services.identity import may_include_identity
from hotline.services.notices import notify_reporter


def store_letter(forwarding: Forwarding, *, identity: ReporterIdentity | None, officer, **extra) -> None:
    """Render the forwarding's letter and keep it (not yet saving the row): what the report said and added, and
    the evidence, as of the forwarding; the identity only if given."""
    report = forwarding.report
    as_of = forwarding.created_at or timezone.now()
    content, content_type, extension = render_letter(
        {
            "report": report,
            "forwarding": forwarding,
            "agency": forwarding.agency,
            "identity": identity,
            "updates": list(report.updates.filter(created_at__lte=as_of)),
            "evidence": list(report.evidence.filter(created_at__lte=as_of)),
            "officer": officer,
            "hotline_phone": settings.HOTLINE_PHONE,
            **extra,
        }
    )
    forwarding.letter_content_type = content_type
    forwarding.letter_sha256 = hashlib.sha256(content).hexdigest()
    forwarding.letter.save(f"letter.{extension}", ContentFile(content), save=False)


def forward_report(
    *,
    report: Report,
    agency: Agency,
    sent_on: date,
    outgoing_number: str,
    include_identity: bool,
    by,
    ip_address: str | None = None,
) -> Forwarding:
    """Add to the forwarding ledger: generate and keep the letter (identity only where allowed), mark the case."""
    if not selectors.can_see_identity(by):
        raise PermissionDenied
    if include_identity and not may_include_identity(report, agency):
        raise ValidationError(
            _("The identity may be passed on only with the reporter's consent or an approved disclosure.")
        )
    identity = ReporterIdentity.objects.filter(report=report).first() if include_identity else None
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.status == Report.Status.CLOSED:
            raise ValidationError(_("A closed case cannot be forwarded."))
        forwarding = Forwarding(
            report=report,
            agency=agency,
            sent_on=sent_on,
            outgoing_number=outgoing_number,
            includes_identity=identity is not None,
            created_by=by,
        )
        store_letter(forwarding, identity=identity, officer=by)
        forwarding.save()
        if identity is not None:
            IdentityAccess.objects.create(
                report=report,
                user=by,
                action=IdentityAccess.Action.DISCLOSE,
                reason=_("Included in letter %(number)s to %(agency)s")
                % {"number": outgoing_number, "agency": agency.name_ru},
                ip_address=ip_address,
            )
        report.status = Report.Status.FORWARDED
        report.triaged_at = report.triaged_at or timezone.now()
        report.save(update_fields=["status", "triaged_at"])
        audit.record(
            actor=by,
            action="hotline.forwarded",
            obj=report,
            data={
                "forwarding": forwarding.pk,
                "agency": agency.code,
                "number": outgoing_number,
                "includes_identity": forwarding.includes_identity,
                "letter_sha256": forwarding.letter_sha256,
            },
        )
        notify_reporter(report=report, occasion=f"forwarded:{forwarding.pk}")
    return forwarding


def record_agency_answer(
    *,
    forwarding: Forwarding,
    by,
    acknowledged_on: date | None = None,
    agency_reference: str = "",
    outcome: str = "",
    outcome_on: date | None = None,
    outcome_public: str = "",
) -> Forwarding:
    """Record the agency's acknowledgement and/or outcome; an outcome stops the follow-up reminders."""
    if outcome_on is not None and not outcome.strip():
        raise ValidationError(_("Describe the outcome."))
    with transaction.atomic():
        forwarding = Forwarding.objects.select_for_update().select_related("report").get(pk=forwarding.pk)
        if acknowledged_on is not None:
            forwarding.acknowledged_on = acknowledged_on
        if agency_reference:
            forwarding.agency_reference = agency_reference
        had_outcome = forwarding.answered
        if outcome_on is not None:
            forwarding.outcome, forwarding.outcome_on, forwarding.outcome_public = outcome, outcome_on, outcome_public
        forwarding.save()
        report = forwarding.report
        if forwarding.answered and not had_outcome and report.status == Report.Status.FORWARDED:
            report.status = Report.Status.ANSWERED
            report.save(update_fields=["status"])
        audit.record(
            actor=by,
            action="hotline.answer_recorded",
            obj=report,
            data={
                "forwarding": forwarding.pk,
                "acknowledged_on": forwarding.acknowledged_on,
                "outcome_on": forwarding.outcome_on,
            },
        )
        if forwarding.answered and not had_outcome:
            notify_reporter(report=report, occasion=f"answered:{forwarding.pk}")
    return forwarding
