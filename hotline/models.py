"""Hotline reports of coercion and other illegal acts, their handling, and the identity vault.

The reporter's identity lives in :class:`ReporterIdentity`, a table of its own whose view permission only the
integrity officer's group holds; every look at it writes an :class:`IdentityAccess` row. What the reporter wrote
and uploaded is append-only (database triggers refuse changes); staff work is recorded beside it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pgtrigger
from django.conf import settings
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from coalition.models import Region
from coalition.storage import private_storage, random_name
from hotline.vault import EncryptedTextField


class Category(models.TextChoices):
    COERCION_TO_DONATE = "coercion_donate", _("Coercion to donate")
    COERCION_TO_ATTEND = "coercion_attend", _("Coercion to attend an event")
    PRESSURE = "pressure", _("Pressure on employees or students")
    VOTE_BUYING = "vote_buying", _("Vote buying")
    ADMIN_RESOURCES = "admin_resources", _("Misuse of administrative resources")
    IMPERSONATION = "impersonation", _("Impersonation of the coalition")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    IN_PERSON = "in_person", _("In person")


class HotlinePolicy(models.Model):
    """The hotline's rules as data: deadlines, retention and limits, each version valid from a date.

    The version in force is the latest whose ``valid_from`` has passed (see :meth:`current`).
    """

    valid_from = models.DateTimeField(_("valid from"), unique=True)
    triage_hours = models.PositiveIntegerField(
        _("triage deadline (hours)"), default=24, help_text=_("A new report not triaged within this time escalates.")
    )
    answer_days = models.PositiveIntegerField(
        _("agency answer deadline (days)"),
        default=30,
        help_text=_("A forwarded case without an answer after this many days escalates."),
    )
    follow_up_days = models.PositiveIntegerField(
        _("follow-up reminder interval (days)"),
        default=7,
        help_text=_("The integrity officer is reminded this often until an agency's outcome is recorded."),
    )
    retention_days = models.PositiveIntegerField(
        _("retention after closing (days)"),
        default=365,
        help_text=_(
            "Closed cases are anonymised after this period; the clock pauses while a forwarding is unanswered."
        ),
    )
    pattern_window_days = models.PositiveIntegerField(
        _("pattern window (days)"),
        default=30,
        help_text=_("Two or more reports naming the same organization within this window raise an alert."),
    )
    max_file_mb = models.PositiveIntegerField(_("largest evidence file (MB)"), default=10)
    max_files = models.PositiveIntegerField(_("evidence files per submission"), default=5)
    escalation_emails = models.TextField(
        _("escalation recipients"),
        blank=True,
        help_text=_("Emails of the committee's head and others who receive SLA escalations, one per line."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("hotline policy")
        verbose_name_plural = _("hotline policies")
        constraints = [
            models.CheckConstraint(condition=Q(max_file_mb__gte=1), name="hotline_policy_file_size_positive"),
            models.CheckConstraint(condition=Q(follow_up_days__gte=1), name="hotline_policy_follow_up_positive"),
        ]

    def __str__(self) -> str:
        return _("Hotline policy from %(date)s") % {"date": f"{self.valid_from:%Y-%m-%d}"}

    @classmethod
    def current(cls) -> HotlinePolicy:
        """Return the version in force now (an unsaved default one if none was ever stored)."""
        return cls.objects.filter(valid_from__lte=timezone.now()).first() or cls(valid_from=timezone.now())

    @property
    def escalation_recipients(self) -> list[str]:
        return [line.strip() for line in self.escalation_emails.splitlines() if line.strip()]


class Agency(models.Model):
    """A law-enforcement or state body that hotline cases are forwarded to (a list kept as data)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    address = models.TextField(_("postal address"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_ru"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return getattr(self, f"name_{(get_language() or 'ru')[:2]}", "") or self.name_ru


@pgtrigger.register(
    pgtrigger.Protect(name="report_no_delete", operation=pgtrigger.Delete),
    pgtrigger.Protect(
        name="report_original_immutable",
        operation=pgtrigger.Update,
        condition=pgtrigger.AnyChange(
            "tracking_code", "category", "description", "occurred_on", "occurred_when", "involved", "created_at"
        ),
    ),
)
class Report(models.Model):
    """One report to the hotline. What the reporter said is immutable; later information is appended."""

    class Status(models.TextChoices):
        NEW = "new", _("Received")
        TRIAGED = "triaged", _("Under review")
        FORWARDED = "forwarded", _("Forwarded to law enforcement")
        ANSWERED = "answered", _("Answer received")
        CLOSED = "closed", _("Closed")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    tracking_code = models.CharField(_("tracking code"), max_length=20, unique=True)
    secret_hash = models.CharField(_("secret (hash)"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("what happened"))
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    locality = models.CharField(_("locality"), max_length=200, blank=True)
    occurred_on = models.DateField(_("date"), null=True, blank=True)
    occurred_when = models.CharField(_("when (in words)"), max_length=200, blank=True)
    organization = models.ForeignKey(
        "members.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hotline_reports",
        verbose_name=_("member organization named"),
    )
    involved = models.CharField(_("organization or person involved"), max_length=300, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    public_note = models.TextField(
        _("note for the reporter"), blank=True, help_text=_("Shown to the reporter with the receipt; no personal data.")
    )
    created_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("hotline report")
        verbose_name_plural = _("hotline reports")
        permissions = [("view_statistics", _("Can view anonymised hotline statistics"))]
        constraints = [
            models.CheckConstraint(condition=~Q(status="closed") | Q(closed_at__isnull=False), name="report_closed_at"),
            models.CheckConstraint(condition=~Q(duplicate_of=models.F("id")), name="report_not_duplicate_of_itself"),
            models.CheckConstraint(
                condition=Q(status="new") | Q(triaged_at__isnull=False), name="report_triaged_has_time"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    def triage_deadline(self, policy: HotlinePolicy) -> datetime:
        return self.created_at + timedelta(hours=policy.triage_hours)


@pgtrigger.register(pgtrigger.Protect(name="report_update_append_only", operation=pgtrigger.Update | pgtrigger.Delete))
class ReportUpdate(models.Model):
    """Information the reporter added later (through the receipt or by phone). Append-only."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="updates", verbose_name=_("report"))
    text = models.TextField(_("text"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("added information")
        verbose_name_plural = _("added information")

    def __str__(self) -> str:
        return f"{self.report} +{self.created_at:%Y-%m-%d %H:%M}"


def evidence_path(instance: object, filename: str) -> str:
    """Return ``hotline/evidence/<xx>/<random>.<ext>`` (see :func:`coalition.storage.random_name`)."""
    return random_name("hotline/evidence", filename)


def letter_path(instance: object, filename: str) -> str:
    """Return ``hotline/letters/<xx>/<random>.<ext>`` (see :func:`coalition.storage.random_name`)."""
    return random_name("hotline/letters", filename)


@pgtrigger.register(pgtrigger.Protect(name="evidence_append_only", operation=pgtrigger.Update | pgtrigger.Delete))
class Evidence(models.Model):
    """One evidence file (image metadata stripped). Stored privately under a random name; append-only."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("report"))
    update = models.ForeignKey(
        ReportUpdate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("added with"),
    )
    file = models.FileField(_("file"), upload_to=evidence_path, storage=private_storage, max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    metadata_stripped = models.BooleanField(_("metadata stripped"), default=False)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return f"{self.report} · {self.content_type} · {self.sha256[:12]}"

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(self.content_type, "bin")


class ReporterIdentity(models.Model):
    """The identity vault: who reported, and how to reach them. Seen by the integrity officer alone.

    Kept apart from the case so that no list, export, statistic or admin page of reports can show it, and
    encrypted at rest under ``HOTLINE_IDENTITY_KEYS``. Deleted when the case's retention ends.
    """

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="identity", verbose_name=_("report"))
    # Encrypted at rest (vault.py): a dump or backup of the database shows Fernet tokens, never the identity.
    full_name = EncryptedTextField(_("name"), blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    email = EncryptedTextField(_("email"), blank=True, validators=[validate_email])
    other_contact = EncryptedTextField(_("other contact"), blank=True)
    language = models.CharField(_("language"), max_length=5, default="ru")
    consent_to_contact = models.BooleanField(_("consents to be contacted"), default=False)
    consent_to_share = models.BooleanField(_("consents to identity being passed to law enforcement"), default=False)
    consent_text_version = models.CharField(_("consent text version"), max_length=20)
    consent_text = models.TextField(_("consent text as shown"))
    consent_given_at = models.DateTimeField(_("consent given at"))

    class Meta:
        verbose_name = _("reporter identity")
        verbose_name_plural = _("reporter identities")
        constraints = [
            models.CheckConstraint(
                condition=~Q(full_name="", phone="", email="", other_contact=""), name="identity_not_empty"
            ),
        ]

    def __str__(self) -> str:  # never the name: this may end up in logs
        return _("Identity of reporter of %(code)s") % {"code": self.report.tracking_code}


@pgtrigger.register(
    pgtrigger.Protect(name="identity_access_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
)
class IdentityAccess(models.Model):
    """One look at (or disclosure of) a reporter's identity: who, when, which report, why, from where."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        DISCLOSE = "disclose", _("Disclosed to an agency")

    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, related_name="identity_accesses", verbose_name=_("report")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices, default=Action.VIEW)
    reason = models.CharField(_("reason"), max_length=300)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("identity access")
        verbose_name_plural = _("identity access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_action_display()} {self.report}"


class IdentityDisclosure(models.Model):
    """A request to pass a reporter's identity to an agency without their consent: a legal basis and a second
    staff member's approval are required before any letter may include it."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="disclosures", verbose_name=_("report"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    legal_basis = models.TextField(_("legal basis and reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("identity disclosure")
        verbose_name_plural = _("identity disclosures")
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("requested_by")),
                name="disclosure_second_person_approves",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True, approved_at__isnull=True)
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="disclosure_approval_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} → {self.agency}"


@pgtrigger.register(pgtrigger.Protect(name="case_note_append_only", operation=pgtrigger.Update | pgtrigger.Delete))
class CaseNote(models.Model):
    """An internal note of the integrity officer. Never shown to the reporter. Append-only."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="notes", verbose_name=_("report"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self) -> str:
        return f"{self.report} · {self.created_at:%Y-%m-%d %H:%M}"


class Forwarding(models.Model):
    """One entry of the forwarding ledger: what was sent to which agency, when, and what came back."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="forwardings", verbose_name=_("report"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="forwardings", verbose_name=_("agency"))
    sent_on = models.DateField(_("sent on"))
    outgoing_number = models.CharField(_("outgoing letter number"), max_length=50)
    includes_identity = models.BooleanField(_("letter includes the reporter's identity"), default=False)
    identity_removed_at = models.DateTimeField(
        _("identity removed from the kept letter"),
        null=True,
        blank=True,
        help_text=_(
            "When retention ended: the kept copy was regenerated without the identity (the letter as sent had it)."
        ),
    )
    letter = models.FileField(_("letter"), upload_to=letter_path, storage=private_storage, max_length=200)
    letter_sha256 = models.CharField(_("letter SHA-256"), max_length=64)
    letter_content_type = models.CharField(_("letter type"), max_length=40, default="application/pdf")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    acknowledged_on = models.DateField(_("acknowledged on"), null=True, blank=True)
    agency_reference = models.CharField(_("agency's reference"), max_length=100, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    outcome_on = models.DateField(_("outcome received on"), null=True, blank=True)
    outcome_public = models.TextField(
        _("outcome for the reporter"), blank=True, help_text=_("Shown to the reporter with the receipt.")
    )

    class Meta:
        ordering = ["-sent_on", "-id"]
        verbose_name = _("forwarding")
        verbose_name_plural = _("forwarding ledger")
        constraints = [
            models.UniqueConstraint(fields=["agency", "outgoing_number"], name="forwarding_number_unique"),
            models.CheckConstraint(
                condition=Q(outcome_on__isnull=True) | ~Q(outcome=""), name="forwarding_outcome_has_text"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} → {self.agency} № {self.outgoing_number}"

    @property
    def answered(self) -> bool:
        return self.outcome_on is not None


class SlaBreach(models.Model):
    """A missed deadline, recorded once per breach (the unique key makes the escalation happen once)."""

    class Kind(models.TextChoices):
        TRIAGE = "triage", _("Not triaged in time")
        ANSWER = "answer", _("No answer from the agency in time")

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="sla_breaches", verbose_name=_("report"))
    forwarding = models.ForeignKey(
        Forwarding, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("forwarding")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    deadline = models.DateTimeField(_("deadline"))
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)

    class Meta:
        ordering = ["-detected_at"]
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "kind"], condition=Q(forwarding__isnull=True), name="sla_breach_once_per_report"
            ),
            models.UniqueConstraint(
                fields=["forwarding", "kind"],
                condition=Q(forwarding__isnull=False),
                name="sla_breach_once_per_forwarding",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report}: {self.get_kind_display()}"


class PatternAlert(models.Model):
    """Several reports point at one organization: the integrity officer is alerted with the links."""

    class Kind(models.TextChoices):
        SAME_ORGANIZATION = "same_org", _("Several reports name the same organization")
        DONATION_CLUSTER = "donations", _("Reported organization's members donated on the same day")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=120, unique=True)
    organization = models.ForeignKey(
        "members.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    organization_label = models.CharField(_("organization named"), max_length=300)
    reports = models.ManyToManyField(Report, related_name="pattern_alerts", verbose_name=_("reports"))
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("raised at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pattern alert")
        verbose_name_plural = _("pattern alerts")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.organization_label}"
