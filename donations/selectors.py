"""Reads of the election fund that views, reports and the dashboard share: each total is one database aggregate.

The fund's totals read the tallies (``LedgerDayTally``, ``DonationTally``, ``RefundTally``), which database
triggers keep equal to the sums over the ledger, the donations and the returns: a few hundred rows, however many
millions of payments. Only the overdue and due-soon figures, which depend on today's date, read the open returns
themselves, from the index of open returns by due date, and only those not yet due.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.utils import timezone

from coalition.aggregates import one_row, totals
from donations import rules
from donations.models import (
    CoercionAlert,
    ComplianceReport,
    Correction,
    Decision,
    Donation,
    DonationTally,
    Donor,
    Election,
    LedgerDayTally,
    LedgerEntry,
    Refund,
    RefundTally,
    RuleVersion,
    StatementImport,
)

ZERO = rules.ZERO
CREDITED = (LedgerEntry.Kind.CREDIT, LedgerEntry.Kind.CORRECTION)

# What counts against a cap is money credited and kept (docs/security.md, "Money limits"): every credit, every
# approved correction that adds, and an approved reversal only when it records the money actually paid back to
# the payer (the bank's reference of that payment). A book-keeping reversal lowers the accepted figure in the
# books but frees no cap room: otherwise an insider could "correct" a payer's total down and take the cap again.
KEPT_CORRECTION = Q(kind=LedgerEntry.Kind.CORRECTION) & (Q(amount__gt=0) | ~Q(bank_reference=""))
KEPT = Q(kind=LedgerEntry.Kind.CREDIT) | KEPT_CORRECTION


def _kept_corrections_by_source() -> dict:
    """Aggregates over the ledger's corrections (a few rows): per source, the part that counts against its cap."""
    return {
        f"kept_correction_{source}": Sum("amount", filter=Q(source=source), default=ZERO) for source in rules.SOURCES
    }


def kept_by_source(election: Election) -> dict[str, Decimal]:
    """Return, per source, the money credited and kept (what its cap is checked against), in one query."""
    row = one_row(
        totals(
            LedgerDayTally.objects.filter(election=election, kind=LedgerEntry.Kind.CREDIT),
            **{f"credit_{source}": Sum("amount", filter=Q(source=source), default=ZERO) for source in rules.SOURCES},
        ),
        totals(LedgerEntry.objects.filter(KEPT_CORRECTION, election=election), **_kept_corrections_by_source()),
    )
    return {source: row[f"credit_{source}"] + row[f"kept_correction_{source}"] for source in rules.SOURCES}


def cap_totals(election: Election, payer_id: str) -> rules.Totals:
    """Return what the caps are checked against: the money credited and kept (``KEPT``) per source (credits from
    the ledger's day tally, a few hundred rows however large the fund, plus the few corrections) and from
    ``payer_id`` (an index-backed aggregate over that payer's entries).

    Intake reads it under the election's lock; :func:`fund_totals` is the fund's overview for people instead."""
    by_source = kept_by_source(election)
    donor = rules.ZERO
    if payer_id:
        donor = LedgerEntry.objects.filter(KEPT, election=election, payer_id=payer_id).aggregate(
            total=Sum("amount", default=rules.ZERO)
        )["total"]
    return rules.Totals(
        own=by_source[rules.OWN],
        association=by_source[rules.ASSOCIATION],
        donations=by_source[rules.DONATIONS],
        donor=donor,
    )


def payers_kept_at_least(election: Election, floor: Decimal) -> dict[str, Decimal]:
    """Return the donors (payer id → money credited and kept) whose kept donations reached ``floor``: one grouped
    aggregate over the ledger's donor index."""
    rows = (
        LedgerEntry.objects.filter(KEPT, election=election, source=rules.DONATIONS)
        .exclude(payer_id="")
        .values("payer_id")
        .annotate(kept=Sum("amount"))
        .filter(kept__gte=floor)
    )
    return {row["payer_id"]: row["kept"] for row in rows}


def registry_employer() -> Subquery:
    """Return, for a query over donations, the employer or organization the donor registry records for the payer
    ("" when none): read at query time, so a donor registered after their gift still counts."""
    return Subquery(Donor.objects.filter(identifier=OuterRef("payer_id")).values("employer")[:1])


def current_rule_version(election: Election) -> RuleVersion | None:
    """Return the rule version in force now (the newest that has started)."""
    return (
        RuleVersion.objects.filter(election=election, valid_from__lte=timezone.now()).order_by("-number").first()
        or RuleVersion.objects.filter(election=election).order_by("number").first()
    )


def locked_until(election: Election) -> date | None:
    """Return the last day covered by a filed compliance report (the books up to it are closed), or None."""
    return (
        ComplianceReport.objects.filter(election=election)
        .order_by("-report_date")
        .values_list("report_date", flat=True)
        .first()
    )


def default_election() -> Election | None:
    return Election.objects.order_by("-created_at").first()


def default_election_and_version() -> tuple[Election | None, RuleVersion | None]:
    """Return the newest election and its rule version in force (as ``current_rule_version``), in one query."""
    now = timezone.now()
    started = Q(valid_from__lte=now)
    version = (
        RuleVersion.objects.filter(election=Subquery(Election.objects.order_by("-created_at").values("pk")[:1]))
        .select_related("election")
        # The newest version that has started; if none has, the first one.
        .order_by(
            Case(When(started, then=Value(0)), default=Value(1)),
            Case(When(started, then=-F("number")), default=F("number"), output_field=IntegerField()),
        )
        .first()
    )
    if version is not None:
        return version.election, version
    return default_election(), None


def _ledger_totals() -> dict:
    """The fund's ledger figures as aggregates over ``LedgerDayTally``."""
    return {
        "received": Sum("amount", filter=Q(kind=LedgerEntry.Kind.RECEIPT), default=ZERO),
        "accepted": Sum("amount", filter=Q(kind__in=CREDITED), default=ZERO),
        "returned_paid": Sum("amount", filter=Q(kind=LedgerEntry.Kind.RETURN), default=ZERO),
        "to_budget_paid": Sum("amount", filter=Q(kind=LedgerEntry.Kind.TO_BUDGET), default=ZERO),
    }


def _donation_totals() -> dict:
    """The fund's donation figures as aggregates over ``DonationTally``."""
    return {
        "held": Sum("amount", filter=Q(verdict=rules.HELD), default=ZERO),
        "flagged": Sum("amount", filter=~Q(verdict=rules.ACCEPTED), default=ZERO),
        "count": Sum("number", default=0),
    }


def _refund_totals() -> dict:
    """The fund's return and transfer figures as aggregates over ``RefundTally``."""
    return {
        "returned": Sum("amount", filter=Q(kind=rules.RETURNED), default=ZERO),
        "to_budget": Sum("amount", filter=Q(kind=rules.TO_BUDGET), default=ZERO),
        "open_count": Sum("number", filter=Q(is_open=True), default=0),
        "open_amount": Sum("amount", filter=Q(is_open=True), default=ZERO),
    }


def _not_yet_due_totals(today: date, within_days: int) -> dict:
    """Aggregates over open returns due today or later (the few not overdue: a range of the open-returns index)."""
    soon = Q(due_on__lte=today + timedelta(days=within_days))
    return {
        "not_overdue_count": Count("pk"),
        "not_overdue_amount": Sum("amount", default=ZERO),
        "due_soon_count": Count("pk", filter=soon),
        "due_soon_amount": Sum("amount", filter=soon, default=ZERO),
    }


def _due(row: dict) -> dict:
    """The open, overdue and due-soon figures: overdue is every open return less those not yet due."""
    return {
        "open_count": row["open_count"],
        "open_amount": row["open_amount"],
        "overdue_count": row["open_count"] - row["not_overdue_count"],
        "overdue_amount": row["open_amount"] - row["not_overdue_amount"],
        "due_soon_count": row["due_soon_count"],
        "due_soon_amount": row["due_soon_amount"],
    }


def _open_refunds(today: date) -> QuerySet:
    return Refund.objects.filter(completed_on__isnull=True, due_on__gte=today)


def fund_totals(election: Election) -> dict[str, Decimal]:
    """Return received, accepted, flagged (not fully accepted), held, returned and to-budget amounts."""
    ledger = LedgerDayTally.objects.filter(election=election).aggregate(**_ledger_totals())
    donations = DonationTally.objects.filter(election=election).aggregate(**_donation_totals())
    refund_totals = _refund_totals()
    refunds = RefundTally.objects.filter(election=election).aggregate(
        returned=refund_totals["returned"], to_budget=refund_totals["to_budget"]
    )
    return {**ledger, **donations, **refunds}


def fund_overview(election: Election, version: RuleVersion | None, *, today: date, within_days: int = 2) -> dict:
    """Return ``fund_totals``, ``cap_use`` and ``actions_due`` of ``election`` together, read with one query."""
    row = one_row(
        totals(
            LedgerDayTally.objects.filter(election=election),
            **_ledger_totals(),
            **{
                f"used_{source}": Sum("amount", filter=Q(kind=LedgerEntry.Kind.CREDIT, source=source), default=ZERO)
                for source in rules.SOURCES
            },
        ),
        totals(LedgerEntry.objects.filter(KEPT_CORRECTION, election=election), **_kept_corrections_by_source()),
        totals(DonationTally.objects.filter(election=election), **_donation_totals()),
        totals(RefundTally.objects.filter(election=election), **_refund_totals()),
        totals(_open_refunds(today).filter(election=election), **_not_yet_due_totals(today, within_days)),
    )
    caps = {}
    if version is not None:
        ruleset = version.as_rules(election)
        for source in rules.SOURCES:
            cap, used = ruleset.cap(source), row[f"used_{source}"] + row[f"kept_correction_{source}"]
            caps[source] = {"cap": cap, "used": used, "left": max(ZERO, cap - used)}
    keys = [*_ledger_totals(), *_donation_totals(), "returned", "to_budget"]
    return {"totals": {key: row[key] for key in keys}, "caps": caps, "due": _due(row)}


def cap_use(election: Election, version: RuleVersion | None = None) -> dict[str, dict[str, Decimal]]:
    """Return each source's cap, the money credited and kept against it (``KEPT``) and what is left."""
    version = version or current_rule_version(election)
    if version is None:
        return {}  # no rules yet, so no caps (as in the fund summary)
    used = kept_by_source(election)
    ruleset = version.as_rules(election)
    result = {}
    for source in rules.SOURCES:
        cap = ruleset.cap(source)
        result[source] = {"cap": cap, "used": used[source], "left": max(ZERO, cap - used[source])}
    return result


def cumulative_accepted_by_day(election: Election) -> list[tuple[date, Decimal, Decimal]]:
    """Return (day, accepted that day, accepted up to that day), computed by the database with a window."""
    sql = """
        SELECT entry_date, day_total, SUM(day_total) OVER (ORDER BY entry_date) AS cumulative
        FROM (
            SELECT entry_date, SUM(amount) AS day_total FROM donations_ledgerdaytally
            WHERE election_id = %s AND kind IN ('credit', 'correction')
            GROUP BY entry_date
        ) AS days
        ORDER BY entry_date
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [election.pk])
        return list(cursor.fetchall())


def verdict_totals(election: Election) -> list[dict]:
    """Return count, amount and accepted amount per verdict."""
    rows = (
        DonationTally.objects.filter(election=election)
        .values("verdict")
        .annotate(n=Sum("number"), total=Sum("amount"), accepted=Sum("accepted_amount"))
        .filter(n__gt=0)
        .order_by("verdict")
    )
    return [{"verdict": r["verdict"], "count": r["n"], "amount": r["total"], "accepted": r["accepted"]} for r in rows]


def source_totals(election: Election) -> list[dict]:
    """Return count, received and accepted per source of money."""
    rows = (
        DonationTally.objects.filter(election=election)
        .values("source")
        .annotate(n=Sum("number"), received=Sum("amount"), accepted=Sum("accepted_amount"))
        .filter(n__gt=0)
        .order_by("source")
    )
    return [
        {"source": r["source"], "count": r["n"], "received": r["received"], "accepted": r["accepted"]} for r in rows
    ]


def disclosure_updated_on(election: Election) -> date | None:
    """Return the day the published figures last changed: the latest ledger day or the last finished import."""
    ledger_day = LedgerDayTally.objects.filter(election=election).aggregate(day=Max("entry_date"))["day"]
    finished = StatementImport.objects.filter(election=election, finished_at__isnull=False).aggregate(
        at=Max("finished_at")
    )["at"]
    days = [day for day in (ledger_day, timezone.localdate(finished) if finished else None) if day is not None]
    return max(days) if days else None


def actions_due(election: Election | None = None, *, today: date | None = None, within_days: int = 2) -> dict:
    """Return counts and amounts of open returns/transfers: overdue, and due within ``within_days``."""
    today = today or timezone.localdate()
    tallies, not_yet_due = RefundTally.objects.all(), _open_refunds(today)
    if election is not None:
        tallies, not_yet_due = tallies.filter(election=election), not_yet_due.filter(election=election)
    totals_ = _refund_totals()
    row = one_row(
        totals(tallies, open_count=totals_["open_count"], open_amount=totals_["open_amount"]),
        totals(not_yet_due, **_not_yet_due_totals(today, within_days)),
    )
    return _due(row)


def donation_count(election: Election) -> int:
    """Return how many donations ``election`` has (its tally: the unfiltered list's page count)."""
    return DonationTally.objects.filter(election=election).aggregate(n=Sum("number", default=0))["n"]


def refund_count(election: Election) -> int:
    """Return how many returns and transfers ``election`` has (its tally)."""
    return RefundTally.objects.filter(election=election).aggregate(n=Sum("number", default=0))["n"]


def ledger_count(election: Election) -> int:
    """Return how many ledger rows ``election`` has (its tally)."""
    return LedgerDayTally.objects.filter(election=election).aggregate(n=Sum("entries", default=0))["n"]


def donations(election: Election) -> QuerySet:
    return Donation.objects.filter(election=election).select_related("donor", "pledge", "statement")


def donation_detail(pk: int) -> Donation:
    return Donation.objects.select_related("election", "donor", "pledge", "statement").get(pk=pk)


def decisions_of(donation: Donation) -> QuerySet:
    return (
        Decision.objects.filter(donation=donation)
        .select_related("rule_version", "decided_by")
        .order_by("decided_at", "id")
    )


def refunds(election: Election) -> QuerySet:
    return Refund.objects.filter(election=election).select_related("donation")


def donors() -> QuerySet:
    return Donor.objects.all()


def imports(election: Election) -> QuerySet:
    return StatementImport.objects.filter(election=election).select_related("uploaded_by").defer("content")


def alerts(election: Election) -> QuerySet:
    return CoercionAlert.objects.filter(election=election).annotate(n=Count("donations"))


def ledger(election: Election) -> QuerySet:
    return LedgerEntry.objects.filter(election=election).select_related("donation", "created_by")


def corrections(election: Election) -> QuerySet:
    """Return the election's corrections, pending first (oldest first), then the decided ones, newest first."""
    pending_first = Case(When(status=Correction.Status.PENDING, then=Value(0)), default=Value(1))
    return (
        Correction.objects.filter(election=election)
        .select_related("proposed_by", "decided_by", "ledger_entry")
        .order_by(pending_first, Case(When(status=Correction.Status.PENDING, then=F("proposed_at"))), "-proposed_at")
    )


def payer_status(election: Election, payer_id: str) -> dict:
    """Return what the manual entry form shows before saving: the donor's status and the fund's headroom."""
    version = current_rule_version(election)
    if version is None:
        raise RuleVersion.DoesNotExist("The election has no rules yet.")
    ruleset = version.as_rules(election)
    source = rules.classify_source(ruleset, payer_id)
    totals = cap_totals(election, payer_id)
    donor = Donor.objects.filter(identifier=payer_id).first() if payer_id else None
    payer = rules.Payer(
        payer_id=payer_id,
        name=donor.name if donor else "?",
        kind=donor.kind if donor else "",
        citizenship=donor.citizenship if donor else "KZ",
        category=donor.category if donor else "",
        in_registry=donor is not None,
    )
    room = rules.headroom(ruleset, source, totals)
    return {
        "payer_id": payer_id,
        "valid_id": bool(payer_id) and rules.identifier_is_valid(payer),
        "source": source,
        "donor": None
        if donor is None
        else {"name": donor.name, "category": donor.category, "declaration_on_file": donor.declaration_on_file},
        "prohibited": list(rules.prohibited_reasons(ruleset, payer)) if payer_id and source == rules.DONATIONS else [],
        "given": totals.donor,
        "headroom_source": room["source"],
        "headroom_donor": room["donor"],
    }
