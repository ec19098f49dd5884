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
    # The employer as the donor registry records it, not guessed from the purpose text.
    rows = (
        Donation.objects.filter(election=election, source=rules.DONATIONS)
        .exclude(verdict__in=[rules.TO_BUDGET])
        .annotate(employer=selectors.registry_employer())
        .values("pk", "received_on", "payer_id", "amount", "accepted_amount", "purpose", "employer")
    )
    gifts = [
        rules.Gift(
            donation_id=row["pk"],
            received_on=row["received_on"],
            payer_id=row["payer_id"],
            amount=row["amount"],
            purpose=row["purpose"],
            employer=row["employer"] or "",
            accepted=row["accepted_amount"],
        )
        for row in rows
    ]
    ruleset = version.as_rules(election)
    floor = ruleset.near_cap_floor
    signals = rules.coercion_signals(
        gifts,
        threshold=version.burst_threshold,
        per_donor_cap=ruleset.per_donor_cap,
        near_cap_floor=floor,
        kept=selectors.payers_kept_at_least(election, floor),
    )
    if not signals:
        return []
    raised = []
    with transaction.atomic():
        # All patterns in one transaction under the fund's lock: two detections of one fund (two imports ending
        # together) take turns, so a pattern is raised once; the alerts already raised are read in one query.
        Election.objects.select_for_update().get(pk=election.pk)
        alerts = {
            (alert.kind, alert.on_date, alert.key): alert for alert in CoercionAlert.objects.filter(election=election)
        }
        members = []
        for signal in signals:
            alert = alerts.get((signal.kind, signal.on_date, signal.key))
            if alert is None:
                alert = alerts[(signal.kind, signal.on_date, signal.key)] = CoercionAlert(
                    election=election,
                    kind=signal.kind,
                    on_date=signal.on_date,
                    key=signal.key,
                    donor_count=signal.donor_count,
                    total=signal.total,
                )
                raised.append((alert, signal))
            members.append((alert, signal.donation_ids))
        CoercionAlert.objects.bulk_create([alert for alert, _signal in raised])
        through = CoercionAlert.donations.through
        through.objects.bulk_create(
            [through(coercionalert_id=alert.pk, donation_id=pk) for alert, ids in members for pk in ids],
            ignore_conflicts=True,  # a donation already in an alert raised by an earlier import stays once
        )
        for alert, signal in raised:
            audit.record(
                actor=None,
                action="donations.coercion_alert",
                obj=alert,
                data={"kind": signal.kind, "donors": signal.donor_count, "total": signal.total},
            )
    return [alert for alert, _signal in raised]


def mark_alert_reviewed(*, alert: CoercionAlert, reviewed_by) -> CoercionAlert:
    with transaction.atomic():
        updated = CoercionAlert.objects.filter(pk=alert.pk, reviewed_at__isnull=True).update(reviewed_at=timezone.now())
        if updated:
            audit.record(actor=reviewed_by, action="donations.review_alert", obj=alert)
    alert.refresh_from_db()
    return alert
