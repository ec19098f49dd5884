"""Member organizations of the coalition."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
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
    organizations = models.ManyToManyField(
        Organization, through="Affiliation", related_name="people", verbose_name=_("organizations")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(fields=["iin"], condition=~Q(iin=""), name="person_iin_unique_when_given"),
        ]

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
