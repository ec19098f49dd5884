"""Campaign events, training and certification of observers and proxies, polling stations and deployment.

Legal numbers (lead times for the akimat, the holiday calendar, the campaign period, the proxy limit) are rows
that staff edit, each with its source, never constants in code (docs/domain.md §3-4).

Kept whole although past ~600 lines: it is fields, choices, constraints and their checks (no workflow), one class per
table, and the tables reference one another (event, registration, training session, certificate, polling station,
assignment); split into modules they would only import each other back.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date
from typing import ClassVar, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coalition.models import Election, Region
from coalition.storage import private_storage
from events.rules import PROXIES_PER_STATION_MAX
from members.models import Organization


def new_token() -> str:
    """Return an unguessable URL-safe token for public links."""
    return secrets.token_urlsafe(16)


def new_checkin_code() -> str:
    """Return the code a registration is checked in by at the door (in its QR code, or typed): 10 characters."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def new_verification_code() -> str:
    """Return a short code a person can type: 12 characters without look-alikes."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


# --- Rules kept as data ---------------------------------------------------------------------------------------


class EventKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    PICKET = "picket", _("Picket")
    RALLY = "rally", _("Rally")
    MARCH = "march", _("March")
    DEMONSTRATION = "demonstration", _("Demonstration")
    INDOOR = "indoor", _("Indoor agitation meeting")
    TRAINING = "training", _("Training session")
    COMMITTEE = "committee", _("Organizing committee meeting")
    OTHER = "other", _("Other")


class Holiday(models.Model):
    """A non-working weekday (public holiday or a day off moved by the government); weekends are never working."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        TRANSFER = "transfer", _("Day off moved from a weekend")

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOLIDAY)
    source = models.CharField(
        _("source"), max_length=255, blank=True, help_text=_("The law or government decree that sets this day off.")
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holiday calendar")

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.name}"


class NoticeRule(models.Model):
    """How far ahead the akimat must be told of a public event of one kind (Law on Peaceful Assemblies, 2020)."""

    class Requirement(models.TextChoices):
        NOTIFICATION = "notification", _("Notification")
        APPROVAL = "approval", _("Approval")

    event_kind = models.CharField(_("event kind"), max_length=20, choices=EventKind.choices)
    requirement = models.CharField(_("requirement"), max_length=15, choices=Requirement.choices)
    working_days = models.PositiveSmallIntegerField(
        _("working days ahead"), validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=255)

    class Meta:
        ordering = ["event_kind", "-valid_from"]
        verbose_name = _("akimat notice rule")
        verbose_name_plural = _("akimat notice rules")
        constraints = [
            models.UniqueConstraint(fields=["event_kind", "valid_from"], name="events_noticerule_kind_from_unique"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="events_noticerule_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_kind}: {self.working_days} ({self.get_requirement_display()})"


class Policy(models.Model):
    """The app's adjustable numbers (one row, edited by committee staff)."""

    proxies_per_station = models.PositiveSmallIntegerField(
        _("trusted representatives per polling precinct"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(PROXIES_PER_STATION_MAX)],
        help_text=_("Election law Art. 31: up to 3 per polling precinct (the law's maximum; fewer may be set)."),
    )
    reminder_catch_up_hours = models.PositiveSmallIntegerField(
        _("reminder catch-up window (hours)"),
        default=6,
        validators=[MinValueValidator(1)],
        help_text=_("After downtime, a missed reminder is still sent within this window, never later."),
    )
    notice_warning_days = models.PositiveSmallIntegerField(
        _("warn about a missing akimat notice this many days before its deadline"), default=3
    )
    accreditation_valid_months = models.PositiveSmallIntegerField(
        _("observer accreditation valid for (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "Election law Art. 20-1: an NGO's accreditation to send observers is valid one year. "
            "Proposed as the end date of a new accreditation; each record may state its own."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("events policy")
        verbose_name_plural = _("events policy")
        constraints = [
            models.CheckConstraint(
                condition=Q(proxies_per_station__gte=1, proxies_per_station__lte=PROXIES_PER_STATION_MAX),
                name="events_policy_proxies_within_law",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Events policy"))

    @classmethod
    def current(cls) -> Policy:
        return cls.objects.order_by("pk").first() or cls()


# --- Events ---------------------------------------------------------------------------------------------------


class Event(models.Model):
    """A campaign event in a region: a public agitation event, an indoor meeting, a committee meeting."""

    Kind = EventKind

    AGITATION_KINDS = {Kind.MEETING, Kind.PICKET, Kind.RALLY, Kind.MARCH, Kind.DEMONSTRATION, Kind.INDOOR}

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PLANNED = "planned", _("Planned")
        NOTIFIED = "notified", _("Akimat notified")
        HELD = "held", pgettext_lazy("event status", "Held")
        CANCELLED = "cancelled", _("Cancelled")
        REJECTED = "rejected", _("Rejected")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="events", verbose_name=_("region"))
    is_national = models.BooleanField(
        _("national event"),
        default=False,
        help_text=_("Organized for the whole country: approved by the HQ committee staff, not the region."),
    )
    place = models.CharField(_("place"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    organization = models.ForeignKey(
        "members.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("organizing member organization"),
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_events",
        verbose_name=_("responsible staff member"),
    )
    # The akimat notice (or, for marches, the application for approval)
    notice_requirement = models.CharField(
        _("akimat notice required"), max_length=15, choices=NoticeRule.Requirement.choices, blank=True
    )
    notice_deadline = models.DateField(_("notice deadline"), null=True, blank=True, db_index=True)
    notice_sent_on = models.DateField(_("notice sent on"), null=True, blank=True)
    notice_number = models.CharField(_("notice outgoing number"), max_length=50, blank=True)
    public_token = models.CharField(_("registration link token"), max_length=32, unique=True, default=new_token)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    schedule_version = models.PositiveIntegerField(
        _("time and place version"),
        default=0,
        editable=False,
        help_text=_("Counts the changes of time or place; registrants are told once per version."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        permissions = [("approve_event", "Can approve or reject proposed events")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="events_event_ends_after"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="events_event_capacity_positive"),
            models.CheckConstraint(
                condition=~Q(status="notified") | Q(notice_sent_on__isnull=False),
                name="events_event_notified_has_notice",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "starts_at"]),
            models.Index(fields=["starts_at", "id"], name="event_start_order"),  # the staff list's pages
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_agitation(self) -> bool:
        return self.kind in self.AGITATION_KINDS

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PLANNED, self.Status.NOTIFIED) and self.starts_at > timezone.now()

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})


class EventApproval(models.Model):
    """The decision on a proposed event: who, when, the checklist's results and a comment (a reason if rejected)."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="approval", verbose_name=_("event"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    checklist = models.JSONField(
        _("checklist"), default=list, help_text=_("Each item: key, label, result (pass, warn, fail) and detail.")
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("event approval")
        verbose_name_plural = _("event approvals")
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="rejected") | ~Q(comment=""), name="events_rejection_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.get_decision_display()}"


class Registration(models.Model):
    """A person registered for an event (or on its waiting list) through the public link."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Registered")
        WAITLISTED = "waitlisted", _("Waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("event"))
    person = models.ForeignKey(
        "members.Person", on_delete=models.PROTECT, related_name="event_registrations", verbose_name=_("person")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    token = models.CharField(_("personal link token"), max_length=32, unique=True, default=new_token)
    checkin_code = models.CharField(_("check-in code"), max_length=12, unique=True, default=new_checkin_code)
    consent = models.ForeignKey(
        "members.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("consent")
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(
        _("attendance confirmed at"),
        null=True,
        blank=True,
        help_text=_("When the person confirmed from their personal link that they are coming."),
    )
    walk_in = models.BooleanField(_("walk-in"), default=False, help_text=_("Registered at the door."))

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "person"], condition=~Q(status="cancelled"), name="events_registration_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.event}"


class EventReport(models.Model):
    """The short report the responsible person files after an event was held."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="report", verbose_name=_("event"))
    turnout = models.PositiveIntegerField(_("turnout"))
    organizations = models.ManyToManyField(
        "members.Organization", blank=True, related_name="+", verbose_name=_("organizations present")
    )
    notes = models.TextField(_("notes"), blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("filed by")
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)

    class Meta:
        verbose_name = _("event report")
        verbose_name_plural = _("event reports")

    def __str__(self) -> str:
        return str(self.event)


def photo_path(instance: EventPhoto, filename: str) -> str:
    """Return ``events/photos/<xx>/<random>.<ext>``: the stored name says nothing about the upload."""
    token = uuid.uuid4().hex
    suffix = ".png" if instance.content_type == "image/png" else ".jpg"
    return f"events/photos/{token[:2]}/{token}{suffix}"


def thumbnail_path(instance: EventPhoto, filename: str) -> str:
    token = uuid.uuid4().hex
    return f"events/photos/thumbs/{token[:2]}/{token}.jpg"


class EventPhoto(models.Model):
    """A photo attached to an event report: checked by content, metadata (EXIF GPS) stripped, kept private."""

    report = models.ForeignKey(EventReport, on_delete=models.CASCADE, related_name="photos", verbose_name=_("report"))
    file = models.FileField(_("file"), upload_to=photo_path, storage=private_storage, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=thumbnail_path, storage=private_storage, max_length=200)
    content_type = models.CharField(_("content type"), max_length=20)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("event photo")
        verbose_name_plural = _("event photos")
        constraints = [
            models.UniqueConstraint(fields=["report", "sha256"], name="events_photo_once_per_report"),
        ]

    def __str__(self) -> str:
        return f"{self.report} · {self.pk}"


# --- Training -------------------------------------------------------------------------------------------------


class Course(models.Model):
    """A training course whose graduates may be deployed: the observer course or the proxy course."""

    class Kind(models.TextChoices):
        OBSERVER = "observer", _("Observer course")
        PROXY = "proxy", _("Trusted representative course")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark"), validators=[MaxValueValidator(100)], help_text=_("Score out of 100 needed to be certified.")
    )
    certificate_valid_days = models.PositiveIntegerField(
        _("certificate valid for (days)"), null=True, blank=True, help_text=_("Empty: valid until revoked.")
    )

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="events_course_pass_mark_range"),
        ]

    def __str__(self) -> str:
        return self.name


class TrainingSession(models.Model):
    """One run of a course, held by a trainer in a region."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("course"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    place = models.CharField(_("place"), max_length=300)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_sessions",
        verbose_name=_("trainer"),
    )
    # Optional: a course may train people for no election in particular (a certificate outlives one election).
    election = models.ForeignKey(
        Election,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_sessions",
        verbose_name=_("training for an election"),
    )
    public_token = models.CharField(_("enrolment link token"), max_length=32, unique=True, default=new_token)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="events_session_ends_after"),
        ]

    def __str__(self) -> str:
        return f"{self.course} · {timezone.localtime(self.starts_at):%d.%m.%Y}"


class Enrolment(models.Model):
    """A person enrolled in a training session, with attendance and test score."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("session")
    )
    person = models.ForeignKey(
        "members.Person", on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("person")
    )
    attended = models.BooleanField(_("attended"), default=False)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True, validators=[MaxValueValidator(100)])
    token = models.CharField(_("personal link token"), max_length=32, unique=True, default=new_token)
    consent = models.ForeignKey(
        "members.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("consent")
    )
    created_at = models.DateTimeField(_("enrolled at"), default=timezone.now)

    class Meta:
        ordering = ["person__full_name"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="events_enrolment_once"),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=100), name="events_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.session}"

    @property
    def passed(self) -> bool:
        return self.attended and self.score is not None and self.score >= self.session.course.pass_mark


class Certificate(models.Model):
    """Proof that a person passed a course; verifiable by its code at a public URL."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="certificate", verbose_name=_("enrolment")
    )
    person = models.ForeignKey(
        "members.Person", on_delete=models.PROTECT, related_name="certificates", verbose_name=_("person")
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("course"))
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    verification_code = models.CharField(
        _("verification code"), max_length=16, unique=True, default=new_verification_code
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revocation"), max_length=255, blank=True)

    class Meta:
        ordering = ["-issued_on", "number"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.number

    def is_valid(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.revoked_at is None and (self.valid_until is None or self.valid_until >= on)


# --- Accreditation of observer organizations -------------------------------------------------------------------


class AccreditationQuerySet(models.QuerySet):
    def valid_on(self, day: date) -> AccreditationQuerySet:
        """Keep the accreditations in force on ``day``: issued, not ended, not revoked by then."""
        return self.filter(issued_on__lte=day, valid_until__gte=day).filter(
            Q(revoked_at__isnull=True) | Q(revoked_at__date__gt=day)
        )


class Accreditation(models.Model):
    """An organization's accreditation to send election observers (docs/domain.md §3: NGOs, valid one year).

    The election commission issues it; staff record it here. An observer may be assigned only while the
    nominating organization holds one in force on the assignment date (``Assignment.clean``).
    """

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        PENDING = "pending", _("Not yet in force")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    organization = models.ForeignKey(
        "members.Organization",
        on_delete=models.PROTECT,
        related_name="accreditations",
        verbose_name=_("organization"),
    )
    issuing_body = models.CharField(
        _("issuing body"), max_length=200, help_text=_("The election commission that accredited the organization.")
    )
    number = models.CharField(_("number"), max_length=50)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revocation"), max_length=255, blank=True)

    objects = AccreditationQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("observer accreditation")
        verbose_name_plural = _("observer accreditations")
        constraints = [
            models.UniqueConstraint(fields=["issuing_body", "number"], name="events_accreditation_number_unique"),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("issued_on")), name="events_accreditation_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="events_accreditation_revocation_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["organization", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.issuing_body} № {self.number}"

    def status_on(self, day: date | None = None) -> str:
        day = day or timezone.localdate()
        if self.revoked_at is not None and timezone.localdate(self.revoked_at) <= day:
            return self.Status.REVOKED
        if day < self.issued_on:
            return self.Status.PENDING
        if day > self.valid_until:
            return self.Status.EXPIRED
        return self.Status.VALID

    @property
    def status(self) -> str:
        return self.status_on()

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)

    def is_valid(self, on: date | None = None) -> bool:
        return self.status_on(on) == self.Status.VALID

    def clean(self) -> None:
        if self.issued_on and self.valid_until and self.valid_until < self.issued_on:
            raise ValidationError({"valid_until": _("The accreditation cannot end before it is issued.")})


# --- Deployment -----------------------------------------------------------------------------------------------


class PollingStationQuerySet(models.QuerySet):
    def for_election(self, election: Election) -> PollingStationQuerySet:
        return self.filter(election=election)


class PollingStation(models.Model):
    """A polling station (precinct) of one election, where certified people are deployed.

    Precincts are formed anew for each election, so the same number in the same region is a different station in
    another election (issue #18): the number is unique per election and region.
    """

    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="stations", verbose_name=_("election")
    )
    number = models.CharField(_("number"), max_length=20)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    address = models.CharField(_("address"), max_length=300)
    # Empty only on stations recorded before the lists' size was imported; the protocol's first line checks against it.
    voters = models.PositiveIntegerField(
        _("voters on the lists"),
        null=True,
        blank=True,
        help_text=_("The number of voters on the precinct's lists (from the election commission)."),
    )

    objects = PollingStationQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "number"]
        verbose_name = _("polling station")
        verbose_name_plural = _("polling stations")
        constraints = [
            models.UniqueConstraint(fields=["election", "region", "number"], name="events_station_number_per_election"),
        ]

    def __str__(self) -> str:
        return str(_("Polling station No. %(number)s") % {"number": self.number})


class AssignmentQuerySet(models.QuerySet):
    def for_election(self, election: Election) -> AssignmentQuerySet:
        """Keep the assignments to stations of ``election`` (an assignment belongs to its station's election)."""
        return self.filter(station__election=election)


class Assignment(models.Model):
    """A certified person deployed to a polling station as an observer or a trusted representative."""

    class Role(models.TextChoices):
        OBSERVER = "observer", _("Observer")
        PROXY = "proxy", _("Trusted representative")

    # Keyed by the stored role value (a str), as ``self.role`` is.
    COURSE_FOR_ROLE: ClassVar[dict[str, str]] = {Role.OBSERVER: Course.Kind.OBSERVER, Role.PROXY: Course.Kind.PROXY}

    station = models.ForeignKey(
        PollingStation, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("polling station")
    )
    person = models.ForeignKey(
        "members.Person", on_delete=models.PROTECT, related_name="assignments", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("certificate")
    )
    organization = models.ForeignKey(
        "members.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="observer_assignments",
        verbose_name=_("nominating organization"),
    )
    registration_number = models.CharField(_("registration number (election commission)"), max_length=50, blank=True)
    registration_date = models.DateField(_("registration date (election commission)"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["station", "role", "person__full_name"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            # docs/domain.md §3: one observer per organization at a polling station at a time.
            models.UniqueConstraint(
                fields=["station", "organization"],
                condition=Q(role="observer", ended_at__isnull=True),
                name="events_one_observer_per_org_station",
            ),
            models.UniqueConstraint(
                fields=["station", "person"], condition=Q(ended_at__isnull=True), name="events_person_once_per_station"
            ),
            # One person stands at one station on election day: an active assignment elsewhere must end first.
            models.UniqueConstraint(
                fields=["person"], condition=Q(ended_at__isnull=True), name="events_one_active_assignment_per_person"
            ),
            models.CheckConstraint(
                condition=~Q(role="observer") | Q(organization__isnull=False), name="events_observer_has_organization"
            ),
            models.CheckConstraint(
                condition=~Q(role="proxy") | (~Q(registration_number="") & Q(registration_date__isnull=False)),
                name="events_proxy_has_registration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.station} ({self.get_role_display()})"

    @property
    def election(self) -> Election:
        """Return the election of the assignment's station (there is no column of its own to disagree with it)."""
        return self.station.election

    def clean(self) -> None:
        """Certification gates assignment: a valid certificate of the right course, held by this person."""
        if self.certificate_id is None:
            raise ValidationError({"certificate": _("Only certified people can be assigned.")})
        cert = self.certificate
        if cert.person_id != self.person_id:
            raise ValidationError({"certificate": _("The certificate belongs to someone else.")})
        if cert.course.kind != self.COURSE_FOR_ROLE.get(self.role):
            raise ValidationError({"certificate": _("The certificate is for another course.")})
        if not cert.is_valid():
            raise ValidationError({"certificate": _("The certificate is revoked or expired.")})
        if self.role == self.Role.OBSERVER and self.organization_id is not None:
            # docs/domain.md §3: the nominating organization must be accredited on the day the observer is assigned.
            day = timezone.localdate(self.assigned_at) if self.assigned_at else timezone.localdate()
            if not Accreditation.objects.valid_on(day).filter(organization_id=self.organization_id).exists():
                # organization_id is set (checked above); the organization is loaded only for the message
                organization = cast(Organization, self.organization)
                raise ValidationError({"organization": no_accreditation_message(organization, day)})


def no_accreditation_message(organization: Organization, day: date) -> str:
    return _("%(organization)s holds no observer accreditation in force on %(date)s; record it first.") % {
        "organization": organization,
        "date": day.strftime("%d.%m.%Y"),
    }
