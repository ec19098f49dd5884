"""Events: planned by HQ staff, proposed by a coordinator or a member organization, changed, notified to the akimat,
held or cancelled. Each computes its akimat notice deadline from the rules kept as data."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from coalition.access import scoped_region
from events import rules
from events.models import Event, EventApproval, Registration
from events.selectors import holidays_between, notice_rule_for
from events.services._common import cancel_pending_messages, check_region, email_person, validate_times
from events.services.approval import notify_approvers
from events.services.registration import notify_schedule_change, promote_waitlist
from members.models import Organization


def apply_notice_rule(event: Event) -> None:
    """Set the event's akimat notice requirement and deadline from the rule in force on its day (not saved)."""
    day = timezone.localdate(event.starts_at)
    rule = notice_rule_for(event.kind, day)
    if rule is None:
        event.notice_requirement = ""
        event.notice_deadline = None
        return
    holidays = holidays_between(day - timedelta(days=rule.working_days * 3 + 30), day)
    event.notice_requirement = rule.requirement
    event.notice_deadline = rules.notice_deadline(day, rule.working_days, holidays)


EVENT_FIELDS = (
    "title",
    "kind",
    "region",
    "place",
    "description",
    "starts_at",
    "ends_at",
    "capacity",
    "organization",
    "responsible",
    "is_national",
)


def needs_approval(user: User) -> bool:
    """Return whether events ``user`` creates start as proposals: a regional coordinator's do, HQ staff's do not."""
    return scoped_region(user) is not None


def create_event(*, by: User, data: dict[str, Any]) -> Event:
    """Plan an event (HQ staff) or propose it (a regional coordinator); compute its akimat notice deadline."""
    check_region(by, data["region"])
    validate_times(data["starts_at"], data["ends_at"], new=True)
    with transaction.atomic():
        event = Event(created_by=by, **{k: data.get(k) for k in EVENT_FIELDS if k in data})
        if event.responsible is None:
            event.responsible = by
        if needs_approval(by):
            event.status = Event.Status.PROPOSED
        apply_notice_rule(event)
        event.full_clean()
        event.save()
        audit.record(
            actor=by,
            action="events.create",
            obj=event,
            data={
                "kind": event.kind,
                "region": event.region.code,
                "national": event.is_national,
                "status": event.status,
            },
        )
        if event.status == Event.Status.PROPOSED:
            notify_approvers(event)
    return event


PROPOSAL_FIELDS = ("title", "kind", "region", "place", "description", "starts_at", "ends_at", "capacity")


def propose_event(*, organization: Organization, by: User, data: dict[str, Any]) -> Event:
    """A member organization's representative proposes an event (from the portal); the region approves it."""
    if organization.status != Organization.Status.ADMITTED:
        raise PermissionDenied(_("Only a member organization can propose events."))
    validate_times(data["starts_at"], data["ends_at"], new=True)
    with transaction.atomic():
        event = Event(
            created_by=by,
            organization=organization,
            status=Event.Status.PROPOSED,
            **{k: data[k] for k in PROPOSAL_FIELDS if k in data},
        )
        apply_notice_rule(event)
        event.full_clean()
        event.save()
        audit.record(
            actor=by,
            action="events.propose",
            obj=event,
            data={"kind": event.kind, "region": event.region.code, "organization": organization.pk},
        )
        notify_approvers(event)
    return event


def update_event(*, event: Event, by: User, data: dict[str, Any]) -> Event:
    """Change an event; capacity may not fall below the registrations; a new time re-plans its reminders."""
    check_region(by, event.region)
    check_region(by, data.get("region", event.region))
    validate_times(data.get("starts_at", event.starts_at), data.get("ends_at", event.ends_at), new=False)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.status in (Event.Status.HELD, Event.Status.CANCELLED, Event.Status.REJECTED):
            raise ValidationError(_("A held, cancelled or rejected event cannot be changed."))
        old_start = event.starts_at
        before = {name: getattr(event, name) for name in EVENT_FIELDS}
        for name in EVENT_FIELDS:
            if name in data:
                setattr(event, name, data[name])
        changed = {name for name in EVENT_FIELDS if getattr(event, name) != before[name]}
        # An approval covers the time and place the approver checked (notice deadline, campaign period): a change to
        # them sends the event back to review, whoever makes it and through whatever form.
        approval = EventApproval.objects.filter(event=event, decision=EventApproval.Decision.APPROVED).first()
        back_to_review = event.status in (Event.Status.PLANNED, Event.Status.NOTIFIED) and rules.needs_review_again(
            was_approved=approval is not None, changed=changed
        )
        schedule_changed = rules.schedule_changed(changed)
        if schedule_changed:
            # Registrants are told once per change of time or place, and say again whether they are coming.
            event.schedule_version += 1
            event.registrations.exclude(status=Registration.Status.CANCELLED).filter(confirmed_at__isnull=False).update(
                confirmed_at=None
            )
        previous_approval = None
        if back_to_review and approval is not None:  # (back to review implies it was approved)
            # The approval no longer covers the event; the audit log keeps who approved what, and when.
            previous_approval = {"decided_by": approval.decided_by_id, "decided_at": approval.decided_at.isoformat()}
            approval.delete()
            event.status = Event.Status.PROPOSED
        confirmed = event.registrations.filter(status=Registration.Status.CONFIRMED).count()
        if event.capacity < confirmed:
            raise ValidationError(
                {
                    "capacity": _("The capacity cannot be below the %(count)d people already registered.")
                    % {"count": confirmed}
                }
            )
        apply_notice_rule(event)
        event.full_clean()
        event.save()
        if event.starts_at != old_start:
            # Reminder keys carry the start time, so the new time gets fresh reminders; drop the old pending ones.
            cancel_pending_messages(f"reminder:event:{event.pk}:")
        promote_waitlist(event)
        if schedule_changed:
            # A public event's registrants hear now; a changed approved event is back in review and is announced
            # when it is approved again (services.approval), since until then it has no public page or .ics.
            notify_schedule_change(event)
        audit.record(
            actor=by,
            action="events.update",
            obj=event,
            data={
                "fields": sorted(data),
                "back_to_review": back_to_review,
                "previous_approval": previous_approval,
                "schedule_version": event.schedule_version if schedule_changed else None,
            },
        )
        if back_to_review:
            notify_approvers(event)
    return event


def record_notice(*, event: Event, by: User, sent_on: date, number: str) -> Event:
    """Record the notice sent to the akimat (date, outgoing number) and mark the event notified."""
    check_region(by, event.region)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.status not in (Event.Status.PROPOSED, Event.Status.PLANNED, Event.Status.NOTIFIED):
            raise ValidationError(_("Only a planned event can be notified."))
        if sent_on > timezone.localdate():
            raise ValidationError({"sent_on": _("The notice cannot be dated in the future.")})
        event.notice_sent_on = sent_on
        event.notice_number = number
        if event.status != Event.Status.PROPOSED:  # a proposal stays one until approved (then: notified)
            event.status = Event.Status.NOTIFIED
        event.save(update_fields=["notice_sent_on", "notice_number", "status", "updated_at"])
        late = bool(event.notice_deadline and sent_on > event.notice_deadline)
        audit.record(
            actor=by, action="events.notice", obj=event, data={"sent_on": sent_on, "number": number, "late": late}
        )
    return event


def mark_held(*, event: Event, by: User) -> Event:
    """Mark an event held once it has started (an event that needs an akimat notice must have been notified)."""
    check_region(by, event.region)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.status not in (Event.Status.PLANNED, Event.Status.NOTIFIED):
            raise ValidationError(_("Only a planned or notified event can be marked as held."))
        if event.notice_requirement and event.status != Event.Status.NOTIFIED:
            raise ValidationError(_("Record the akimat notice before marking this event as held."))
        if event.starts_at > timezone.now():
            raise ValidationError(_("The event has not started yet."))
        event.status = Event.Status.HELD
        event.save(update_fields=["status", "updated_at"])
        audit.record(actor=by, action="events.held", obj=event)
    return event


def cancel_event(*, event: Event, by: User, reason: str = "") -> Event:
    """Cancel an event: drop its pending reminders and tell every registered person once."""
    check_region(by, event.region)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.status not in (Event.Status.PROPOSED, Event.Status.PLANNED, Event.Status.NOTIFIED):
            raise ValidationError(_("Only a proposed, planned or notified event can be cancelled."))
        event.status = Event.Status.CANCELLED
        event.save(update_fields=["status", "updated_at"])
        cancel_pending_messages(f"reminder:event:{event.pk}:")
        active = event.registrations.exclude(status=Registration.Status.CANCELLED).select_related("person")
        for registration in active:
            email_person(
                key=f"cancelled:event:{event.pk}:person:{registration.person_id}",
                person=registration.person,
                template="emails/events/event_cancelled",
                context={"event": event, "reason": reason},
            )
        audit.record(actor=by, action="events.cancel", obj=event, data={"reason": reason})
    return event
