"""Deciding on proposed events: approve against the checklist or reject with a reason; approvers and proposers are
told through the outbox."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from coalition.roles import is_staff_member
from coalition.site import absolute_url
from events import rules
from events.models import Event, EventApproval
from events.selectors import approval_checklist, approval_refusal, approvers_to_notify
from events.services._common import email_user
from events.services.registration import notify_schedule_change


def notify_approvers(event: Event) -> int:
    """Email each approver of ``event`` once that a proposal waits for their decision (after commit)."""
    sent = 0
    for user in approvers_to_notify(event):
        sent += email_user(
            key=f"proposal:event:{event.pk}:waiting:{user.pk}",
            user=user,
            template="emails/events/proposal_waiting",
            context={"event": event, "url": absolute_url(reverse("events:review", args=[event.pk]))},
        )
    return sent


def _check_approver(user: User, event: Event) -> None:
    refusal = approval_refusal(user, event)
    if refusal:
        raise PermissionDenied(refusal)


def _decide(*, event: Event, by: User, decision: str, comment: str) -> tuple[Event, EventApproval]:
    _check_approver(by, event)
    with transaction.atomic():
        event = Event.objects.select_for_update(of=("self",)).select_related("region", "created_by").get(pk=event.pk)
        if event.status != Event.Status.PROPOSED:
            raise ValidationError(_("This event is not waiting for a decision."))
        checklist = approval_checklist(event)
        if decision == EventApproval.Decision.APPROVED:
            failed = [item for item in checklist if item.result == rules.FAIL]
            if failed:
                raise ValidationError([f"{item.label}: {item.detail}" for item in failed])
            if event.starts_at <= timezone.now():
                raise ValidationError(_("The event has already started: it can no longer be approved."))
            event.status = Event.Status.NOTIFIED if event.notice_sent_on else Event.Status.PLANNED
        else:
            event.status = Event.Status.REJECTED
        event.save(update_fields=["status", "updated_at"])
        approval = EventApproval.objects.create(
            event=event,
            decision=decision,
            decided_by=by,
            checklist=[item.as_dict() for item in checklist],
            comment=comment,
        )
        audit.record(
            actor=by,
            action=f"events.{decision}",
            obj=event,
            data={"checklist": {item.key: item.result for item in checklist}, "comment": comment},
        )
        if decision == EventApproval.Decision.APPROVED:
            # An approved event changed in time or place went back to review: its registrants hear of the change
            # now that it is public again (once per change: the key names the version).
            notify_schedule_change(event)
        email_user(
            key=f"proposal:event:{event.pk}:{decision}",
            user=event.created_by,
            template="emails/events/proposal_decided",
            context={
                "event": event,
                "approval": approval,
                "url": _proposer_url(event),
            },
        )
    return event, approval


def _proposer_url(event: Event) -> str:
    if event.organization_id and not (event.created_by is not None and is_staff_member(event.created_by)):
        return absolute_url(reverse("portal:organization", args=[event.organization_id]))
    return absolute_url(reverse("events:detail", args=[event.pk]))


def approve_event(*, event: Event, by: User, comment: str = "") -> Event:
    """Approve a proposal against the checklist (a failed item refuses); the proposer is told through the outbox."""
    event, _approval = _decide(event=event, by=by, decision=EventApproval.Decision.APPROVED, comment=comment)
    return event


def reject_event(*, event: Event, by: User, reason: str) -> Event:
    """Reject a proposal with a reason (required); the proposer is told through the outbox."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    event, _approval = _decide(event=event, by=by, decision=EventApproval.Decision.REJECTED, comment=reason)
    return event
