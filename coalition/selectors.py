"""Reads shared by the dashboard and reports."""

from django.db.models import Count, Q, QuerySet

from coalition.models import Region


def regions_with_counts(*, region: Region | None = None) -> QuerySet[Region]:
    """Return regions (one, for a coordinator) annotated with their organizations by status, in one query."""
    qs = Region.objects.annotate(
        admitted=Count("organizations", filter=Q(organizations__status="admitted")),
        applied=Count("organizations", filter=Q(organizations__status="applied")),
    )
    if region is not None:
        qs = qs.filter(pk=region.pk)
    return qs.order_by("name_ru")
