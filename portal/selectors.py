"""Reads of the member portal: what an organization's representative sees of their organization and its people."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from events.models import Event, Registration
from events.selectors import UPCOMING_STATUSES
from members.models import Affiliation, Organization
from members.services import portal as member_portal


def nominated_people(organization: Organization) -> QuerySet[Affiliation]:
    """Return the organization's people in the roles it nominates (volunteers, observers, trusted representatives)."""
    return (
        organization.affiliations.filter(role__in=member_portal.NOMINATION_ROLES)
        .select_related("person")
        .order_by("role", "pk")
    )


def organization_events(organization: Organization, *, limit: int = 20) -> QuerySet[Event]:
    """Return the organization's own events, latest first."""
    return organization.events.select_related("region").order_by("-starts_at")[:limit]


def upcoming_registrations(organization: Organization, *, limit: int = 50) -> QuerySet[Registration]:
    """Return the live registrations of the organization's people for events still to happen, soonest first."""
    return (
        Registration.objects.filter(
            person__affiliations__organization=organization,
            event__starts_at__gte=timezone.now(),
            event__status__in=UPCOMING_STATUSES,
        )
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("event__region", "person")
        .distinct()
        .order_by("event__starts_at", "person__full_name")[:limit]
    )
