"""Every workflow of the events app that writes: one transaction each, with its audit entry inside."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit, images
from coalition.access import scoped_region
from coalition.models import OutboundMessage, Region
from coalition.outbox import enqueue_email, links, queue_sweep
from coalition.site import absolute_url
from coalition.spreadsheets import looks_like_formula
from coalition.uploads import NotText, csv_text
from events import rules
from events.models import (
    Accreditation,
    Assignment,
    Campaign,
    Certificate,
    Enrolment,
    Event,
    EventApproval,
    EventPhoto,
    EventReport,
    Holiday,
    NoticeRule,
    Policy,
    PollingStation,
    Registration,
    TrainingSession,
    no_accreditation_message,
)
from members import identity
from members.models import Consent, Organization, Person

CONSENT_TEXT_VERSION = "events-2026-1"


def consent_text() -> str:
    """Return the consent text shown on registration forms (in the active language)."""
    return _(
        "I agree that the People's Coalition HQ (Astana) processes my name, phone and email to register me for "
        "campaign events and training, to send me reminders and, if I am certified, to deploy me as an observer or "
        "trusted representative, until the end of the election campaign. I may withdraw this consent at any time."
    )


def _recipient_language(user) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", None) or "ru"


# --- Rules loaded from the database ---------------------------------------------------------------------------


def holidays_between(start: date, end: date) -> set[date]:
    return set(Holiday.objects.filter(date__range=(start, end)).values_list("date", flat=True))


def notice_rule_for(kind: str, on: date) -> NoticeRule | None:
    """Return the akimat notice rule for ``kind`` in force on ``on``, or None when no notice is needed."""
    return (
        NoticeRule.objects.filter(event_kind=kind, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("-valid_from")
        .first()
    )


def current_campaign() -> rules.CampaignPeriod | None:
    campaign = Campaign.objects.filter(is_current=True).first()
    if campaign is None:
        return None
    return rules.CampaignPeriod(campaign.agitation_starts_on, campaign.election_day)


def event_warnings(event: Event) -> list[str]:
    """Return the warnings staff should see for ``event``: campaign period and a late akimat notice."""
    day = timezone.localdate(event.starts_at)
    warnings = rules.agitation_warnings(event_day=day, is_agitation=event.is_agitation, campaign=current_campaign())
    late = event.notice_deadline is not None and event.notice_deadline < timezone.localdate()
    if late and not event.notice_sent_on and event.status == Event.Status.PLANNED:
        warnings.append(
            _("The akimat notice deadline (%(date)s) has passed: the event cannot lawfully be held as planned.")
            % {"date": event.notice_deadline.strftime("%d.%m.%Y")}
        )
    return warnings


def _apply_notice_rule(event: Event) -> None:
    day = timezone.localdate(event.starts_at)
    rule = notice_rule_for(event.kind, day)
    if rule is None:
        event.notice_requirement = ""
        event.notice_deadline = None
        return
    holidays = holidays_between(day - timedelta(days=rule.working_days * 3 + 30), day)
    event.notice_requirement = rule.requirement
    event.notice_deadline = rules.notice_deadline(day, rule.working_days, holidays)


def check_region(user, region: Region) -> None:
    """Refuse a coordinator acting outside their region (403)."""
    scope = scoped_region(user)
    if scope is not None and scope.pk != region.pk:
        raise PermissionDenied(_("Coordinators plan only in their own region."))


# --- Events ---------------------------------------------------------------------------------------------------

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


def _validate_times(starts_at: datetime, ends_at: datetime, *, new: bool) -> None:
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must be after the start.")})
    if new and starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("A new event cannot start in the past.")})


def needs_approval(user) -> bool:
    """Return whether events ``user`` creates start as proposals: a regional coordinator's do, HQ staff's do not."""
    return scoped_region(user) is not None


def create_event(*, by, data: dict[str, Any]) -> Event:
    """Plan an event (HQ staff) or propose it (a regional coordinator); compute its akimat notice deadline."""
    check_region(by, data["region"])
    _validate_times(data["starts_at"], data["ends_at"], new=True)
    with transaction.atomic():
        event = Event(created_by=by, **{k: data.get(k) for k in EVENT_FIELDS if k in data})
        if event.responsible is None:
            event.responsible = by
        if needs_approval(by):
            event.status = Event.Status.PROPOSED
        _apply_notice_rule(event)
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


def propose_event(*, organization: Organization, by, data: dict[str, Any]) -> Event:
    """A member organization's representative proposes an event (from the portal); the region approves it."""
    if organization.status != Organization.Status.ADMITTED:
        raise PermissionDenied(_("Only a member organization can propose events."))
    _validate_times(data["starts_at"], data["ends_at"], new=True)
    with transaction.atomic():
        event = Event(
            created_by=by,
            organization=organization,
            status=Event.Status.PROPOSED,
            **{k: data[k] for k in PROPOSAL_FIELDS if k in data},
        )
        _apply_notice_rule(event)
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


def approvers_to_notify(event: Event) -> list:
    """Return who is told of a new proposal: the region's coordinators; HQ approvers for a national proposal or a
    region without a coordinator. Only people who may decide on it (approval_refusal) and have an email."""
    from django.contrib.auth import get_user_model

    may_approve = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(groups__permissions__codename="approve_event") | Q(user_permissions__codename="approve_event"))
        .select_related("profile")
        .distinct()
        .order_by("pk")
    )
    deciders = [user for user in may_approve if approval_refusal(user, event) is None]
    # approval_refusal already leaves coordinators out of national proposals; with no regional decider left, the
    # deciders are HQ approvers.
    regional = [user for user in deciders if scoped_region(user) is not None]
    return regional or deciders


def notify_approvers(event: Event) -> int:
    """Email each approver of ``event`` once that a proposal waits for their decision (after commit)."""
    sent = 0
    for user in approvers_to_notify(event):
        sent += _email_user(
            key=f"proposal:event:{event.pk}:waiting:{user.pk}",
            user=user,
            template="emails/events/proposal_waiting",
            context={"event": event, "url": absolute_url(reverse("events:review", args=[event.pk]))},
        )
    return sent


# --- Approval of proposed events ------------------------------------------------------------------------------


def approval_checklist(event: Event, *, today: date | None = None) -> list[rules.ChecklistItem]:
    """Return the checklist of ``event``: venue, akimat notice in time (holiday calendar), campaign period."""
    today = today or timezone.localdate()
    day = timezone.localdate(event.starts_at)
    return rules.approval_checklist(
        place=event.place,
        notice_required=bool(event.notice_requirement),
        notice_deadline=event.notice_deadline,
        notice_sent_on=event.notice_sent_on,
        today=today,
        campaign_warnings=rules.agitation_warnings(
            event_day=day, is_agitation=event.is_agitation, campaign=current_campaign()
        ),
    )


def approval_refusal(user, event: Event) -> str | None:
    """Return why ``user`` may not decide on ``event`` (None when they may).

    The region's coordinator decides on a regional proposal, HQ committee staff on any (and alone on national
    events); nobody decides on their own proposal.
    """
    if not user.has_perm("events.approve_event"):
        return _("You may not approve events.")
    if event.created_by_id is not None and event.created_by_id == user.pk:
        return _("You cannot approve or reject your own proposal.")
    scope = scoped_region(user)
    if scope is not None and event.is_national:
        return _("National events are approved by the HQ committee staff.")
    if scope is not None and scope.pk != event.region_id:
        return _("Coordinators approve only events in their own region.")
    return None


def _check_approver(user, event: Event) -> None:
    refusal = approval_refusal(user, event)
    if refusal:
        raise PermissionDenied(refusal)


def proposals_for(user):
    """Return the proposals waiting for ``user``'s decision: a coordinator's region (not national), or all (HQ)."""
    queryset = Event.objects.filter(status=Event.Status.PROPOSED).select_related("region", "organization", "created_by")
    scope = scoped_region(user)
    if scope is not None:
        queryset = queryset.filter(region=scope, is_national=False)
    return queryset.order_by("starts_at", "pk")


def _decide(*, event: Event, by, decision: str, comment: str) -> tuple[Event, EventApproval]:
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
        _email_user(
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
    if event.organization_id and not _is_staff(event.created_by):
        return absolute_url(reverse("members:portal_organization", args=[event.organization_id]))
    return absolute_url(reverse("events:detail", args=[event.pk]))


def _is_staff(user) -> bool:
    from coalition.roles import is_staff_member

    return user is not None and is_staff_member(user)


def approve_event(*, event: Event, by, comment: str = "") -> Event:
    """Approve a proposal against the checklist (a failed item refuses); the proposer is told through the outbox."""
    event, _approval = _decide(event=event, by=by, decision=EventApproval.Decision.APPROVED, comment=comment)
    return event


def reject_event(*, event: Event, by, reason: str) -> Event:
    """Reject a proposal with a reason (required); the proposer is told through the outbox."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    event, _approval = _decide(event=event, by=by, decision=EventApproval.Decision.REJECTED, comment=reason)
    return event


def update_event(*, event: Event, by, data: dict[str, Any]) -> Event:
    """Change an event; capacity may not fall below the registrations; a new time re-plans its reminders."""
    check_region(by, event.region)
    check_region(by, data.get("region", event.region))
    _validate_times(data.get("starts_at", event.starts_at), data.get("ends_at", event.ends_at), new=False)
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
        previous_approval = None
        if back_to_review:
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
        _apply_notice_rule(event)
        event.full_clean()
        event.save()
        if event.starts_at != old_start:
            # Reminder keys carry the start time, so the new time gets fresh reminders; drop the old pending ones.
            _cancel_pending_messages(f"reminder:event:{event.pk}:")
        _promote_waitlist(event)
        audit.record(
            actor=by,
            action="events.update",
            obj=event,
            data={"fields": sorted(data), "back_to_review": back_to_review, "previous_approval": previous_approval},
        )
        if back_to_review:
            notify_approvers(event)
    return event


def record_notice(*, event: Event, by, sent_on: date, number: str) -> Event:
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


def mark_held(*, event: Event, by) -> Event:
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


def cancel_event(*, event: Event, by, reason: str = "") -> Event:
    """Cancel an event: drop its pending reminders and tell every registered person once."""
    check_region(by, event.region)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.status not in (Event.Status.PROPOSED, Event.Status.PLANNED, Event.Status.NOTIFIED):
            raise ValidationError(_("Only a proposed, planned or notified event can be cancelled."))
        event.status = Event.Status.CANCELLED
        event.save(update_fields=["status", "updated_at"])
        _cancel_pending_messages(f"reminder:event:{event.pk}:")
        active = event.registrations.exclude(status=Registration.Status.CANCELLED).select_related("person")
        for registration in active:
            _email_person(
                key=f"cancelled:event:{event.pk}:person:{registration.person_id}",
                person=registration.person,
                template="emails/events/event_cancelled",
                context={"event": event, "reason": reason},
            )
        audit.record(actor=by, action="events.cancel", obj=event, data={"reason": reason})
    return event


def _cancel_pending_messages(prefix: str) -> int:
    return OutboundMessage.objects.filter(key__startswith=prefix, status=OutboundMessage.Status.PENDING).update(
        status=OutboundMessage.Status.CANCELLED
    )


def _email_person(
    *, key: str, person: Person, template: str, context: dict, send_after=None, queue_delivery: bool = True
) -> bool:
    if not person.email:
        return False
    _message, created = enqueue_email(
        key=key,
        recipient=person.email,
        template=template,
        context={"person": person, "site_url": absolute_url(""), **context},
        language=person.language or "ru",
        send_after=send_after,
        queue_delivery=queue_delivery,
    )
    return created


def _email_user(*, key: str, user, template: str, context: dict, queue_delivery: bool = True) -> bool:
    if user is None or not user.email:
        return False
    _message, created = enqueue_email(
        key=key,
        recipient=user.email,
        template=template,
        context={"user": user, "site_url": absolute_url(""), **context},
        language=_recipient_language(user),
        queue_delivery=queue_delivery,
    )
    return created


# --- Registration through the public link ---------------------------------------------------------------------


@dataclass
class Applicant:
    full_name: str
    email: str
    phone: str = ""
    language: str = "ru"


def _person_with_consent(
    applicant: Applicant,
    *,
    purpose: str,
    region: Region | None,
    source: str,
    asserted_by=None,
    text_version: str = CONSENT_TEXT_VERSION,
) -> tuple[Person, Consent]:
    """Resolve the applicant by the one identity policy (members.identity) and record their consent for ``purpose``.

    A public form's email never attaches to someone already on record: a new person is recorded (pending, for staff
    to merge), so nobody is registered or enrolled, nor a consent recorded in their name, by whoever knows an email.
    """
    claim = identity.resolve_person(
        claim=identity.Claim(
            full_name=applicant.full_name,
            email=applicant.email,
            phone=applicant.phone,
            region_id=region.pk if region else None,
            language=applicant.language,
        ),
        source=source,
        asserted_by=asserted_by,
    )
    consent = identity.record_consent(
        claim=claim, purpose=purpose, text=consent_text(), text_version=text_version, language=applicant.language
    )
    return claim.person, consent


def _active_registration_by_email(event: Event, email: str) -> bool:
    # People are not matched on email any more, so a second registration with one email is caught here.
    return (
        bool(email)
        and event.registrations.filter(person__email__iexact=email)
        .exclude(status=Registration.Status.CANCELLED)
        .exists()
    )


def register(*, event: Event, applicant: Applicant) -> Registration:
    """Register a person for an event, or put them on the waiting list when it is full.

    The event row is locked (SELECT ... FOR UPDATE) while seats are counted, so concurrent registrations are
    serialised and the capacity is never exceeded (a plain count-then-insert overbooks under load).
    """
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if not event.is_open:
            raise ValidationError(_("Registration for this event is closed."))
        if _active_registration_by_email(event, applicant.email):
            raise ValidationError(_("You are already registered for this event."))
        person, consent = _person_with_consent(
            applicant, purpose=Consent.Purpose.EVENTS, region=event.region, source=identity.Source.REGISTRATION
        )
        taken = event.registrations.filter(status=Registration.Status.CONFIRMED).count()
        status = Registration.Status.CONFIRMED if taken < event.capacity else Registration.Status.WAITLISTED
        registration = Registration.objects.create(event=event, person=person, status=status, consent=consent)
        _email_person(
            key=f"registered:registration:{registration.pk}",
            person=person,
            template="emails/events/registered",
            context={
                "event": event,
                "registration": registration,
                "links": registration_links(registration),
                "qr_svg": checkin_qr(registration),
            },
        )
        audit.record(actor=None, action="events.register", obj=registration, data={"status": status})
    return registration


def registration_links(registration: Registration) -> dict[str, str]:
    """Return the links of a registration's emails. The personal link (confirm or cancel) is a reference that the
    outbox makes into the link when it sends the message, so no stored message holds the token."""
    return {
        "manage": links.placeholder("events.registration", registration.pk),
        "ics": absolute_url(reverse("events:event_ics", args=[registration.event.public_token])),
        "checkin": checkin_url(registration),
    }


def registration_manage_link(pk: int) -> str:
    """Return the personal link of registration ``pk`` (made by the outbox when it sends a message with it)."""
    token = Registration.objects.values_list("token", flat=True).get(pk=pk)
    return absolute_url(reverse("events:registration", args=[token]))


def checkin_url(registration: Registration) -> str:
    """The staff check-in page of the event with this registration's code: what its QR code encodes."""
    return absolute_url(f"{reverse('events:checkin', args=[registration.event_id])}?code={registration.checkin_code}")


def checkin_qr(registration: Registration) -> str:
    """The registration's QR code as inline SVG."""
    from events import qr

    return qr.svg(checkin_url(registration))


def cancel_registration(*, registration: Registration) -> Registration:
    """Cancel a registration from its personal link; a freed seat goes to the waiting list (with a notice)."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            return registration
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at"])
        _cancel_pending_messages(f"reminder:event:{event.pk}:person:{registration.person_id}:")
        _promote_waitlist(event)
        audit.record(actor=None, action="events.unregister", obj=registration)
    return registration


def _promote_waitlist(event: Event) -> list[Registration]:
    """Confirm waiting people while seats are free (call with the event row locked)."""
    free = event.capacity - event.registrations.filter(status=Registration.Status.CONFIRMED).count()
    if free <= 0 or not event.is_open:
        return []
    promoted = list(event.registrations.filter(status=Registration.Status.WAITLISTED).select_related("person")[:free])
    for registration in promoted:
        registration.status = Registration.Status.CONFIRMED
        registration.save(update_fields=["status"])
        _email_person(
            key=f"promoted:registration:{registration.pk}",
            person=registration.person,
            template="emails/events/promoted",
            context={"event": event, "registration": registration, "links": registration_links(registration)},
        )
    return promoted


# --- At the door and after the event --------------------------------------------------------------------------


def _check_door_open(event: Event) -> None:
    if event.status not in (Event.Status.PLANNED, Event.Status.NOTIFIED, Event.Status.HELD):
        raise ValidationError(_("Check-in is closed for a cancelled event."))


def check_in(*, registration: Registration, by) -> Registration:
    """Mark a registered person as present (checking in twice changes nothing)."""
    return check_in_once(registration=registration, by=by)[0]


def check_in_once(*, registration: Registration, by) -> tuple[Registration, bool]:
    """Check a person in; return the registration and whether this call did it (False: they already were).

    The row is locked, so two scanners at two doors record one check-in and the second is told when it happened.
    """
    check_region(by, registration.event.region)
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("event", "person")
            .get(pk=registration.pk)
        )
        _check_door_open(registration.event)
        if registration.status == Registration.Status.CANCELLED:
            raise ValidationError(_("This registration was cancelled."))
        if registration.checked_in_at is not None:
            return registration, False
        registration.checked_in_at = timezone.now()
        registration.save(update_fields=["checked_in_at"])
        audit.record(actor=by, action="events.checkin", obj=registration)
    return registration, True


def add_walk_in(*, event: Event, by, full_name: str, phone: str = "", email: str = "") -> Registration:
    """Register and check in someone who came without registering; they signed the paper consent form."""
    check_region(by, event.region)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        _check_door_open(event)
        # The staff member saw the person and the signed paper form: an email matches someone on record only
        # together with their name, and the staff member is recorded as asserting it (members.identity).
        person, consent = _person_with_consent(
            Applicant(full_name=full_name, email=email, phone=phone),
            purpose=Consent.Purpose.EVENTS,
            region=event.region,
            source=identity.Source.WALK_IN,
            asserted_by=by,
            text_version=f"{CONSENT_TEXT_VERSION}-paper",
        )
        if event.registrations.filter(person=person).exclude(status=Registration.Status.CANCELLED).exists():
            raise ValidationError(_("This person is already registered: check them in from the list."))
        registration = Registration.objects.create(
            event=event,
            person=person,
            consent=consent,
            status=Registration.Status.CONFIRMED,
            walk_in=True,
            checked_in_at=timezone.now(),
        )
        audit.record(actor=by, action="events.walk_in", obj=registration)
    return registration


PHOTO_MAX_BYTES = 10 * 1024 * 1024
MAX_REPORT_PHOTOS = 10  # per upload: bounds the request (coalition.middleware.request_budget) and the decoding work
PHOTOS_PER_REPORT = 20


def clean_photos(uploads) -> list[images.CleanImage]:
    """Check uploaded photos by content (JPEG/PNG, size, decodable) and strip their metadata; refuse all on one bad."""
    cleaned, errors, uploads = [], [], list(uploads)
    if len(uploads) > MAX_REPORT_PHOTOS:
        raise ValidationError(
            {"photos": _("Attach at most %(count)d photos at a time.") % {"count": MAX_REPORT_PHOTOS}}
        )
    for upload in uploads:
        name = getattr(upload, "name", "") or _("photo")
        if getattr(upload, "size", 0) > PHOTO_MAX_BYTES:
            errors.append(
                _("%(name)s: the file is larger than %(mb)s MB.") % {"name": name, "mb": PHOTO_MAX_BYTES >> 20}
            )
            continue
        data = upload.read() if hasattr(upload, "read") else upload
        try:
            cleaned.append(images.clean_image(data, max_bytes=PHOTO_MAX_BYTES))
        except images.ImageRejected as exc:
            errors.append(f"{name}: {exc}")
    if errors:
        raise ValidationError({"photos": errors})
    return cleaned


def file_report(*, event: Event, by, turnout: int, organizations, notes: str = "", photos=()) -> EventReport:
    """File (or correct) the report of a held event: turnout, organizations present, notes, photos.

    Photos are checked by content and stripped of metadata (EXIF GPS) before anything is written; one bad photo
    refuses the whole submission. Photos are added to those already filed (the same photo twice is kept once).
    """
    check_region(by, event.region)
    cleaned = clean_photos(photos) if photos else []
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.status != Event.Status.HELD:
            raise ValidationError(_("A report is filed after the event is marked as held."))
        report, created = EventReport.objects.update_or_create(
            event=event, defaults={"turnout": turnout, "notes": notes, "filed_by": by, "filed_at": timezone.now()}
        )
        report.organizations.set(organizations)
        known = set(report.photos.values_list("sha256", flat=True))
        fresh = []
        for image in cleaned:
            if image.sha256 not in known:
                known.add(image.sha256)
                fresh.append(image)
        if report.photos.count() + len(fresh) > PHOTOS_PER_REPORT:
            raise ValidationError(
                {"photos": _("A report keeps at most %(count)d photos.") % {"count": PHOTOS_PER_REPORT}}
            )
        added = []
        for image in fresh:
            photo = EventPhoto(
                report=report,
                content_type=image.content_type,
                sha256=image.sha256,
                width=image.width,
                height=image.height,
                uploaded_by=by,
            )
            photo.file.save("photo", ContentFile(image.content), save=False)
            photo.thumbnail.save("thumb.jpg", ContentFile(images.thumbnail(image.content)), save=False)
            photo.save()
            added.append(photo.pk)
        audit.record(
            actor=by,
            action="events.report" if created else "events.report.update",
            obj=event,
            data={"turnout": turnout, "organizations": sorted(o.pk for o in organizations), "photos_added": added},
        )
    return report


def remove_report_photo(*, photo: EventPhoto, by) -> None:
    """Take a photo off an event report (a wrong or private picture): the row goes, its files go after commit,
    and the audit log keeps who removed which photo (its SHA-256)."""
    check_region(by, photo.report.event.region)
    with transaction.atomic():
        photo = EventPhoto.objects.select_for_update().select_related("report__event").get(pk=photo.pk)
        files = [(photo.file.storage, photo.file.name), (photo.thumbnail.storage, photo.thumbnail.name)]
        photo.delete()
        audit.record(
            actor=by,
            action="events.report.photo_removed",
            obj=photo.report.event,
            data={"photo": photo.sha256, "uploaded_by": photo.uploaded_by_id},
        )
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in files if name])


# --- Training -------------------------------------------------------------------------------------------------


def create_session(*, by, data: dict[str, Any]) -> TrainingSession:
    check_region(by, data["region"])
    _validate_times(data["starts_at"], data["ends_at"], new=True)
    with transaction.atomic():
        session = TrainingSession(**data)
        if session.trainer is None:
            session.trainer = by
        session.full_clean()
        session.save()
        audit.record(actor=by, action="events.session.create", obj=session)
    return session


def enrol(*, session: TrainingSession, person: Person | None = None, applicant: Applicant | None = None, by=None):
    """Enrol a person (chosen by staff, or an applicant from the public link) in a session, within capacity."""
    with transaction.atomic():
        session = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if session.cancelled_at or session.starts_at <= timezone.now():
            raise ValidationError(_("Enrolment for this session is closed."))
        consent = None
        if applicant is not None:
            if applicant.email and session.enrolments.filter(person__email__iexact=applicant.email).exists():
                raise ValidationError(_("This person is already enrolled in the session."))
            person, consent = _person_with_consent(
                applicant, purpose=Consent.Purpose.OBSERVATION, region=session.region, source=identity.Source.ENROLMENT
            )
        if person is None:
            raise ValidationError(_("Choose a person to enrol."))
        if session.enrolments.filter(person=person).exists():
            raise ValidationError(_("This person is already enrolled in the session."))
        if session.enrolments.count() >= session.capacity:
            raise ValidationError(_("The session is full."))
        enrolment = Enrolment.objects.create(session=session, person=person, consent=consent)
        audit.record(actor=by, action="events.enrol", obj=enrolment)
    return enrolment


@dataclass
class Result:
    enrolment_id: int
    attended: bool
    score: int | None


def record_results(*, session: TrainingSession, by, results: list[Result]) -> int:
    """Record attendance and scores of a session's enrolments; return how many changed."""
    changed = 0
    if any(result.attended for result in results):
        refusal = rules.certification_refusal(
            session_ends_at=session.starts_at, cancelled=session.cancelled_at is not None, now=timezone.now()
        )
        if refusal:  # attendance can be recorded from the session's start
            raise ValidationError(refusal)
    with transaction.atomic():
        enrolments = {e.pk: e for e in session.enrolments.select_for_update()}
        for result in results:
            if result.score is not None and not 0 <= result.score <= 100:
                raise ValidationError(_("A score must be between 0 and 100."))
            enrolment = enrolments.get(result.enrolment_id)
            if enrolment is None:
                raise ValidationError(_("That enrolment is not in this session."))
            if hasattr(enrolment, "certificate") and (
                not result.attended or result.score is None or result.score < session.course.pass_mark
            ):
                raise ValidationError(
                    _("%(person)s already holds a certificate: revoke it before lowering the result.")
                    % {"person": enrolment.person}
                )
            if (enrolment.attended, enrolment.score) != (result.attended, result.score):
                enrolment.attended, enrolment.score = result.attended, result.score
                enrolment.save(update_fields=["attended", "score"])
                changed += 1
        audit.record(actor=by, action="events.results", obj=session, data={"changed": changed})
    return changed


def issue_certificates(*, session: TrainingSession, by) -> list[Certificate]:
    """Issue a certificate to every enrolment that attended and reached the pass mark and has none yet."""
    course = session.course
    today = timezone.localdate()
    issued = []
    with transaction.atomic():
        session = TrainingSession.objects.select_for_update().get(pk=session.pk)
        refusal = rules.certification_refusal(
            session_ends_at=session.ends_at, cancelled=session.cancelled_at is not None, now=timezone.now()
        )
        if refusal:
            raise ValidationError(refusal)
        qualifying = (
            session.enrolments.filter(attended=True, score__gte=course.pass_mark, certificate__isnull=True)
            .select_related("person")
            .order_by("pk")
        )
        for enrolment in qualifying:
            certificate = Certificate.objects.create(
                number=f"{course.kind[:3].upper()}-{today.year}-{enrolment.pk:06d}",
                enrolment=enrolment,
                person=enrolment.person,
                course=course,
                issued_on=today,
                valid_until=today + timedelta(days=course.certificate_valid_days)
                if course.certificate_valid_days
                else None,
            )
            issued.append(certificate)
            _email_person(
                key=f"certificate:{certificate.pk}:issued",
                person=enrolment.person,
                template="emails/events/certificate_issued",
                context={
                    "certificate": certificate,
                    "verify_url": absolute_url(reverse("events:verify_code", args=[certificate.verification_code])),
                },
            )
        audit.record(actor=by, action="events.certify", obj=session, data={"issued": [c.number for c in issued]})
    return issued


def revoke_certificate(*, certificate: Certificate, by, reason: str) -> Certificate:
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_at is None:
            certificate.revoked_at = timezone.now()
            certificate.revoke_reason = reason
            certificate.save(update_fields=["revoked_at", "revoke_reason"])
            audit.record(actor=by, action="events.certificate.revoke", obj=certificate, data={"reason": reason})
    return certificate


# --- Accreditation of observer organizations -------------------------------------------------------------------


def default_accreditation_end(issued_on: date) -> date:
    """Return the end date a new accreditation gets unless the record states its own (policy, in months)."""
    return rules.accreditation_valid_until(issued_on, Policy.current().accreditation_valid_months)


def record_accreditation(
    *,
    organization: Organization,
    issuing_body: str,
    number: str,
    issued_on: date,
    by,
    valid_until: date | None = None,
) -> Accreditation:
    """Record an organization's accreditation to send observers; its end defaults to the policy's period."""
    check_region(by, organization.region)
    issuing_body, number = issuing_body.strip(), number.strip()
    if not issuing_body or not number:
        raise ValidationError(_("Enter the issuing body and the accreditation number."))
    if issued_on > timezone.localdate():
        raise ValidationError({"issued_on": _("The accreditation cannot be dated in the future.")})
    if organization.status in (Organization.Status.REJECTED, Organization.Status.WITHDRAWN):
        raise ValidationError(
            {"organization": _("A rejected or withdrawn organization cannot be recorded as accredited.")}
        )
    valid_until = valid_until or default_accreditation_end(issued_on)
    if valid_until < issued_on:
        raise ValidationError({"valid_until": _("The accreditation cannot end before it is issued.")})
    with transaction.atomic():
        if Accreditation.objects.filter(issuing_body__iexact=issuing_body, number__iexact=number).exists():
            raise ValidationError({"number": _("This accreditation number of this issuing body is already recorded.")})
        accreditation = Accreditation(
            organization=organization,
            issuing_body=issuing_body,
            number=number,
            issued_on=issued_on,
            valid_until=valid_until,
            recorded_by=by,
        )
        accreditation.full_clean()
        try:
            with transaction.atomic():
                accreditation.save()
        except IntegrityError as exc:  # a concurrent request recorded the same number
            raise ValidationError(
                {"number": _("This accreditation number of this issuing body is already recorded.")}
            ) from exc
        audit.record(
            actor=by,
            action="events.accreditation.record",
            obj=accreditation,
            data={
                "organization": organization.pk,
                "number": number,
                "issued_on": issued_on,
                "valid_until": valid_until,
            },
        )
    return accreditation


def revoke_accreditation(*, accreditation: Accreditation, by, reason: str) -> Accreditation:
    """Revoke an accreditation from now on; the organization's observers already assigned stay on record."""
    check_region(by, accreditation.organization.region)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for the revocation.")})
    with transaction.atomic():
        accreditation = Accreditation.objects.select_for_update().get(pk=accreditation.pk)
        if accreditation.revoked_at is not None:
            raise ValidationError(_("This accreditation is already revoked."))
        accreditation.revoked_at = timezone.now()
        accreditation.revoke_reason = reason[:255]
        accreditation.save(update_fields=["revoked_at", "revoke_reason"])
        audit.record(actor=by, action="events.accreditation.revoke", obj=accreditation, data={"reason": reason})
    return accreditation


def accreditation_in_force(organization: Organization, day: date, *, lock: bool = False) -> Accreditation | None:
    """Return the organization's accreditation in force on ``day`` (the one that runs longest), or None."""
    queryset = Accreditation.objects.valid_on(day).filter(organization=organization).order_by("-valid_until", "-pk")
    if lock:  # serialises an assignment with a concurrent revocation of the same accreditation
        queryset = queryset.select_for_update()
    return queryset.first()


# --- Polling stations and deployment --------------------------------------------------------------------------


class StationImportError(ValidationError):
    """The CSV file was rejected as a whole; nothing was written."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def import_stations(*, content: bytes, by) -> ImportReport:
    """Import polling stations from CSV (``number,region,address``; region as ISO code like KZ-71).

    Every row is checked first; one bad row rejects the whole file. Re-importing the same file changes nothing.
    """
    try:
        text = csv_text(content)  # by content: an image, archive or program renamed .csv is refused here
    except NotText as exc:
        raise StationImportError(str(exc)) from exc
    if "\x00" in text:
        raise StationImportError(_("The file is not a CSV text file."))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise StationImportError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    expected = {"number", "region", "address"}
    if fieldnames is None or not expected <= {h.strip().lower() for h in fieldnames}:
        raise StationImportError(_("The first line must be the header: number,region,address."))
    # An unnamed column gets a name of its own, so its cells are read (and checked for formulas) too.
    header = [(name or "").strip().lower() or f"_unnamed_{i}" for i, name in enumerate(fieldnames)]
    reader.fieldnames = header
    twice = sorted(name for name, count in Counter(header).items() if count > 1)
    if twice:  # one of the two columns would be dropped unread, with whatever it holds
        raise StationImportError(_("Columns appear twice in the header: %(columns)s.") % {"columns": ", ".join(twice)})
    regions = {r.code: r for r in Region.objects.all()}
    scope = scoped_region(by)
    rows: dict[tuple[str, str], str] = {}
    errors = []
    try:
        records = list(reader)
    except csv.Error as exc:  # a field over the csv module's size limit, a broken quote
        raise StationImportError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    for line, raw in enumerate(records, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        number, code, address = row.get("number", ""), row.get("region", "").upper(), row.get("address", "")
        if any(looks_like_formula(value) for value in row.values()):
            raise StationImportError(
                _("Line %(line)d holds a spreadsheet formula; the file was refused.") % {"line": line}
            )
        if not number or not address:
            errors.append(_("Line %(line)d: the number and the address are required.") % {"line": line})
        elif len(number) > PollingStation._meta.get_field("number").max_length:
            errors.append(_("Line %(line)d: the station number is too long.") % {"line": line})
        elif code not in regions:
            errors.append(_("Line %(line)d: unknown region code %(code)s.") % {"line": line, "code": code})
        elif scope is not None and code != scope.code:
            errors.append(_("Line %(line)d: outside your region.") % {"line": line})
        elif (code, number) in rows:
            errors.append(_("Line %(line)d: station %(number)s repeats.") % {"line": line, "number": number})
        else:
            rows[(code, number)] = address[:300]
    if errors:
        raise StationImportError(errors)
    if not rows:
        raise StationImportError(_("The file has no stations."))
    report = ImportReport()
    with transaction.atomic():
        for (code, number), address in rows.items():
            station, created = PollingStation.objects.get_or_create(
                region=regions[code], number=number, defaults={"address": address}
            )
            if created:
                report.created += 1
            elif station.address != address:
                station.address = address
                station.save(update_fields=["address"])
                report.updated += 1
            else:
                report.unchanged += 1
        audit.record(
            actor=by,
            action="events.stations.import",
            data={"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
        )
    return report


def valid_certificate(person: Person, course_kind: str) -> Certificate | None:
    """Return the person's latest valid certificate of a course of ``course_kind``."""
    today = timezone.localdate()
    return (
        Certificate.objects.filter(person=person, course__kind=course_kind, revoked_at__isnull=True)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("course")
        .order_by("-issued_on", "-pk")
        .first()
    )


def assign(
    *,
    station: PollingStation,
    person: Person,
    role: str,
    by,
    organization: Organization | None = None,
    registration_number: str = "",
    registration_date: date | None = None,
) -> Assignment:
    """Deploy a certified person to a station as observer (for an organization) or trusted representative.

    The station row is locked while the proxies are counted, so two staff members cannot both add the fourth.
    """
    check_region(by, station.region)
    certificate = valid_certificate(person, Assignment.COURSE_FOR_ROLE[role])
    if certificate is None:
        raise ValidationError(_("%(person)s has no valid certificate of the right course.") % {"person": person})
    if role == Assignment.Role.OBSERVER:
        if organization is None:
            raise ValidationError({"organization": _("An observer is nominated by a member organization.")})
        if organization.status != Organization.Status.ADMITTED:
            raise ValidationError({"organization": _("Only an admitted member organization can nominate observers.")})
    assigned_at = timezone.now()
    with transaction.atomic():
        accreditation = None
        if role == Assignment.Role.OBSERVER:
            day = timezone.localdate(assigned_at)
            accreditation = accreditation_in_force(organization, day, lock=True)
            if accreditation is None:
                raise ValidationError({"organization": no_accreditation_message(organization, day)})
        station = PollingStation.objects.select_for_update().get(pk=station.pk)
        active = station.assignments.filter(ended_at__isnull=True)
        if role == Assignment.Role.PROXY:
            limit = rules.proxies_allowed(Policy.current().proxies_per_station)
            if active.filter(role=Assignment.Role.PROXY).count() >= limit:
                raise ValidationError(
                    _("This polling precinct already has %(limit)d trusted representatives.") % {"limit": limit}
                )
        if active.filter(person=person).exists():
            raise ValidationError(_("This person is already assigned to this station."))
        elsewhere = Assignment.objects.filter(person=person, ended_at__isnull=True).select_related("station").first()
        if elsewhere is not None:
            raise ValidationError(
                _("%(person)s is already assigned to %(station)s: end that assignment first.")
                % {"person": person, "station": elsewhere.station}
            )
        if role == Assignment.Role.OBSERVER and active.filter(role=role, organization=organization).exists():
            raise ValidationError(_("This organization already has an observer at this station."))
        assignment = Assignment(
            station=station,
            person=person,
            role=role,
            certificate=certificate,
            organization=organization if role == Assignment.Role.OBSERVER else None,
            registration_number=registration_number if role == Assignment.Role.PROXY else "",
            registration_date=registration_date if role == Assignment.Role.PROXY else None,
            assigned_by=by,
            assigned_at=assigned_at,
        )
        assignment.full_clean()
        try:
            with transaction.atomic():
                assignment.save()
        except IntegrityError as exc:  # the database constraints have the last word
            raise ValidationError(_("This assignment conflicts with another one at the station.")) from exc
        data = {"role": role}
        if accreditation is not None:
            data["accreditation"] = f"{accreditation.issuing_body} № {accreditation.number}"
        audit.record(actor=by, action="events.assign", obj=assignment, data=data)
    return assignment


def end_assignment(*, assignment: Assignment, by) -> Assignment:
    check_region(by, assignment.station.region)
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.ended_at is None:
            assignment.ended_at = timezone.now()
            assignment.save(update_fields=["ended_at"])
            audit.record(actor=by, action="events.unassign", obj=assignment)
    return assignment


# --- Reminders (run by beat; every send is keyed, so a second run sends nothing more) --------------------------

REMINDER_OFFSETS = {"24h": timedelta(hours=24), "2h": timedelta(hours=2)}


def _stamp(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y%m%d%H%M")


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Enqueue every reminder whose time has come; return how many new outbox rows were made.

    A reminder is due at start - offset, is caught up only within the policy window after downtime, and is never
    sent for a registration made after its send time. The outbox key (which carries the start time, so a moved
    event gets new reminders) makes a second run, a retried task or a double-fired beat send nothing more.
    The messages go out in batches: one outbox sweep is queued after commit, not one task per message.
    """
    now = now or timezone.now()
    window = timedelta(hours=Policy.current().reminder_catch_up_hours)
    created = 0
    for label, offset in REMINDER_OFFSETS.items():
        due = Q(starts_at__lte=now + offset, starts_at__gt=max(now, now + offset - window))
        events = Event.objects.filter(due, status__in=[Event.Status.PLANNED, Event.Status.NOTIFIED]).select_related(
            "region", "responsible__profile"
        )
        for event in events:
            send_at = event.starts_at - offset
            registrations = event.registrations.filter(
                status=Registration.Status.CONFIRMED, created_at__lte=send_at
            ).select_related("person")
            for registration in registrations:
                created += _email_person(
                    key=f"reminder:event:{event.pk}:person:{registration.person_id}:{label}:{_stamp(event.starts_at)}",
                    person=registration.person,
                    template="emails/events/event_reminder",
                    context={"event": event, "when": label, "links": registration_links(registration)},
                    queue_delivery=False,
                )
            created += _email_user(
                key=f"reminder:event:{event.pk}:user:{event.responsible_id}:{label}:{_stamp(event.starts_at)}",
                user=event.responsible,
                template="emails/events/staff_event_reminder",
                context={
                    "event": event,
                    "when": label,
                    "registered": event.registrations.filter(status=Registration.Status.CONFIRMED).count(),
                    "url": absolute_url(reverse("events:detail", args=[event.pk])),
                },
                queue_delivery=False,
            )
        sessions = TrainingSession.objects.filter(due, cancelled_at__isnull=True).select_related("course")
        for session in sessions:
            send_at = session.starts_at - offset
            for enrolment in session.enrolments.filter(created_at__lte=send_at).select_related("person"):
                created += _email_person(
                    key=f"reminder:session:{session.pk}:person:{enrolment.person_id}:{label}:{_stamp(session.starts_at)}",
                    person=enrolment.person,
                    template="emails/events/training_reminder",
                    context={"session": session, "when": label},
                    queue_delivery=False,
                )
    if created:
        queue_sweep()
    return created


def send_notice_deadline_reminders(*, today: date | None = None) -> int:
    """Remind the responsible staff member, once a day, of an event whose akimat notice is due and not sent."""
    today = today or timezone.localdate()
    policy = Policy.current()
    events = Event.objects.filter(
        status=Event.Status.PLANNED,
        notice_sent_on__isnull=True,
        notice_deadline__gte=today,
        notice_deadline__lte=today + timedelta(days=policy.notice_warning_days),
        responsible__isnull=False,
    ).select_related("responsible__profile", "region")
    created = 0
    for event in events:
        created += _email_user(
            key=f"notice-deadline:event:{event.pk}:user:{event.responsible_id}:{today:%Y%m%d}",
            user=event.responsible,
            template="emails/events/notice_deadline",
            context={
                "event": event,
                "days_left": (event.notice_deadline - today).days,
                "url": absolute_url(reverse("events:detail", args=[event.pk])),
            },
        )
    return created


def send_daily_digests(*, today: date | None = None) -> int:
    """Send each regional coordinator, once a day, the list of their region's events in the next 7 days."""
    from django.contrib.auth import get_user_model

    from coalition.roles import Role

    today = today or timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.REGIONAL_COORDINATOR, profile__region__isnull=False)
        .exclude(email="")
        .select_related("profile__region")
        .distinct()
    )
    created = 0
    for user in users:
        events = list(
            Event.objects.filter(
                region=user.profile.region,
                starts_at__gte=start,
                starts_at__lt=start + timedelta(days=7),
                status__in=[Event.Status.PLANNED, Event.Status.NOTIFIED],
            )
            .annotate(registered=Count("registrations", filter=Q(registrations__status="confirmed")))
            .order_by("starts_at")
        )
        if not events:
            continue
        created += _email_user(
            key=f"digest:events:user:{user.pk}:{today:%Y%m%d}",
            user=user,
            template="emails/events/digest",
            context={"events": events, "region": user.profile.region, "url": absolute_url(reverse("events:list"))},
        )
    return created


def send_report_reminders(*, today: date | None = None) -> int:
    """Remind the responsible staff member, once a day, of a held event whose report is not filed yet."""
    today = today or timezone.localdate()
    events = Event.objects.filter(
        status=Event.Status.HELD, report__isnull=True, responsible__isnull=False, ends_at__lt=timezone.now()
    ).select_related("responsible__profile")
    created = 0
    for event in events:
        created += _email_user(
            key=f"report-due:event:{event.pk}:user:{event.responsible_id}:{today:%Y%m%d}",
            user=event.responsible,
            template="emails/events/report_due",
            context={"event": event, "url": absolute_url(reverse("events:report", args=[event.pk]))},
        )
    return created
