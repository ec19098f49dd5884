"""Member organizations of the coalition."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from coalition.identifiers import validate_bin
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
