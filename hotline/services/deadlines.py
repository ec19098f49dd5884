"""Deadlines: missed triage and answer deadlines escalated once per breach, and follow-up reminders.

Called by the thin beat tasks in hotline.tasks; each is safe to run twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from coalition import audit
from coalition.dates import day_start
from coalition.outbox import notify_staff
from coalition.site import absolute_url
from hotline import selectors
from hotline.models import Forwarding, HotlinePolicy, Report, SlaBreach


def _escalate(breach: SlaBreach, policy: HotlinePolicy) -> None:
    context = {
        "code": breach.report.tracking_code,
        "kind": breach.get_kind_display(),
        "deadline": breach.deadline,
        "url": absolute_url(reverse("hotline:detail", args=[breach.report.tracking_code])),
    }
    recipients = list(dict.fromkeys(selectors.integrity_officer_emails() + policy.escalation_recipients))
    notify_staff(
        recipients=recipients, key=f"hotline:sla:{breach.pk}", template="emails/hotline/sla_breach", context=context
    )


def escalate_sla_breaches(*, now: datetime | None = None) -> int:
    """Record every new breach (untriaged report, unanswered forwarding) and escalate it, once per breach."""
    now = now or timezone.now()
    policy = HotlinePolicy.current()
    created = 0
    late_reports = Report.objects.filter(
        status=Report.Status.NEW, created_at__lt=now - timedelta(hours=policy.triage_hours)
    ).exclude(Exists(SlaBreach.objects.filter(report=OuterRef("pk"), kind=SlaBreach.Kind.TRIAGE)))
    for report in late_reports:
        with transaction.atomic():
            breach, is_new = SlaBreach.objects.get_or_create(
                report=report,
                kind=SlaBreach.Kind.TRIAGE,
                forwarding=None,
                defaults={"deadline": report.triage_deadline(policy), "detected_at": now},
            )
            if is_new:
                audit.record(actor=None, action="hotline.sla_breached", obj=report, data={"kind": breach.kind})
                _escalate(breach, policy)
                created += 1
    late_forwardings = (
        Forwarding.objects.filter(outcome_on__isnull=True, sent_on__lt=now.date() - timedelta(days=policy.answer_days))
        .exclude(Exists(SlaBreach.objects.filter(forwarding=OuterRef("pk"), kind=SlaBreach.Kind.ANSWER)))
        .select_related("report")
    )
    for forwarding in late_forwardings:
        deadline = day_start(forwarding.sent_on + timedelta(days=policy.answer_days))
        with transaction.atomic():
            breach, is_new = SlaBreach.objects.get_or_create(
                report=forwarding.report,
                kind=SlaBreach.Kind.ANSWER,
                forwarding=forwarding,
                defaults={"deadline": deadline, "detected_at": now},
            )
            if is_new:
                audit.record(
                    actor=None,
                    action="hotline.sla_breached",
                    obj=forwarding.report,
                    data={"kind": breach.kind, "forwarding": forwarding.pk},
                )
                _escalate(breach, policy)
                created += 1
    return created


def send_follow_up_reminders(*, today: date | None = None) -> int:
    """Remind the integrity officers of each forwarding without an outcome, every ``follow_up_days``.

    The outbox key names the forwarding and the reminder's number, so a second run the same day sends nothing.
    """
    today = today or timezone.localdate()
    policy = HotlinePolicy.current()
    sent = 0
    for forwarding in Forwarding.objects.filter(outcome_on__isnull=True).select_related("report", "agency"):
        number = (today - forwarding.sent_on).days // policy.follow_up_days
        if number < 1:
            continue
        context = {
            "code": forwarding.report.tracking_code,
            "agency": forwarding.agency.name_ru,
            "number": forwarding.outgoing_number,
            "sent_on": forwarding.sent_on,
            "url": absolute_url(reverse("hotline:detail", args=[forwarding.report.tracking_code])),
        }
        sent += notify_staff(
            recipients=selectors.integrity_officer_emails(),
            key=f"hotline:followup:{forwarding.pk}:{number}",
            template="emails/hotline/follow_up",
            context=context,
        )
    return sent
