"""Casework by staff: triage, case notes, closing a case, and the hotline's rules (policy) they work under."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from hotline.models import CaseNote, HotlinePolicy, Report
from hotline.services.notices import notify_reporter


def triage_report(*, report: Report, severity: str, duplicate_of: Report | None, by) -> Report:
    """Set the severity (and the case this one duplicates); a new case becomes "under review"."""
    if duplicate_of is not None and duplicate_of.pk == report.pk:
        raise ValidationError(_("A report cannot duplicate itself."))
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        report.severity = severity
        report.duplicate_of = duplicate_of
        if report.status == Report.Status.NEW:
            report.status = Report.Status.TRIAGED
        report.triaged_at = report.triaged_at or timezone.now()
        report.save(update_fields=["severity", "duplicate_of", "status", "triaged_at"])
        audit.record(
            actor=by,
            action="hotline.triaged",
            obj=report,
            data={"severity": severity, "duplicate_of": duplicate_of.tracking_code if duplicate_of else None},
        )
    return report


def add_note(*, report: Report, text: str, by) -> CaseNote:
    with transaction.atomic():
        note = CaseNote.objects.create(report=report, author=by, text=text)
        audit.record(actor=by, action="hotline.note_added", obj=report, data={"note": note.pk})
    return note


def close_report(*, report: Report, public_note: str, by) -> Report:
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.status == Report.Status.CLOSED:
            return report
        report.status = Report.Status.CLOSED
        report.public_note = public_note
        report.closed_at = timezone.now()
        report.triaged_at = report.triaged_at or report.closed_at
        report.save(update_fields=["status", "public_note", "closed_at", "triaged_at"])
        audit.record(actor=by, action="hotline.closed", obj=report, data={})
        notify_reporter(report=report, occasion="closed")
    return report


def publish_policy(*, form_data: dict, by) -> HotlinePolicy:
    """Store a new version of the hotline's rules (deadlines, retention, limits); old versions stay as they were."""
    with transaction.atomic():
        policy = HotlinePolicy.objects.create(**form_data)
        audit.record(
            actor=by,
            action="hotline.policy_published",
            obj=policy,
            data={key: value for key, value in form_data.items() if key != "escalation_emails"},
        )
    return policy
