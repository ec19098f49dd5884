"""Member organizations of the coalition.

Kept whole although past ~600 lines: it is fields, choices and constraints only (no workflow), one class per table,
and the tables reference one another (organization, person, affiliation, committee, decision); split into modules
they would only import each other back.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from coalition.identifiers import validate_bin, validate_iin
from coalition.models import Region


class Organization(models.Model):
    """A public organization that applied to join, or is a member of, the coalition."""

    class Kind(models.TextChoices):
        PUBLIC_ASSOCIATION = "public_association", _("Public association")
        TRADE_UNION = "trade_union", _("Trade union")
        TRADE_UNION_FEDERATION = "trade_union_federation", _("Federation of trade unions")
        FOUNDATION = "foundation", _("Public foundation")
        ASSOCIATION = "association", _("Association (union) of legal entities")
        UNION_OF_ASSOCIATIONS = "union_of_associations", _("Union of public associations")
        CHAMBER = "chamber", _("Chamber")
        CREATIVE_UNION = "creative_union", _("Creative union")
        SPORTS_FEDERATION = "sports_federation", _("Sports federation")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        ADMITTED = "admitted", _("Admitted")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    name_ru = models.CharField(_("full name (Russian)"), max_length=300)
    name_kk = models.CharField(_("full name (Kazakh)"), max_length=300, blank=True)
    name_en = models.CharField(_("full name (English)"), max_length=300, blank=True)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    bin = models.CharField(_("BIN"), max_length=12, validators=[validate_bin])
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organizations", verbose_name=_("region"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.APPLIED)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    website = models.URLField(_("website"), max_length=200, blank=True)
    head_name = models.CharField(_("head's full name"), max_length=200, blank=True)
    head_title = models.CharField(_("head's title"), max_length=150, blank=True)
    declared_members = models.PositiveIntegerField(
        _("declared number of members"), null=True, blank=True, validators=[MaxValueValidator(10_000_000)]
    )
    language = models.CharField(_("language of correspondence"), max_length=5, choices=settings.LANGUAGES, default="ru")
    digest_sent_at = models.DateTimeField(_("included in a staff digest at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name_ru"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(
                fields=["bin"], condition=~Q(status="rejected"), name="organization_bin_unique_unless_rejected"
            ),
            models.CheckConstraint(
                condition=~Q(status="admitted") | Q(joined_on__isnull=False), name="organization_admitted_has_date"
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def name(self) -> str:
        """Return the full name in the active language, falling back to Russian."""
        return getattr(self, f"name_{(get_language() or 'ru')[:2]}", "") or self.name_ru

    @property
    def applied_on(self) -> date:
        """Return the day the application was filed, in the coalition's time zone."""
        return timezone.localdate(self.created_at)

    @property
    def application_number(self) -> str:
        """Return the number the applicant quotes: the year applied and the row id."""
        return f"{self.created_at:%Y}-{self.pk:06d}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.APPLIED

    # Status changes a decision or a staff action may make (DOMAIN: applied -> admitted | rejected; admitted ->
    # suspended | withdrawn; a suspended member may be reinstated).
    TRANSITIONS = {
        Status.APPLIED: {Status.ADMITTED, Status.REJECTED},
        Status.ADMITTED: {Status.SUSPENDED, Status.WITHDRAWN},
        Status.SUSPENDED: {Status.ADMITTED, Status.WITHDRAWN},
        Status.REJECTED: set(),
        Status.WITHDRAWN: set(),
    }

    def can_change_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.Status(self.status), set())


class StatusChange(models.Model):
    """One step of an organization's status history (written only by the review services)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("organization")
    )
    from_status = models.CharField(_("from"), max_length=12, choices=Organization.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Organization.Status.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    decision = models.ForeignKey(
        "Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="status_changes",
        verbose_name=_("decision"),
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status history")

    def __str__(self) -> str:
        return f"{self.organization}: {self.from_status or '-'} -> {self.to_status}"


class Person(models.Model):
    """One human the coalition deals with: representative, volunteer, participant, observer, proxy, trainer.

    Donors are kept apart in the donations app. Personal data is processed only under a recorded consent
    (:class:`Consent`), one per purpose.
    """

    full_name = models.CharField(_("full name"), max_length=200)
    iin = models.CharField(
        _("IIN"), max_length=12, blank=True, validators=[validate_iin], help_text=_("Optional; 12 digits.")
    )
    phone = PhoneNumberField(_("phone"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="people", verbose_name=_("region")
    )
    language = models.CharField(_("preferred language"), max_length=5, choices=settings.LANGUAGES, default="ru")
    organizations: models.ManyToManyField[Organization, Affiliation] = models.ManyToManyField(
        Organization, through="Affiliation", related_name="people", verbose_name=_("organizations")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("member portal account"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        permissions = [("view_person_iin", "Can see people's full IIN")]
        constraints = [
            models.UniqueConstraint(fields=["iin"], condition=~Q(iin=""), name="person_iin_unique_when_given"),
        ]
        indexes = [models.Index(fields=["full_name", "id"], name="person_name_order")]  # the people list's pages

    def __str__(self) -> str:
        return self.full_name


class Affiliation(models.Model):
    """A person acting for an organization, and in what role."""

    class Role(models.TextChoices):
        REPRESENTATIVE = "representative", _("Representative (contact person)")
        HEAD = "head", _("Head")
        VOLUNTEER = "volunteer", _("Volunteer")
        OBSERVER = "observer", _("Observer")
        PROXY = "proxy", _("Trusted representative")
        MEMBER = "member", _("Member")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations", verbose_name=_("person"))
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="affiliations", verbose_name=_("organization")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REPRESENTATIVE)
    title = models.CharField(_("title"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.UniqueConstraint(fields=["person", "organization", "role"], name="affiliation_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.organization} ({self.get_role_display()})"


class IdentityClaim(models.Model):
    """Who asserted which identity, through which path, and which person record it was resolved to.

    Written only by :func:`members.identity.resolve_person` (and the people import through the same policy), one
    row each time a path creates or reuses a person. ``claimed`` keeps the values as typed. A *pending* claim is one
    that pointed at an existing person (same IIN under another name, or same email) but was not attached to them:
    a new person record was made instead, for committee staff to merge or dismiss.
    """

    class Source(models.TextChoices):
        JOIN = "join", _("Application to join (public)")
        NOMINATION = "nomination", _("Nomination by a member (portal)")
        REGISTRATION = "registration", _("Event registration (public)")
        WALK_IN = "walk_in", _("Walk-in at an event (staff)")
        ENROLMENT = "enrolment", _("Training enrolment (public)")
        IMPORT = "import", _("People import (staff)")
        COMMITTEE = "committee", _("Committee roster (staff)")

    class Outcome(models.TextChoices):
        CREATED = "created", _("New person")
        MATCHED = "matched", _("Existing person (identity matched)")
        PENDING = "pending", _("New person; an existing record may be the same (to review)")

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="identity_claims", verbose_name=_("person recorded")
    )
    candidate = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims_against",
        verbose_name=_("existing person it pointed at (not attached)"),
    )
    matched_on = models.CharField(_("matched on"), max_length=10, blank=True)
    claimed = models.JSONField(_("values as typed"), default=dict)
    asserted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asserted by"),
        help_text=_("Empty for a public form: the person themselves."),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("identity claim")
        verbose_name_plural = _("identity claims")

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.person} ({self.get_outcome_display()})"


class Consent(models.Model):
    """A person's consent to personal-data processing for one purpose (Law No. 94-V): verifiable, withdrawable."""

    class Purpose(models.TextChoices):
        MEMBERSHIP = "membership", _("Representing a member organization")
        EVENTS = "events", _("Taking part in events and training")
        OBSERVATION = "observation", _("Election observation and trusted representation")
        HOTLINE = "hotline", _("Contact about a hotline report")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents", verbose_name=_("person"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    text_version = models.CharField(_("consent text version"), max_length=20)
    text = models.TextField(_("consent text as shown"))
    language = models.CharField(_("language"), max_length=5, default="ru")
    given_at = models.DateTimeField(_("given at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    claim = models.ForeignKey(
        IdentityClaim,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("recorded through"),
        help_text=_("Who asserted the identity and the consent, through which path (empty for older rows)."),
    )

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"], condition=Q(withdrawn_at__isnull=True), name="consent_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_purpose_display()} ({self.text_version})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class IneligibleCategory(models.Model):
    """A kind of organization that may not campaign, so cannot be admitted (election law Art. 27; docs/domain.md §4).

    Kept as data: staff edit the list when the law changes. An applicant declares whether a category applies;
    ``name_keywords`` and ``bin_type_digits`` let the form also catch obvious cases on its own.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=200)
    reason = models.TextField(
        _("reason shown to the applicant"), help_text=_("Why such an organization cannot join the coalition.")
    )
    name_keywords = models.CharField(
        _("name keywords"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated words; an organization whose name contains one is refused (case-insensitive)."),
    )
    bin_type_digits = models.CharField(
        _("BIN type digits"),
        max_length=5,
        blank=True,
        help_text=_("BIN 5th digits that mark this category, e.g. 5 for a non-resident legal entity."),
    )
    source = models.CharField(_("legal source"), max_length=200, blank=True)
    is_active = models.BooleanField(_("in force"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("ineligible category")
        verbose_name_plural = _("ineligible categories")

    def __str__(self) -> str:
        return self.label

    def keywords(self) -> list[str]:
        return [word.strip().casefold() for word in self.name_keywords.split(",") if word.strip()]


class QuorumRule(models.Model):
    """How many committee members must attend for a meeting's decisions to count; the rule in force on a date."""

    valid_from = models.DateField(_("valid from"), unique=True)
    share = models.DecimalField(
        _("required share of members present"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1.00"))],
    )
    strictly_more = models.BooleanField(
        _("strictly more than the share"), default=True, help_text=_("On: more than half; off: at least half.")
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("quorum rule")
        verbose_name_plural = _("quorum rules")

    def __str__(self) -> str:
        more = _("more than") if self.strictly_more else _("at least")
        return f"{self.valid_from:%d.%m.%Y}: {more} {self.share:.0%}"

    @classmethod
    def in_force(cls, on: date) -> QuorumRule | None:
        return cls.objects.filter(valid_from__lte=on).order_by("-valid_from").first()


class CommitteeMember(models.Model):
    """A member of the organizing committee (the roster the quorum is counted against)."""

    person = models.OneToOneField(
        Person, on_delete=models.PROTECT, related_name="committee_seat", verbose_name=_("person")
    )
    title = models.CharField(_("title on the committee"), max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="committee_members",
        verbose_name=_("organization"),
    )
    is_active = models.BooleanField(_("sits on the committee"), default=True)

    class Meta:
        ordering = ["person__full_name"]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")

    def __str__(self) -> str:
        return self.person.full_name


class CommitteeMeeting(models.Model):
    """A meeting of the organizing committee: who attended, what was discussed, what was decided."""

    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    agenda = models.TextField(_("agenda"))
    minutes = models.TextField(_("minutes (discussion)"), blank=True)
    attendees = models.ManyToManyField(
        CommitteeMember, related_name="meetings_attended", blank=True, verbose_name=_("committee members present")
    )
    committee_size = models.PositiveSmallIntegerField(
        _("committee size"), help_text=_("Members on the committee on the meeting date (the quorum base).")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
        help_text=_("Empty for records loaded from earlier documents."),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("committee meeting")
        verbose_name_plural = _("committee meetings")

    def __str__(self) -> str:
        return f"{self.held_on:%d.%m.%Y}, {self.place}"


class Decision(models.Model):
    """A motion put to a meeting and its vote. An adopted admission or rejection acts on the organizations named."""

    class Kind(models.TextChoices):
        ADMISSION = "admission", _("Admission of organizations")
        REJECTION = "rejection", _("Rejection of applications")
        OTHER = "other", _("Other resolution")

    meeting = models.ForeignKey(
        CommitteeMeeting, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("meeting")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("text of the motion"))
    reason = models.TextField(_("reason"), blank=True, help_text=_("Required for a rejection; sent to the applicant."))
    organizations = models.ManyToManyField(
        Organization, related_name="decisions", blank=True, verbose_name=_("organizations")
    )
    votes_for = models.PositiveSmallIntegerField(_("votes for"))
    votes_against = models.PositiveSmallIntegerField(_("votes against"))
    votes_abstained = models.PositiveSmallIntegerField(_("abstained"))
    present = models.PositiveSmallIntegerField(_("members present"))
    quorum = models.PositiveSmallIntegerField(_("quorum required"))
    adopted = models.BooleanField(_("adopted"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
        help_text=_("Empty for records loaded from earlier documents."),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["meeting", "number"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="decision_number_unique_per_meeting"),
            models.CheckConstraint(
                condition=models.Q(
                    votes_for__lte=models.F("present") - models.F("votes_against") - models.F("votes_abstained")
                ),
                name="decision_votes_within_present",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="rejection") | ~models.Q(reason=""), name="decision_rejection_has_reason"
            ),
            models.CheckConstraint(
                condition=models.Q(adopted=False) | models.Q(present__gte=models.F("quorum")),
                name="decision_adopted_needs_quorum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} — №{self.number}: {self.get_kind_display()}"


class StatementOfSupport(models.Model):
    """What a member organization's speaker said in support; published on /members/ only when staff allow it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="statements", verbose_name=_("organization")
    )
    speaker_name = models.CharField(_("speaker"), max_length=200)
    speaker_title = models.CharField(_("speaker's title"), max_length=200, blank=True)
    text = models.TextField(_("text"), max_length=5000)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="ru")
    made_on = models.DateField(_("date"))
    meeting = models.ForeignKey(
        CommitteeMeeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="statements",
        verbose_name=_("made at meeting"),
    )
    may_publish = models.BooleanField(_("may be published"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-made_on", "pk"]
        verbose_name = _("statement of support")
        verbose_name_plural = _("statements of support")

    def __str__(self) -> str:
        return f"{self.speaker_name} ({self.organization})"


class Invitation(models.Model):
    """An emailed invitation for a member's representative to open a member-portal account (single use)."""

    affiliation = models.ForeignKey(
        Affiliation, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("representative")
    )
    email = models.EmailField(_("email"))
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} ({self.affiliation.organization})"


class ProfileChange(models.Model):
    """A member's request to change its name or BIN, which staff review before it applies."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    REVIEWED_FIELDS = ("name_ru", "name_kk", "name_en", "short_name", "bin")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="profile_changes", verbose_name=_("organization")
    )
    changes = models.JSONField(_("requested changes"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["requested_at"]
        verbose_name = _("profile change request")
        verbose_name_plural = _("profile change requests")

    def __str__(self) -> str:
        return f"{self.organization}: {', '.join(self.changes)}"


class PeopleImport(models.Model):
    """An uploaded CSV of people: previewed (a dry run) and then applied as a whole, or never.

    The file is kept between the preview and the confirmation, keyed by its SHA-256, so the confirmation applies
    exactly the file that was previewed; once applied, the content is cleared (only the hash and the totals stay).
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        APPLIED = "applied", _("Applied")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    filename = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    content = models.BinaryField(_("content"), editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    summary = models.JSONField(_("totals"), default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("people import")
        verbose_name_plural = _("people imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.sha256[:12]})"
