"""Coercion alerts for the integrity officer."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coalition import audit
from donations import rules, selectors
from donations.models import (
    CoercionAlert,
    Donation,
    Election,
)

# --- Coercion alerts --------------------------------------------------------------------------------------------------


def detect_coercion(*, election: Election) -> list[CoercionAlert]:
    """Raise an alert for each coercion pattern among credited donations (once per pattern)."""
    version = selectors.current_rule_version(election)
    if version is None:
        return []
    gifts = [
        rules.Gift(
            donation_id=d["pk"],
            received_on=d["received_on"],
            payer_id=d["payer_id"],
            amount=d["amount"],
            purpose=d["purpose"],
        )
        for d in Donation.objects.filter(election=election, source=rules.DONATIONS)
        .exclude(verdict__in=[rules.TO_BUDGET])
        .values("pk", "received_on", "payer_id", "amount", "purpose")
    ]
    signals = rules.coercion_signals(
        gifts, threshold=version.burst_threshold, per_donor_cap=version.as_rules(election).per_donor_cap
    )
    raised = []
    for signal in signals:
        with transaction.atomic():
            alert, created = CoercionAlert.objects.get_or_create(
                election=election,
                kind=signal.kind,
                on_date=signal.on_date,
                key=signal.key,
                defaults={"donor_count": signal.donor_count, "total": signal.total},
            )
            alert.donations.add(*signal.donation_ids)
            if created:
                audit.record(
                    actor=None,
                    action="donations.coercion_alert",
                    obj=alert,
                    data={"kind": signal.kind, "donors": signal.donor_count, "total": signal.total},
                )
                raised.append(alert)
    return raised


def mark_alert_reviewed(*, alert: CoercionAlert, reviewed_by) -> CoercionAlert:
    with transaction.atomic():
        updated = CoercionAlert.objects.filter(pk=alert.pk, reviewed_at__isnull=True).update(reviewed_at=timezone.now())
        if updated:
            audit.record(actor=reviewed_by, action="donations.review_alert", obj=alert)
    alert.refresh_from_db()
    return alert
