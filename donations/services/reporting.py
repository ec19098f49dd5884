"""Daily jobs: deadline alerts to finance officers, and the filed compliance reports."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from coalition import audit
from coalition.outbox import notify_staff, staff_with_email
from coalition.roles import Role
from donations import reports, selectors
from donations.models import (
    ComplianceReport,
    Election,
    Refund,
)

# --- Deadlines and reports --------------------------------------------------------------------------------------------


def send_deadline_alerts(*, today: date | None = None, within_days: int = 2) -> int:
    """Email finance officers about each open return/transfer due within ``within_days`` or overdue.

    Exactly once per item, recipient and day: the outbox key holds all three.
    """
    today = today or timezone.localdate()
    refunds = list(
        Refund.objects.filter(
            completed_on__isnull=True, due_on__lte=today + timedelta(days=within_days)
        ).select_related("donation__election")
    )
    officers = list(staff_with_email(Role.FINANCE_OFFICER))
    sent = 0
    for refund in refunds:
        overdue = refund.due_on < today
        state = "overdue" if overdue else "due"
        with transaction.atomic():
            sent += notify_staff(
                recipients=officers,
                key=f"donations:refund:{refund.pk}:{state}:{today.isoformat()}",
                template="emails/donations/refund_deadline",
                context={"refund": refund, "donation": refund.donation, "overdue": overdue, "today": today},
            )
    return sent


def file_daily_reports(*, today: date | None = None) -> list[ComplianceReport]:
    """Produce each election's compliance report in every format, store it with its SHA-256, and email
    finance officers and auditors (once per election and day)."""
    today = today or timezone.localdate()
    filed = []
    for election in Election.objects.all():
        version = selectors.current_rule_version(election)
        if version is None:
            continue
        data = reports.compliance_data(election)
        with transaction.atomic():
            new = []
            for fmt in reports.FORMATS:
                if ComplianceReport.objects.filter(election=election, report_date=today, format=fmt).exists():
                    continue
                content = reports.render(data, fmt)
                new.append(
                    ComplianceReport.objects.create(
                        election=election,
                        rule_version=version,
                        report_date=today,
                        format=fmt,
                        content=content,
                        sha256=hashlib.sha256(content).hexdigest(),
                    )
                )
            manifest = list(
                ComplianceReport.objects.filter(election=election, report_date=today).values("format", "sha256")
            )
            notify_staff(
                recipients=staff_with_email(Role.FINANCE_OFFICER, Role.AUDITOR),
                key=f"donations:report:{election.pk}:{today.isoformat()}",
                template="emails/donations/daily_report",
                context={"election": election, "data": data, "manifest": manifest, "today": today},
            )
            if new:
                audit.record(
                    actor=None,
                    action="donations.file_report",
                    obj=election,
                    data={"date": today, "rule_version": version.number, "manifest": manifest},
                )
            filed.extend(new)
    return filed
