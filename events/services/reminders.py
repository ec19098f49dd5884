"""Reminders and digests, run by beat: every send is keyed in the outbox, so a second run sends nothing more."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import cast

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from coalition.dates import day_start
from coalition.outbox import notify_staff, queue_sweep, staff_with_email
from coalition.roles import Role
from coalition.site import absolute_url
from events.models import Event, Policy, Registration, TrainingSession
from events.services._common import email_person, email_user
from events.services.registration import registration_links

REMINDER_OFFSETS = {"24h": timedelta(hours=24), "2h": timedelta(hours=2)}


def _stamp(moment: datetime) -> str:
    """Return ``moment`` as a key part (local minutes), so a moved event or session gets new reminders."""
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
                created += email_person(
                    key=f"reminder:event:{event.pk}:person:{registration.person_id}:{label}:{_stamp(event.starts_at)}",
                    person=registration.person,
                    template="emails/events/event_reminder",
                    context={"event": event, "when": label, "links": registration_links(registration)},
                    queue_delivery=False,
                )
            created += email_user(
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
                created += email_person(
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
        created += email_user(
            key=f"notice-deadline:event:{event.pk}:user:{event.responsible_id}:{today:%Y%m%d}",
            user=event.responsible,
            template="emails/events/notice_deadline",
            context={
                "event": event,
                "days_left": (cast(date, event.notice_deadline) - today).days,  # the filter keeps a deadline
                "url": absolute_url(reverse("events:detail", args=[event.pk])),
            },
        )
    return created


def send_daily_digests(*, today: date | None = None) -> int:
    """Send each regional coordinator, once a day, the list of their region's events in the next 7 days."""
    today = today or timezone.localdate()
    start = day_start(today)
    users = (
        staff_with_email(Role.REGIONAL_COORDINATOR)
        .filter(profile__region__isnull=False)
        .select_related("profile__region")
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
        # Each coordinator's digest lists their own region's events, so it goes to one recipient at a time; the
        # key keeps the format it had before notify_staff owned the sending, so nothing sent goes out again.
        created += notify_staff(
            recipients=[user],
            key="digest:events",
            key_for=lambda recipient: f"digest:events:user:{recipient.pk}:{today:%Y%m%d}",
            template="emails/events/digest",
            context={
                "events": events,
                "region": user.profile.region,
                "url": absolute_url(reverse("events:list")),
                "site_url": absolute_url(""),
            },
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
        created += email_user(
            key=f"report-due:event:{event.pk}:user:{event.responsible_id}:{today:%Y%m%d}",
            user=event.responsible,
            template="emails/events/report_due",
            context={"event": event, "url": absolute_url(reverse("events:report", args=[event.pk]))},
        )
    return created
