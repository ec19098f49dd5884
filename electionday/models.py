"""Election day: what observers and trusted representatives report from their polling stations (issue #18).

Every report from a phone carries a client-generated UUID (``client_id``): the same report sent twice, or ten times,
is one row. The HQ defines checklists as data (a published version never changes); incidents may become complaints
in the hotline's forwarding ledger; the protocol's lines are checked against the law's control relations.
"""

from __future__ import annotations

import uuid

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coalition.models import Candidate, Election
from coalition.storage import private_storage

# --- Devices: sign-in without passwords ------------------------------------------------------------------------


class SignInLink(models.Model):
    """A personal one-time link for an assignment. The token is made when the message is sent (only its hash kept)."""

    assignment = models.ForeignKey(
        "events.Assignment", on_delete=models.CASCADE, related_name="signin_links", verbose_name=_("assignment")
    )
    token_hash = models.CharField(_("token hash"), max_length=64, blank=True, db_index=True)
    channel = models.CharField(_("channel"), max_length=10, default="sms")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")

    def __str__(self) -> str:
        return f"{self.assignment_id} · {self.created_at:%Y-%m-%d %H:%M}"


class Device(models.Model):
    """A phone bound to an assignment by a sign-in link; the token it sends is kept only as a hash."""

    assignment = models.ForeignKey(
        "events.Assignment", on_delete=models.CASCADE, related_name="devices", verbose_name=_("assignment")
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    label = models.CharField(_("device"), max_length=200, blank=True, help_text=_("The browser that opened the link."))
    created_at = models.DateTimeField(_("bound at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")

    def __str__(self) -> str:
        return f"{self.label or _('device')} · {self.created_at:%Y-%m-%d %H:%M}"


# --- Checklists as data, versioned -----------------------------------------------------------------------------


class QuestionType(models.TextChoices):
    YES_NO = "yes_no", _("Yes/no")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("Choice")
    TEXT = "text", _("Text")
    PHOTO = "photo", _("Photo")
    TIME = "time", _("Time")


class Checklist(models.Model):
    """A form the observers fill on election day (arrival and opening, a turnout checkpoint, closing and count)."""

    class Kind(models.TextChoices):
        OPENING = "opening", _("Arrival and opening")
        TURNOUT = "turnout", _("Turnout checkpoint")
        CLOSING = "closing", _("Closing and count")
        OTHER = "other", _("Other")

    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="checklists", verbose_name=_("election")
    )
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    due_at = models.TimeField(
        _("due at"), null=True, blank=True, help_text=_("Local time on election day the answers are due by.")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["election", "position", "code"]
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        constraints = [models.UniqueConstraint(fields=["election", "code"], name="electionday_checklist_code")]

    def __str__(self) -> str:
        return self.code


@pgtrigger.register(
    pgtrigger.Protect(
        name="published_version_never_changes",
        operation=pgtrigger.Update | pgtrigger.Delete,
        condition=pgtrigger.Q(old__published_at__isnull=False),
    )
)
class ChecklistVersion(models.Model):
    """One version of a checklist: its title and questions. Published, it never changes (edits make a new version).

    ``title`` is ``{"ru": ..., "kk": ..., "en": ...}``; ``questions`` is a list of
    ``{"name", "type" (QuestionType), "label": {lang: text}, "required": bool, "choices": [{"value", "label"}]}``.
    """

    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.JSONField(_("title"), default=dict)
    questions = models.JSONField(_("questions"), default=list)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["checklist", "-number"]
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        constraints = [
            models.UniqueConstraint(fields=["checklist", "number"], name="electionday_checklist_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.checklist} v{self.number}"


class Source(models.TextChoices):
    DEVICE = "device", _("Observer's phone")
    STAFF = "staff", _("Entered by staff")
    IMPORT = "import", _("Imported file")


class Submission(models.Model):
    """Answers to one checklist version from one station, exactly once per ``client_id``."""

    client_id = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4)
    version = models.ForeignKey(
        ChecklistVersion, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("form version")
    )
    station = models.ForeignKey(
        "events.PollingStation", on_delete=models.PROTECT, related_name="submissions", verbose_name=_("station")
    )
    assignment = models.ForeignKey(
        "events.Assignment", on_delete=models.PROTECT, null=True, blank=True, related_name="submissions"
    )
    answers = models.JSONField(_("answers"), default=dict)
    filled_at = models.DateTimeField(_("filled at"), help_text=_("When the observer filled it, by the phone's clock."))
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.DEVICE)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("checklist answers")
        verbose_name_plural = _("checklist answers")
        indexes = [models.Index(fields=["station", "version"], name="electionday_sub_station")]

    def __str__(self) -> str:
        return f"{self.version} · {self.station_id}"


# --- Incidents --------------------------------------------------------------------------------------------------


class IncidentCategory(models.TextChoices):
    """Violations on election day (Constitutional Law "On Elections", Art. 20, 20-1, 40–44; docs/election-day.md)."""

    PRESSURE = "pressure", _("Pressure on voters")
    CAROUSEL = "carousel", _("Carousel voting")
    STUFFING = "stuffing", _("Ballot stuffing")
    VOTE_BUYING = "vote_buying", _("Vote buying")
    SECRECY = "secrecy", _("Breach of the secrecy of the vote")
    OBSERVER_REMOVED = "observer_removed", _("Observer removed or kept at a distance")
    PROTOCOL_REFUSED = "protocol_refused", _("Copy of the protocol refused")
    COUNT_HIDDEN = "count_hidden", _("Count without visibility of marks")
    LISTS = "lists", _("Voter list irregularities")
    AGITATION = "agitation", _("Agitation on election day")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Incident(models.Model):
    """A violation seen at a station. A critical one alerts the region's coordinator and HQ at once."""

    client_id = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4)
    station = models.ForeignKey(
        "events.PollingStation", on_delete=models.PROTECT, related_name="incidents", verbose_name=_("station")
    )
    assignment = models.ForeignKey(
        "events.Assignment", on_delete=models.PROTECT, null=True, blank=True, related_name="incidents"
    )
    category = models.CharField(_("category"), max_length=20, choices=IncidentCategory.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    occurred_at = models.DateTimeField(_("occurred at"))
    text = models.TextField(_("what happened"), blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.DEVICE)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey(
        "hotline.Report",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("complaint case"),
        help_text=_("The case whose forwarding ledger holds the complaint letters."),
    )

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["severity", "occurred_at"], name="electionday_incident_sev")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.occurred_at:%H:%M}"


# --- The protocol -----------------------------------------------------------------------------------------------


class Protocol(models.Model):
    """The precinct commission's final protocol as one reporter (or the commission) gave it.

    A reporter's later protocol for the same station replaces their earlier one: the earlier row stays, with
    ``replaced_by`` set (the history). ``failed_checks`` holds the codes of the control relations it breaks.
    """

    class Kind(models.TextChoices):
        OBSERVER = "observer", _("Observer's copy")
        OFFICIAL = "official", _("Official (commission)")

    class Review(models.TextChoices):
        UNVERIFIED = "unverified", _("Not verified")
        VERIFIED = "verified", _("Verified against the photo")
        CORRECTED = "corrected", _("Corrected by staff")

    client_id = models.UUIDField(_("client id"), unique=True, null=True, blank=True)
    station = models.ForeignKey(
        "events.PollingStation", on_delete=models.PROTECT, related_name="protocols", verbose_name=_("station")
    )
    kind = models.CharField(_("source"), max_length=10, choices=Kind.choices, default=Kind.OBSERVER)
    reporter_iin = models.CharField(_("reporter's IIN"), max_length=12, blank=True)
    assignment = models.ForeignKey(
        "events.Assignment", on_delete=models.PROTECT, null=True, blank=True, related_name="protocols"
    )
    voters = models.PositiveIntegerField(_("voters on the lists"))
    received = models.PositiveIntegerField(_("ballots received"))
    issued = models.PositiveIntegerField(_("ballots issued"))
    cancelled = models.PositiveIntegerField(_("ballots cancelled (unused)"))
    in_boxes = models.PositiveIntegerField(_("ballots found in the boxes"))
    invalid = models.PositiveIntegerField(_("invalid ballots"))
    against_all = models.PositiveIntegerField(_("against all"))
    failed_checks = ArrayField(
        models.CharField(max_length=30), default=list, blank=True, verbose_name=_("failed checks")
    )
    filled_at = models.DateTimeField(_("filled at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    source = models.CharField(_("entered via"), max_length=10, choices=Source.choices, default=Source.DEVICE)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    replaced_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces", verbose_name=_("replaced by")
    )
    review = models.CharField(_("review"), max_length=10, choices=Review.choices, default=Review.UNVERIFIED)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        ordering = ["station", "-received_at"]
        verbose_name = _("protocol")
        verbose_name_plural = _("protocols")
        constraints = [
            # One latest protocol per reporter and station, and one official protocol per station.
            models.UniqueConstraint(
                fields=["station", "reporter_iin"],
                condition=Q(kind="observer", replaced_by__isnull=True),
                name="electionday_one_latest_per_reporter",
            ),
            models.UniqueConstraint(
                fields=["station"],
                condition=Q(kind="official", replaced_by__isnull=True),
                name="electionday_one_latest_official",
            ),
            models.CheckConstraint(
                condition=Q(kind="official") | ~Q(reporter_iin=""), name="electionday_observer_protocol_has_reporter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} · {self.get_kind_display()} · {self.received_at:%H:%M}"


class ProtocolVote(models.Model):
    """Votes for one candidate in one protocol."""

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="votes")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="+")
    votes = models.PositiveIntegerField(_("votes"))

    class Meta:
        ordering = ["protocol", "candidate__position"]
        verbose_name = _("votes for a candidate")
        verbose_name_plural = _("votes for candidates")
        constraints = [models.UniqueConstraint(fields=["protocol", "candidate"], name="electionday_vote_once")]

    def __str__(self) -> str:
        return f"{self.candidate_id}: {self.votes}"


# --- Photos and video -------------------------------------------------------------------------------------------


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"electionday/{instance.station_id}/{instance.sha256}{_suffix(filename)}"


def _suffix(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower()[:6] if dot >= 0 else ""


class Attachment(models.Model):
    """A photo (or video) from a station, attached to one checklist answer, incident or protocol."""

    client_id = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4)
    station = models.ForeignKey("events.PollingStation", on_delete=models.PROTECT, related_name="+")
    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments")
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments")
    question = models.CharField(_("question"), max_length=60, blank=True)
    file = models.FileField(_("file"), upload_to=attachment_path, storage=private_storage, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("type"), max_length=60)
    size = models.PositiveIntegerField(_("size, bytes"))
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(submission__isnull=False, incident__isnull=True, protocol__isnull=True)
                    | Q(submission__isnull=True, incident__isnull=False, protocol__isnull=True)
                    | Q(submission__isnull=True, incident__isnull=True, protocol__isnull=False)
                ),
                name="electionday_attachment_one_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type} · {self.sha256[:12]}"


# --- The situation room (issue #19) --------------------------------------------------------------------------


class CecTurnout(models.Model):
    """The turnout the Central Election Commission published for a checkpoint, as staff entered it (region empty:
    the national figure). Shown beside the observers' own figure; entering it again for the same checkpoint replaces
    the figure (audited)."""

    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="cec_turnout", verbose_name=_("election")
    )
    region = models.ForeignKey(
        "coalition.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("Empty: the national figure."),
    )
    checkpoint = models.TimeField(_("checkpoint"), help_text=_("Local time on election day the figure is for."))
    percent = models.DecimalField(_("turnout, %"), max_digits=5, decimal_places=2)
    source = models.CharField(_("source"), max_length=300, blank=True, help_text=_("Where the CEC published it."))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    entered_at = models.DateTimeField(_("entered"), default=timezone.now)

    class Meta:
        ordering = ["election", "checkpoint", "region__code"]
        verbose_name = _("CEC turnout figure")
        verbose_name_plural = _("CEC turnout figures")
        constraints = [
            models.UniqueConstraint(
                fields=["election", "region", "checkpoint"],
                condition=Q(region__isnull=False),
                name="electionday_cec_turnout_regional",
            ),
            models.UniqueConstraint(
                fields=["election", "checkpoint"],
                condition=Q(region__isnull=True),
                name="electionday_cec_turnout_national",
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="electionday_cec_turnout_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.checkpoint:%H:%M} · {self.percent}%"


class QuickCountSample(models.Model):
    """The stations drawn for the quick count (``quick_count --draw``), uploaded by staff: the situation room shows
    the estimate computed over the latest one."""

    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="quick_count_samples", verbose_name=_("election")
    )
    stations = ArrayField(models.CharField(max_length=20), verbose_name=_("station numbers"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["election", "-uploaded_at"]
        verbose_name = _("quick-count sample")
        verbose_name_plural = _("quick-count samples")

    def __str__(self) -> str:
        return f"{self.election_id} · {len(self.stations)} · {self.uploaded_at:%Y-%m-%d %H:%M}"
