"""Reads shared by election day's staff pages: which election is "current", and an election's counts at a glance,
scoped to a coordinator's region."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from coalition.models import Election, Region
from electionday.models import Device, Incident, Protocol, Severity, Submission
from events.models import Assignment, PollingStation
from events.selectors import default_election


def elections() -> QuerySet[Election]:
    """Elections with a day set first (the nearest upcoming one on top), then the rest, newest first."""
    return Election.objects.order_by("election_day", "-created_at")


def current_election() -> Election | None:
    """The election being worked on: the one the events' station pages propose (nearest day ahead, else newest)."""
    return default_election()


@dataclass(frozen=True)
class Overview:
    stations: int
    covered: int  # stations with an active assignment
    devices: int  # active devices bound to active assignments
    submissions: int
    incidents: int
    critical: int
    protocols: int  # latest observer protocols
    unverified: int
    failing: int  # latest observer protocols that break a control relation


def overview(election: Election, region: Region | None = None) -> Overview:
    """Counts for the election-day hub (a few aggregate queries)."""
    stations = PollingStation.objects.filter(election=election)
    if region is not None:
        stations = stations.filter(region=region)
    station_counts = stations.aggregate(
        total=Count("pk", distinct=True),
        covered=Count("pk", filter=Q(assignments__ended_at__isnull=True), distinct=True),
    )
    active = Assignment.objects.filter(station__in=stations, ended_at__isnull=True)
    incidents = Incident.objects.filter(station__in=stations).aggregate(
        total=Count("pk"), critical=Count("pk", filter=Q(severity=Severity.CRITICAL))
    )
    protocols = Protocol.objects.filter(
        station__in=stations, kind=Protocol.Kind.OBSERVER, replaced_by__isnull=True
    ).aggregate(
        total=Count("pk"),
        unverified=Count("pk", filter=Q(review=Protocol.Review.UNVERIFIED)),
        failing=Count("pk", filter=~Q(failed_checks=[])),
    )
    return Overview(
        stations=station_counts["total"],
        covered=station_counts["covered"],
        devices=Device.objects.filter(assignment__in=active, revoked_at__isnull=True).count(),
        submissions=Submission.objects.filter(station__in=stations).count(),
        incidents=incidents["total"],
        critical=incidents["critical"],
        protocols=protocols["total"],
        unverified=protocols["unverified"],
        failing=protocols["failing"],
    )
