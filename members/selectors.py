"""Reads of the members app shared by its pages, exports and the dashboard; each scoped by an optional region."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from coalition.models import Region
from members.models import (
    Affiliation,
    CommitteeMeeting,
    Consent,
    Decision,
    Organization,
    Person,
    StatementOfSupport,
    StatusChange,
)

ADMITTED = Organization.Status.ADMITTED
APPLIED = Organization.Status.APPLIED


def organizations(*, region: Region | None = None) -> QuerySet[Organization]:
    """Return the organizations a user may see (a coordinator's region only), with their region loaded."""
    qs = Organization.objects.select_related("region")
    if region is not None:
        qs = qs.filter(region=region)
    return qs


def people(*, region: Region | None = None) -> QuerySet[Person]:
    """Return the people a user may see, with region, organizations and active consents loaded.

    A coordinator sees the people of their region: recorded in it, or acting for one of its organizations.
    """
    qs = Person.objects.select_related("region").prefetch_related(
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("organization").order_by("pk")),
        Prefetch("consents", queryset=Consent.objects.filter(withdrawn_at__isnull=True), to_attr="active_consents"),
    )
    if region is not None:
        qs = qs.filter(
            pk__in=Person.objects.filter(Q(region=region) | Q(affiliations__organization__region=region)).values("pk")
        )
    return qs.order_by("full_name", "pk")


def review_queue(*, region: Region | None = None) -> QuerySet[Organization]:
    """Return the pending applications, oldest first."""
    return organizations(region=region).filter(status=APPLIED).order_by("created_at", "pk")


def organization_detail(*, pk: int, region: Region | None = None) -> Organization:
    """Return one organization with its representatives, history, decisions and statements (404 if out of scope)."""
    qs = organizations(region=region).prefetch_related(
        Prefetch(
            "affiliations", queryset=Affiliation.objects.select_related("person").prefetch_related("person__consents")
        ),
        Prefetch("status_changes", queryset=StatusChange.objects.select_related("changed_by", "decision__meeting")),
        Prefetch("decisions", queryset=Decision.objects.select_related("meeting")),
        "statements",
    )
    return get_object_or_404(qs, pk=pk)


def public_members() -> QuerySet[Organization]:
    """Return the admitted organizations for the public page."""
    return Organization.objects.filter(status=ADMITTED).select_related("region").order_by("-joined_on", "name_ru")


def published_statements() -> QuerySet[StatementOfSupport]:
    """Return statements staff allowed to publish, of organizations that are members."""
    return (
        StatementOfSupport.objects.filter(may_publish=True, organization__status=ADMITTED)
        .select_related("organization")
        .order_by("-made_on", "pk")
    )


def meetings(*, held_from: date | None = None) -> QuerySet[CommitteeMeeting]:
    """Return the meetings, latest first; with ``held_from``, only those held on or after that day."""
    qs = CommitteeMeeting.objects.annotate(
        attendee_count=Count("attendees", distinct=True), decision_count=Count("decisions", distinct=True)
    )
    if held_from is not None:
        qs = qs.filter(held_on__gte=held_from)
    return qs.order_by("-held_on", "-pk")


def meeting_detail(*, pk: int) -> CommitteeMeeting:
    qs = CommitteeMeeting.objects.select_related("created_by").prefetch_related(
        "attendees__person",
        Prefetch(
            "decisions",
            queryset=Decision.objects.select_related("recorded_by").prefetch_related(
                Prefetch("organizations", queryset=Organization.objects.select_related("region"))
            ),
        ),
        Prefetch("statements", queryset=StatementOfSupport.objects.select_related("organization")),
    )
    return get_object_or_404(qs, pk=pk)


def statements(*, region: Region | None = None) -> QuerySet[StatementOfSupport]:
    qs = StatementOfSupport.objects.select_related("organization", "meeting")
    if region is not None:
        qs = qs.filter(organization__region=region)
    return qs


# --- the dashboard's numbers: each one aggregate query ---


def admitted_counts(*, region: Region | None = None, now: datetime | None = None) -> dict[str, int]:
    """Return {"total", "last_7_days"}: admitted members, and those who joined in the last 7 days."""
    since = (now or timezone.now()).date() - timedelta(days=7)
    return organizations(region=region).aggregate(
        total=Count("pk", filter=Q(status=ADMITTED)),
        last_7_days=Count("pk", filter=Q(status=ADMITTED, joined_on__gt=since)),
    )


def pending_summary(*, region: Region | None = None) -> dict:
    """Return {"count", "oldest"}: pending applications and when the oldest of them was made (or None)."""
    return organizations(region=region).filter(status=APPLIED).aggregate(count=Count("pk"), oldest=Min("created_at"))


def admitted_by_kind(*, region: Region | None = None) -> list[dict]:
    """Return [{"kind", "label", "count"}] of admitted members, largest first."""
    rows = (
        organizations(region=region)
        .filter(status=ADMITTED)
        .order_by()
        .values("kind")
        .annotate(count=Count("pk"))
        .order_by("-count", "kind")
    )
    return [{**row, "label": Organization.Kind(row["kind"]).label} for row in rows]


def dashboard_summary(*, region: Region | None = None, today: date, start: date, end: date) -> dict:
    """Return the coalition panel's figures in one query (grouped by kind, summed here).

    ``admitted``, ``last_7_days`` (joined in the 7 days up to ``today``), ``joined`` (between ``start`` and ``end``,
    both included), ``pending``, ``oldest`` (when the oldest pending application was made, or None) and ``by_kind``
    (as ``admitted_by_kind``: [{"kind", "label", "count"}] of admitted members, largest first).
    """
    admitted = Q(status=ADMITTED)
    rows = list(
        organizations(region=region)
        .order_by()
        .values("kind")
        .annotate(
            admitted=Count("pk", filter=admitted),
            last_7_days=Count("pk", filter=admitted & Q(joined_on__gt=today - timedelta(days=7), joined_on__lte=today)),
            joined=Count("pk", filter=admitted & Q(joined_on__gte=start, joined_on__lte=end)),
            pending=Count("pk", filter=Q(status=APPLIED)),
            oldest=Min("created_at", filter=Q(status=APPLIED)),
        )
    )
    summary: dict = {key: sum(row[key] for row in rows) for key in ("admitted", "last_7_days", "joined", "pending")}
    summary["oldest"] = min((row["oldest"] for row in rows if row["oldest"] is not None), default=None)
    by_kind = sorted((row for row in rows if row["admitted"]), key=lambda row: (-row["admitted"], row["kind"]))
    summary["by_kind"] = [
        {"kind": row["kind"], "label": Organization.Kind(row["kind"]).label, "count": row["admitted"]}
        for row in by_kind
    ]
    return summary


def counts_by_region(*, region: Region | None = None) -> QuerySet[Region]:
    """Return the regions (one, when scoped) annotated with admitted and pending counts."""
    qs = Region.objects.annotate(
        admitted=Count("organizations", filter=Q(organizations__status=ADMITTED)),
        pending=Count("organizations", filter=Q(organizations__status=APPLIED)),
    )
    if region is not None:
        qs = qs.filter(pk=region.pk)
    return qs.order_by("name_ru")
