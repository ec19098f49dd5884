"""The candidate's election fund: elections and their rule versions, donors, pledges, incoming money,
the decisions taken on it, the append-only ledger, returns and transfers to the budget, and reports.

Money is ``Decimal`` in tenge. Ledger rows, decisions and rule versions are append-only: the ORM refuses to
change them (``save`` on an existing row raises) and a database trigger refuses UPDATE and DELETE, so even raw SQL
cannot rewrite the past; a correction is a new row.

Kept whole although past ~600 lines: it is fields, choices, constraints and the append-only triggers only (no
workflow), one class per table of one schema whose tables reference one another (election, rule version, donor,
donation, decision, ledger entry); split into modules they would only import each other back.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, TypedDict

import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coalition.models import Election  # one election, coalition-wide: the fund's rows refer to it
from donations import rules


class _MoneyField(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: _MoneyField = {"max_digits": 18, "decimal_places": 2}


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an append-only row."""


class AppendOnlyModel(models.Model):
    """A row that is written once: the ORM refuses updates and deletes (a trigger does too, in the database)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")


def _append_only(name: str) -> pgtrigger.Protect:
    return pgtrigger.Protect(name=name, operation=pgtrigger.Update | pgtrigger.Delete)


class Source(models.TextChoices):
    OWN = rules.OWN, _("Candidate's own money")
    ASSOCIATION = rules.ASSOCIATION, _("Nominating association")
    DONATIONS = rules.DONATIONS, _("Donations of citizens and organizations")


class Verdict(models.TextChoices):
    ACCEPTED = rules.ACCEPTED, _("Accepted")
    PARTIALLY_ACCEPTED = rules.PARTIALLY_ACCEPTED, _("Partially accepted")
    RETURNED = rules.RETURNED, _("Returned")
    TO_BUDGET = rules.TO_BUDGET, _("To the budget")
    HELD = rules.HELD, pgettext_lazy("donation verdict", "Held")


class DonorCategory(models.TextChoices):
    CITIZEN = "citizen", _("Citizen of Kazakhstan")
    COMPANY = "company", _("Company of Kazakhstan")
    PUBLIC_ASSOCIATION = "public_association", _("Public association")
    PARTY = "party", _("Political party")
    FOREIGN_CITIZEN = "foreign_citizen", _("Foreign citizen")
    STATELESS = "stateless", _("Stateless person")
    FOREIGN_ORG = "foreign_org", _("Foreign legal entity or state")
    INTERNATIONAL_ORG = "international_org", _("International organization")
    STATE_BODY = "state_body", _("State body")
    STATE_ORGANIZATION = "state_organization", _("State organization or entity with a state share")
    LOCAL_GOVERNMENT = "local_government", _("Local self-government body")
    CHARITY = "charity", _("Charitable organization")
    RELIGIOUS = "religious", _("Religious association")
    FOREIGN_PARTICIPATION = "foreign_participation", _("Entity with foreign participation in its charter capital")
    FOREIGN_GRANTS = "foreign_grants", _("Receives foreign grants")


@pgtrigger.register(_append_only("rule_version_append_only"))
class RuleVersion(AppendOnlyModel):
    """The fund's rules for one election from a moment on. Editing the rules adds a version; decisions keep
    the version they were made under, so a past verdict can always be explained."""

    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="rule_versions", verbose_name=_("election")
    )
    number = models.PositiveIntegerField(_("version"))
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    source = models.CharField(
        _("legal source"),
        max_length=300,
        default="Конституционный закон РК «О выборах» № 2464 от 28.09.1995, ст. 34, 58",
        help_text=_("The law or decision these values come from."),
    )
    fund_opens_on = models.DateField(_("fund opens on"))
    fund_closes_on = models.DateField(_("fund closes on"))
    mzp = models.DecimalField(_("minimum wage (МЗП), ₸"), **MONEY)
    mzp_date = models.DateField(
        _("МЗП as of"), null=True, blank=True, help_text=_("Which date's minimum wage applies (unconfirmed in law).")
    )
    cap_own_mzp = models.DecimalField(_("cap on own money, × МЗП"), max_digits=10, decimal_places=2)
    cap_association_mzp = models.DecimalField(
        _("cap on the association's money, × МЗП"), max_digits=10, decimal_places=2
    )
    cap_donations_mzp = models.DecimalField(_("cap on all donations, × МЗП"), max_digits=10, decimal_places=2)
    per_donor_cap_mzp = models.DecimalField(
        _("per-donor cap, × МЗП"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("A coalition policy, not the law: empty means no per-donor cap."),
    )
    require_declaration = models.BooleanField(
        _("declaration required"),
        default=False,
        help_text=_("Hold donations until a voluntariness declaration is on file."),
    )
    return_deadline_days = models.PositiveSmallIntegerField(
        _("return deadline, days"), default=10, help_text=_("Not set by the law (unconfirmed): a coalition default.")
    )
    prohibited = models.JSONField(
        _("prohibited donor categories"),
        default=dict,
        help_text=_('Category code -> handling ("returned" or "to_budget").'),
    )
    burst_threshold = models.PositiveSmallIntegerField(
        _("coercion alert threshold"),
        default=5,
        help_text=_("Alert the integrity officer when this many donors give on one day with the same purpose."),
    )
    near_cap_share = models.DecimalField(
        _("near-cap alert: share of the cap on all donations (per cent)"),
        max_digits=5,
        decimal_places=2,
        default=rules.DEFAULT_NEAR_CAP_SHARE,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text=_(
            "Alert the integrity officer when one payer's kept money reaches this share of the cap on all "
            "donations (or comes within 5 per cent of the per-donor cap, when there is one). A coalition default, "
            "not the law."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["election", "-number"]
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        constraints = [
            models.UniqueConstraint(fields=["election", "number"], name="rule_version_number_unique"),
            models.CheckConstraint(condition=Q(mzp__gt=0), name="rule_version_mzp_positive"),
            models.CheckConstraint(
                condition=Q(fund_closes_on__gte=models.F("fund_opens_on")), name="rule_version_period"
            ),
            models.CheckConstraint(
                condition=Q(cap_own_mzp__gte=0, cap_association_mzp__gte=0, cap_donations_mzp__gte=0),
                name="rule_version_caps_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.election} v{self.number}"

    def as_rules(self, election: Election | None = None) -> rules.RuleSet:
        """Return the plain-data rule set the compliance engine works on."""
        election = election or self.election
        return rules.RuleSet(
            version=self.number,
            candidate_iin=election.candidate_iin,
            association_bin=election.association_bin,
            fund_opens_on=self.fund_opens_on,
            fund_closes_on=self.fund_closes_on,
            mzp=self.mzp,
            cap_own_mzp=self.cap_own_mzp,
            cap_association_mzp=self.cap_association_mzp,
            cap_donations_mzp=self.cap_donations_mzp,
            per_donor_cap_mzp=self.per_donor_cap_mzp,
            require_declaration=self.require_declaration,
            return_deadline_days=self.return_deadline_days,
            prohibited=dict(self.prohibited),
            near_cap_share=self.near_cap_share,
        )


class Donor(models.Model):
    """A known payer: the registry finance officers keep (organizations must be in it to give)."""

    class Kind(models.TextChoices):
        INDIVIDUAL = rules.INDIVIDUAL, _("Individual")
        ORGANIZATION = rules.ORGANIZATION, _("Organization")

    identifier = models.CharField(_("IIN or BIN"), max_length=12, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=300)
    citizenship = models.CharField(
        _("citizenship"), max_length=10, default="KZ", help_text=_('ISO 3166-1 alpha-2 code, or "stateless".')
    )
    category = models.CharField(_("category"), max_length=30, choices=DonorCategory.choices)
    employer = models.CharField(
        _("employer or organization"),
        max_length=300,
        blank=True,
        help_text=_("Where the donor works, as recorded (the coercion alerts group donors by it)."),
    )
    declaration_on_file = models.BooleanField(
        _("declaration on file"), default=False, help_text=_("A signed voluntariness declaration was received.")
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("donor")
        verbose_name_plural = _("donor registry")

    def __str__(self) -> str:
        return f"{self.name} ({self.identifier})"


class Pledge(models.Model):
    """A supporter's online pledge with the voluntariness declaration, stored verbatim as shown."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("election"))
    reference = models.CharField(_("payment reference"), max_length=20, unique=True)
    payer_id = models.CharField(_("IIN or BIN"), max_length=12, db_index=True)
    payer_kind = models.CharField(_("kind"), max_length=12, choices=Donor.Kind.choices)
    name = models.CharField(_("name"), max_length=300)
    amount = models.DecimalField(_("amount, ₸"), **MONEY)
    declaration_text = models.TextField(_("declaration as shown"))
    declaration_version = models.CharField(_("declaration version"), max_length=20)
    declaration_language = models.CharField(_("declaration language"), max_length=5)
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)

    class Meta:
        ordering = ["-declared_at"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="pledge_amount_positive")]

    def __str__(self) -> str:
        return self.reference


class StatementImport(models.Model):
    """One bank statement file handed to the import, with its progress and result summary."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Refused")

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="imports", verbose_name=_("election"))
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("file content"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed rows"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("statement import")
        verbose_name_plural = _("statement imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else min(100, round(100 * self.processed_rows / self.total_rows))


class Donation(models.Model):
    """One incoming payment: the bank's facts (never changed) and its current verdict.

    The facts come from the statement or the manual entry; the verdict fields are a copy of the latest
    :class:`Decision` (a held donation gets a new decision when it is released), kept here for lists and filters.
    """

    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="donations", verbose_name=_("election")
    )
    bank_reference = models.CharField(_("bank reference"), max_length=64)
    received_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount, ₸"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="KZT")
    payer_id = models.CharField(_("payer IIN/BIN"), max_length=32, blank=True)
    payer_name = models.CharField(_("payer name"), max_length=300, blank=True)
    payer_kind = models.CharField(_("payer kind"), max_length=12, blank=True)
    payer_citizenship = models.CharField(_("payer citizenship"), max_length=10, blank=True)
    purpose = models.CharField(_("purpose"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    donor = models.ForeignKey(
        Donor, on_delete=models.PROTECT, null=True, blank=True, related_name="donations", verbose_name=_("donor")
    )
    pledge = models.ForeignKey(
        Pledge, on_delete=models.PROTECT, null=True, blank=True, related_name="donations", verbose_name=_("pledge")
    )
    statement = models.ForeignKey(
        StatementImport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations",
        verbose_name=_("statement"),
    )
    line = models.PositiveIntegerField(_("line in the file"), null=True, blank=True)
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    accepted_amount = models.DecimalField(_("accepted, ₸"), **MONEY)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        constraints = [
            models.UniqueConstraint(fields=["election", "bank_reference"], name="donation_bank_reference_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="donation_amount_positive"),
            models.CheckConstraint(
                condition=Q(accepted_amount__gte=0, accepted_amount__lte=models.F("amount")),
                name="donation_accepted_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["election", "verdict"], name="donation_election_verdict"),
            models.Index(fields=["election", "received_on"], name="donation_election_date"),
            # The donations list's pages, newest first.
            models.Index(fields=["election", "-received_on", "-id"], name="donation_election_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_reference} {self.amount} ₸"


@pgtrigger.register(_append_only("decision_append_only"))
class Decision(AppendOnlyModel):
    """The verdict on a donation under one rule version, with its reason codes. Never changed."""

    donation = models.ForeignKey(
        Donation, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("donation")
    )
    rule_version = models.ForeignKey(
        RuleVersion, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("rule version")
    )
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    accepted_amount = models.DecimalField(_("accepted, ₸"), **MONEY)
    refused_amount = models.DecimalField(_("not credited, ₸"), **MONEY)
    handling = models.CharField(_("handling of the rest"), max_length=12, blank=True)
    reasons = models.JSONField(_("reasons"), default=list)
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.donation}: {self.verdict} {', '.join(self.reasons)}"


class Refund(models.Model):
    """Money the fund must give back to the donor or pay into the republican budget, by a deadline.

    Recording the executed payment (a ledger row with the bank's reference) closes it.
    """

    class Kind(models.TextChoices):
        RETURN = rules.RETURNED, _("Return to the donor")
        TO_BUDGET = rules.TO_BUDGET, _("Transfer to the budget")

    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("donation"))
    # The donation's election, copied so the fund's open returns are summed from one index without a join.
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("election"))
    decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, related_name="refund", verbose_name=_("decision")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("amount, ₸"), **MONEY)
    reasons = models.JSONField(_("reasons"), default=list)
    due_on = models.DateField(_("due on"))
    completed_on = models.DateField(_("paid on"), null=True, blank=True)
    bank_reference = models.CharField(_("bank reference of the payment"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("return or transfer")
        verbose_name_plural = _("returns and transfers")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True, bank_reference="")
                | Q(completed_on__isnull=False) & ~Q(bank_reference=""),
                name="refund_completed_has_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["due_on"], name="refund_open_due", condition=Q(completed_on__isnull=True)),
            # The returns list (ordered by due date) reads its first page without joining every donation first.
            models.Index(fields=["due_on", "id"], name="refund_due_order"),
            # The fund's overdue and due-soon figures depend on today's date, so they are read here, not tallied.
            models.Index(
                fields=["election", "due_on"],
                include=["amount"],
                condition=Q(completed_on__isnull=True),
                name="refund_open_election_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ₸ ({self.donation.bank_reference})"

    @property
    def is_open(self) -> bool:
        return self.completed_on is None

    def is_overdue(self, today: date | None = None) -> bool:
        return self.is_open and self.due_on < (today or timezone.localdate())


@pgtrigger.register(_append_only("ledger_entry_append_only"))
class LedgerEntry(AppendOnlyModel):
    """One movement of money in the fund's books. Append-only: a correction is a new, reversing row."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt on the account")
        CREDIT = "credit", _("Credited to the fund")
        RETURN = "return", _("Returned to the donor")
        TO_BUDGET = "to_budget", _("Transferred to the budget")
        CORRECTION = "correction", _("Correction")

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="ledger", verbose_name=_("election"))
    donation = models.ForeignKey(
        Donation, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger", verbose_name=_("donation")
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger", verbose_name=_("decision")
    )
    refund = models.ForeignKey(
        Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger", verbose_name=_("refund")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    payer_id = models.CharField(_("payer IIN/BIN"), max_length=32, blank=True)
    amount = models.DecimalField(_("amount, ₸"), **MONEY, help_text=_("Negative on a reversing correction."))
    entry_date = models.DateField(_("date"))
    bank_reference = models.CharField(_("bank reference"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["-entry_date", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="correction") | Q(amount__gt=0), name="ledger_amount_positive_unless_correction"
            ),
        ]
        indexes = [
            # A donor's accepted total is summed at every intake decision: an index-only scan, not a table scan.
            models.Index(fields=["election", "payer_id", "kind"], include=["amount"], name="ledger_donor_aggregate"),
            models.Index(fields=["election", "source", "kind"], include=["amount"], name="ledger_source_aggregate"),
            # The ledger page's first page, newest first, without sorting the whole election's ledger.
            models.Index(fields=["election", "-entry_date", "-id"], name="ledger_election_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_date} {self.get_kind_display()} {self.amount} ₸"


@pgtrigger.register(
    # Nobody deletes a proposal, and once decided it is history: only a pending row may change, and then only its
    # decision (status, who, when, the ledger row it wrote) -- never what was proposed.
    pgtrigger.Protect(name="correction_no_delete", operation=pgtrigger.Delete),
    pgtrigger.Protect(
        name="correction_decided_once",
        operation=pgtrigger.Update,
        condition=~pgtrigger.Q(old__status="pending")
        | pgtrigger.Q(old__election_id__df=pgtrigger.F("new__election_id"))
        | pgtrigger.Q(old__source__df=pgtrigger.F("new__source"))
        | pgtrigger.Q(old__payer_id__df=pgtrigger.F("new__payer_id"))
        | pgtrigger.Q(old__amount__df=pgtrigger.F("new__amount"))
        | pgtrigger.Q(old__entry_date__df=pgtrigger.F("new__entry_date"))
        | pgtrigger.Q(old__returned_reference__df=pgtrigger.F("new__returned_reference"))
        | pgtrigger.Q(old__note__df=pgtrigger.F("new__note"))
        | pgtrigger.Q(old__proposed_by_id__df=pgtrigger.F("new__proposed_by_id")),
    ),
)
class Correction(models.Model):
    """A correction of the ledger proposed by one finance officer; it takes effect -- a ``correction`` ledger row
    -- only when a different finance officer approves it (four eyes). A pending one changes no total.

    A negative correction frees room under a cap only when it records money actually paid back to the payer
    (``returned_reference``, the bank's reference of that payment): a book-keeping reversal does not.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("election")
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    payer_id = models.CharField(_("payer IIN/BIN"), max_length=32, blank=True)
    amount = models.DecimalField(_("amount, ₸"), **MONEY, help_text=_("Negative to reverse a credited amount."))
    entry_date = models.DateField(_("date"))
    returned_reference = models.CharField(
        _("bank reference of the money paid back"),
        max_length=64,
        blank=True,
        help_text=_("Only when the money was actually paid back to the payer; otherwise the cap room stays used."),
    )
    note = models.CharField(_("reason for the correction"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    ledger_entry = models.OneToOneField(
        LedgerEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
        verbose_name=_("ledger entry"),
    )

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        permissions = [("approve_correction", _("Can approve or reject a correction another officer proposed"))]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="correction_amount_nonzero"),
            # Money paid back is a reversal, and it was paid back to someone.
            models.CheckConstraint(
                condition=Q(returned_reference="") | Q(amount__lt=0) & ~Q(payer_id=""),
                name="correction_returned_is_a_reversal_to_a_payer",
            ),
            # Four eyes: the proposer never decides.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("proposed_by")),
                name="correction_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_by__isnull=True, decided_at__isnull=True)
                | ~Q(status="pending") & Q(decided_by__isnull=False, decided_at__isnull=False),
                name="correction_decided_has_decider",
            ),
            # Only an approved correction is in the ledger, and an approved one always is.
            models.CheckConstraint(
                condition=Q(status="approved", ledger_entry__isnull=False)
                | ~Q(status="approved") & Q(ledger_entry__isnull=True),
                name="correction_approved_is_in_ledger",
            ),
        ]
        indexes = [
            models.Index(fields=["election", "proposed_at"], condition=Q(status="pending"), name="correction_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_date} {self.amount} ₸ ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


@pgtrigger.register(_append_only("compliance_report_append_only"))
class ComplianceReport(AppendOnlyModel):
    """A filed compliance report: the file as produced and its SHA-256, for the auditors' pack."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="reports", verbose_name=_("election"))
    rule_version = models.ForeignKey(
        RuleVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("rule version")
    )
    report_date = models.DateField(_("as of"))
    format = models.CharField(_("format"), max_length=5)
    content = models.BinaryField(_("file"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-report_date", "format"]
        verbose_name = _("compliance report")
        verbose_name_plural = _("compliance reports")
        constraints = [
            models.UniqueConstraint(fields=["election", "report_date", "format"], name="report_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.election} {self.report_date} {self.format}"


class CoercionAlert(models.Model):
    """A pattern that may mean donors were made to give, raised for the integrity officer."""

    class Kind(models.TextChoices):
        SAME_PURPOSE_BURST = "same_purpose_burst", _("Many donors on one day with the same purpose")
        JUST_UNDER_CAP = "just_under_cap", _("Identical amounts just under a cap")
        SAME_EMPLOYER_BURST = "same_employer_burst", _("Many donors on one day from the same employer")
        NEAR_CAP = "near_cap", _("One payer near the cap")

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("election"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    key = models.CharField(_("pattern"), max_length=300)
    on_date = models.DateField(_("date"))
    donor_count = models.PositiveIntegerField(_("donors"))
    total = models.DecimalField(_("total, ₸"), **MONEY)
    donations = models.ManyToManyField(Donation, related_name="alerts", verbose_name=_("donations"))
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("coercion alert")
        verbose_name_plural = _("coercion alerts")
        constraints = [
            models.UniqueConstraint(fields=["election", "kind", "on_date", "key"], name="coercion_alert_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.key} ({self.on_date})"


# --- Tallies ----------------------------------------------------------------------------------------------------
# Running sums of the ledger, the donations and the returns, kept exact by statement-level triggers in the
# database (migration 0003): every INSERT, COPY, UPDATE or DELETE on the base table adds its rows' difference in
# the same transaction, so the fund's figures are read from a few hundred rows instead of millions. The app never
# writes them.


class LedgerDayTally(models.Model):
    """The ledger of one election summed per day, kind and source."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="+")
    entry_date = models.DateField()
    kind = models.CharField(max_length=12, choices=LedgerEntry.Kind.choices)
    source = models.CharField(max_length=12, choices=Source.choices)
    amount = models.DecimalField(**MONEY)
    entries = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["election", "entry_date", "kind", "source"], name="ledger_day_tally_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_date} {self.kind} {self.source}: {self.amount} ₸"


class DonationTally(models.Model):
    """The donations of one election counted and summed per verdict and source."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    source = models.CharField(max_length=12, choices=Source.choices)
    number = models.BigIntegerField()
    amount = models.DecimalField(**MONEY)
    accepted_amount = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "verdict", "source"], name="donation_tally_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.verdict} {self.source}: {self.number}"


class RefundTally(models.Model):
    """The returns and transfers of one election counted and summed per kind, open or paid."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Refund.Kind.choices)
    is_open = models.BooleanField()
    number = models.BigIntegerField()
    amount = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "kind", "is_open"], name="refund_tally_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {'open' if self.is_open else 'paid'}: {self.number}"
