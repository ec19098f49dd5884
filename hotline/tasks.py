"""Thin Celery tasks of the hotline: ids in, one service call; each is safe to run twice."""

from celery import shared_task

from hotline import services
from hotline.models import Report


@shared_task
def detect_patterns(report_id: int) -> int:
    """Look for other reports (or donations) pointing at the organization a new report names."""
    report = Report.objects.filter(pk=report_id).select_related("organization").first()
    return services.detect_patterns(report=report) if report is not None else 0


@shared_task
def escalate_sla_breaches() -> int:
    """Beat job: record and escalate missed triage and answer deadlines, once per breach."""
    return services.escalate_sla_breaches()


@shared_task
def send_follow_up_reminders() -> int:
    """Beat job: remind the integrity officers of forwardings still waiting for an agency's outcome."""
    return services.send_follow_up_reminders()


@shared_task
def anonymise_expired_reports() -> int:
    """Beat job: remove the identity of closed cases past their retention period."""
    return services.anonymise_expired_reports()
