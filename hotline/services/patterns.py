"""Patterns across reports: the same organization named again within the window, or a cluster of its people's
donations on one day (read from the donations app through hotline.selectors).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from coalition import audit
from coalition.site import absolute_url
from hotline import selectors
from hotline.models import HotlinePolicy, PatternAlert, Report
from hotline.services.notices import notify_officers


def _raise_alert(*, kind: str, key: str, organization, label: str, reports: list[Report], details: dict) -> bool:
    with transaction.atomic():
        alert, created = PatternAlert.objects.get_or_create(
            key=key,
            defaults={
                "kind": kind,
                "organization": organization,
                "organization_label": label[:300],
                "details": details,
            },
        )
        alert.reports.add(*reports)
        if created:
            audit.record(actor=None, action="hotline.pattern_alert", obj=alert, data={"reports": len(reports)})
            notify_officers(
                key=f"hotline:pattern:{alert.pk}",
                template="emails/hotline/pattern_alert",
                context={
                    "kind": alert.get_kind_display(),
                    "label": label,
                    "urls": [absolute_url(reverse("hotline:detail", args=[r.tracking_code])) for r in reports],
                },
            )
    return created


def detect_patterns(*, report: Report) -> int:
    """Alert the integrity officer when this report's organization is named by others within the window, or
    when the named member organization's people donated to the fund on one day (where the donations app knows).

    Returns how many new alerts were raised. One alert per organization and window start, so reruns add nothing.
    """
    policy = HotlinePolicy.current()
    since = report.created_at - timedelta(days=policy.pattern_window_days)
    raised = 0
    same = Q(organization=report.organization) if report.organization_id else Q()
    if report.involved.strip():
        same |= Q(involved__iexact=report.involved.strip())
    if same:
        others = list(
            Report.objects.filter(same, created_at__gte=since, created_at__lte=report.created_at)
            .exclude(pk=report.pk)
            .order_by("created_at")
        )
        if others:
            first = others[0]
            label = str(report.organization) if report.organization_id else report.involved.strip()
            ident = (
                f"org{report.organization_id}"
                if report.organization_id
                else hashlib.sha256(label.lower().encode()).hexdigest()[:16]
            )
            raised += _raise_alert(
                kind=PatternAlert.Kind.SAME_ORGANIZATION,
                key=f"same:{ident}:{first.pk}",
                organization=report.organization,
                label=label,
                reports=[*others, report],
                details={"window_days": policy.pattern_window_days},
            )
    if report.organization_id:
        cluster = selectors.donation_cluster(report.organization_id, since=since.date(), until=report.created_at.date())
        if cluster:
            day, count = cluster
            raised += _raise_alert(
                kind=PatternAlert.Kind.DONATION_CLUSTER,
                key=f"donations:org{report.organization_id}:{day.isoformat()}",
                organization=report.organization,
                label=str(report.organization),
                reports=[report],
                details={"day": day.isoformat(), "donations": count},
            )
    return raised
