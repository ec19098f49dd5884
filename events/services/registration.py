"""Registration through an event's public link, the waiting list, cancellation, and the door: check-in (by QR code
or from the list) and walk-ins."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from coalition.outbox import links
from coalition.site import absolute_url
from events import qr, rules
from events.models import Event, Registration
from events.services._common import cancel_pending_messages, check_region, email_person
from events.services.consent import CONSENT_TEXT_VERSION, Applicant, person_with_consent
from members import identity
from members.models import Consent


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
        person, consent = person_with_consent(
            applicant, purpose=Consent.Purpose.EVENTS, region=event.region, source=identity.Source.REGISTRATION
        )
        taken = event.registrations.filter(status=Registration.Status.CONFIRMED).count()
        status = Registration.Status.CONFIRMED if taken < event.capacity else Registration.Status.WAITLISTED
        registration = Registration.objects.create(event=event, person=person, status=status, consent=consent)
        email_person(
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
        cancel_pending_messages(f"reminder:event:{event.pk}:person:{registration.person_id}:")
        promote_waitlist(event)
        audit.record(actor=None, action="events.unregister", obj=registration)
    return registration


def confirm_attendance(*, registration: Registration) -> Registration:
    """Record, from the personal link, that the person is coming; confirming twice changes nothing."""
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",)).select_related("event").get(pk=registration.pk)
        )
        refusal = rules.attendance_confirmation_refusal(
            registration_status=registration.status, event_open=registration.event.is_open
        )
        if refusal:
            raise ValidationError(refusal)
        if registration.confirmed_at is not None:
            return registration
        registration.confirmed_at = timezone.now()
        registration.save(update_fields=["confirmed_at"])
        audit.record(actor=None, action="events.attendance_confirmed", obj=registration)
    return registration


def notify_schedule_change(event: Event) -> int:
    """Tell every active registrant of ``event`` its new time and place, once per change (call inside the
    transaction that saved it); return how many messages are new.

    The key names the change (``Event.schedule_version``), so saving again, or approving the changed event again,
    sends nothing more; notices of an earlier change not sent yet are dropped, as the new one supersedes them.
    Only a public event (planned or notified) is announced: a changed approved event waits for its new approval.
    """
    if event.status not in (Event.Status.PLANNED, Event.Status.NOTIFIED) or not event.schedule_version:
        return 0
    prefix = f"changed:event:{event.pk}:"
    current = f"{prefix}v{event.schedule_version}:"
    cancel_pending_messages(prefix, keep=current)
    created = 0
    active = event.registrations.exclude(status=Registration.Status.CANCELLED).select_related("person")
    for registration in active:
        created += email_person(
            key=f"{current}person:{registration.person_id}",
            person=registration.person,
            template="emails/events/event_changed",
            context={"event": event, "registration": registration, "links": registration_links(registration)},
        )
    return created


def promote_waitlist(event: Event) -> list[Registration]:
    """Confirm waiting people while seats are free (call with the event row locked)."""
    free = event.capacity - event.registrations.filter(status=Registration.Status.CONFIRMED).count()
    if free <= 0 or not event.is_open:
        return []
    promoted = list(event.registrations.filter(status=Registration.Status.WAITLISTED).select_related("person")[:free])
    for registration in promoted:
        registration.status = Registration.Status.CONFIRMED
        registration.save(update_fields=["status"])
        email_person(
            key=f"promoted:registration:{registration.pk}",
            person=registration.person,
            template="emails/events/promoted",
            context={"event": event, "registration": registration, "links": registration_links(registration)},
        )
    return promoted


# --- At the door ----------------------------------------------------------------------------------------------


def _check_door_open(event: Event) -> None:
    if event.status not in (Event.Status.PLANNED, Event.Status.NOTIFIED, Event.Status.HELD):
        raise ValidationError(_("Check-in is closed for a cancelled event."))
    refusal = rules.check_in_refusal(now=timezone.now(), starts_at=event.starts_at, ends_at=event.ends_at)
    if refusal:
        raise ValidationError(refusal)


def check_in(*, registration: Registration, by: User) -> Registration:
    """Mark a registered person as present (checking in twice changes nothing)."""
    return check_in_once(registration=registration, by=by)[0]


def check_in_once(*, registration: Registration, by: User) -> tuple[Registration, bool]:
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


def add_walk_in(*, event: Event, by: User, full_name: str, phone: str = "", email: str = "") -> Registration:
    """Register and check in someone who came without registering; they signed the paper consent form."""
    check_region(by, event.region)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        _check_door_open(event)
        # The staff member saw the person and the signed paper form: an email matches someone on record only
        # together with their name, and the staff member is recorded as asserting it (members.identity).
        person, consent = person_with_consent(
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
