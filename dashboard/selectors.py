"""Reads of the staff dashboard that the apps' own selectors do not offer: each one aggregate query.

The dashboard uses the apps' selectors (``members.selectors``, ``events.selectors``, ``donations.selectors``,
``hotline.selectors``) wherever they fit; what is here narrows a figure to a date range or a region
that those selectors take no argument for. Nothing here loops over rows in Python.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet

from coalition.dates import day_start
from coalition.models import Region
from events.models import Course
from hotline.models import SlaBreach


def course_funnel(*, region: Region | None) -> QuerySet:
    """Return each course with people enrolled -> attended -> certified (certificate not revoked).

    Like ``events.selectors.course_funnel`` but counted over the sessions held in ``region`` when given, so a
    coordinator's funnel is their region's.
    """

    in_region = Q() if region is None else Q(sessions__region=region)
    return Course.objects.annotate(
        enrolled=Count("sessions__enrolments", filter=in_region, distinct=True),
        attended=Count(
            "sessions__enrolments", filter=in_region & Q(sessions__enrolments__attended=True), distinct=True
        ),
        certified=Count(
            "sessions__enrolments__certificate",
            filter=in_region & Q(sessions__enrolments__certificate__revoked_at__isnull=True),
            distinct=True,
        ),
    ).order_by("kind", "name")


def sla_breaches(*, start: date, end: date) -> dict[str, int]:
    """Return how many hotline cases had an SLA breach detected between ``start`` and ``end``, by kind of breach,
    plus the cases with any breach (a case counts once per kind, however many of its forwardings were late).

    Like ``hotline.selectors.sla_breach_counts`` but with an end to the period, and counting cases, so
    each figure is the number of cases the case list shows for it.
    """

    return SlaBreach.objects.filter(
        detected_at__gte=day_start(start), detected_at__lt=day_start(end + timedelta(days=1))
    ).aggregate(
        triage=Count("report", filter=Q(kind=SlaBreach.Kind.TRIAGE), distinct=True),
        answer=Count("report", filter=Q(kind=SlaBreach.Kind.ANSWER), distinct=True),
        total=Count("report", distinct=True),
    )
