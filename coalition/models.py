"""What is coalition-wide: regions, staff profiles (role scope), the audit log and the outbox."""

from __future__ import annotations

from datetime import datetime, time

import pgtrigger
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from coalition.identifiers import validate_bin, validate_iin


class Region(models.Model):
    """An oblast or a city of republican significance (ISO 3166-2:KZ, codes since 2022)."""

    class Kind(models.TextChoices):
        OBLAST = "oblast", _("Region (oblast)")
        CITY = "city", _("City of republican significance")

    code = models.CharField(_("ISO 3166-2 code"), max_length=8, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name_ru = models.CharField(_("name (Russian)"), max_length=100)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        ordering = ["name_ru"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """Return the name in the active language."""
        return getattr(self, f"name_{(get_language() or 'ru')[:2]}", None) or self.name_ru


class Profile(models.Model):
    """Per-user data that roles need: a regional coordinator's region, the preferred language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("region"),
        help_text=_("A regional coordinator sees and manages this region only."),
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="ru")
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)


def user_language(user: AbstractBaseUser | AnonymousUser | None) -> str:
    """Return the language a staff user reads messages in: their profile's, else Russian (the default)."""
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", None) or settings.LANGUAGE_CODE[:2]


@pgtrigger.register(
    pgtrigger.Protect(name="audit_entry_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
)
class AuditEntry(models.Model):
    """One recorded action. Append-only (a database trigger refuses UPDATE and DELETE) and hash-chained."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True, help_text=_("Kept if the user is renamed."))
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class OutboundMessage(models.Model):
    """One message the coalition sends (email or SMS). Its key makes each send happen at most once.

    The key names the recipient, the object the message is about, the kind of message and the occurrence
    (e.g. ``reminder:event:42:person:7:24h``): enqueueing the same key twice creates one row.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    key = models.CharField(_("key"), max_length=200, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.CharField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=5, default="ru")
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("body"))
    html_body = models.TextField(_("HTML body"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    send_after = models.DateTimeField(_("send after"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbox")
        indexes = [
            models.Index(fields=["send_after"], name="outbox_pending_due", condition=models.Q(status="pending")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False), name="outbox_sent_has_time"
            ),
        ]

    def __str__(self) -> str:
        # Never the recipient: it may be a hotline reporter (see coalition/privacy.py).
        return f"{self.get_channel_display()}: {self.subject or self.key}"


# --- The election: one coalition-wide object --------------------------------------------------------------------


class Election(models.Model):
    """An election: the fund, training, deployment and election day all refer to it (by its slug in files).

    Its row is also the lock that serialises decisions on the candidate's fund. The table keeps the name it had
    when the fund owned the model (``donations_election``): moving a model between apps does not rename tables.
    """

    class Kind(models.TextChoices):
        PRESIDENTIAL = "presidential", _("Presidential")
        PARLIAMENTARY = "parliamentary", _("Parliamentary")
        LOCAL = "local", _("Local (maslikhat)")

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PRESIDENTIAL)
    candidate_iin = models.CharField(
        _("candidate's IIN"), max_length=12, validators=[validate_iin], help_text=_("Money from this IIN is own money.")
    )
    association_bin = models.CharField(
        _("nominating association's BIN"),
        max_length=12,
        validators=[validate_bin],
        help_text=_("Money from this BIN is the nominating association's."),
    )
    election_day = models.DateField(_("election day"), null=True, blank=True)
    agitation_starts_on = models.DateField(
        _("agitation starts on"),
        null=True,
        blank=True,
        help_text=_(
            "The day after candidate registration ends: agitation is lawful from this day until 00:00 of the day "
            "before election day (the day of silence)."
        ),
    )
    dates_source = models.CharField(
        _("source of the dates"), max_length=255, blank=True, help_text=_("The election commission's resolution.")
    )
    polls_open = models.TimeField(
        _("polls open"), default=time(7, 0), help_text=_("Local time (UTC+5 nationwide since 1 March 2024).")
    )
    polls_close = models.TimeField(_("polls close"), default=time(20, 0))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        db_table = "donations_election"
        ordering = ["-created_at"]
        verbose_name = _("election")
        verbose_name_plural = _("elections")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(polls_open__lt=models.F("polls_close")), name="election_polls_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(agitation_starts_on__isnull=True)
                | models.Q(election_day__isnull=True)
                | models.Q(agitation_starts_on__lt=models.F("election_day")),
                name="election_agitation_before_election_day",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def polls_window(self) -> tuple[datetime, datetime] | None:
        """Return when the polls open and close on election day (aware, in the project's time zone), or None."""
        if self.election_day is None:
            return None
        zone = timezone.get_default_timezone()
        return (
            datetime.combine(self.election_day, self.polls_open, tzinfo=zone),
            datetime.combine(self.election_day, self.polls_close, tzinfo=zone),
        )


class Candidate(models.Model):
    """A line of the ballot, in ballot order. "Against all" is not a candidate: the protocol has a line of its own."""

    election = models.ForeignKey(
        Election, on_delete=models.CASCADE, related_name="candidates", verbose_name=_("election")
    )
    code = models.SlugField(_("code"), max_length=40, help_text=_("Used in files: the protocol column is c_<code>."))
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position on the ballot"))

    class Meta:
        ordering = ["election", "position"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [
            models.UniqueConstraint(fields=["election", "code"], name="candidate_code_unique"),
            models.UniqueConstraint(fields=["election", "position"], name="candidate_position_unique"),
        ]

    def __str__(self) -> str:
        return self.name
