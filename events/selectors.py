"""Reads shared by the events pages and the dashboard: scoped to the user's region, aggregated in the database."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from django.db.models import (
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from coalition.access import scoped_region
from events.models import (
    Accreditation,
    Assignment,
    Certificate,
    Course,
    Event,
    PollingStation,
    Registration,
    TrainingSession,
)


def _scope(queryset: QuerySet, user, field: str = "region") -> QuerySet:
    region = scoped_region(user)
    return queryset if region is None else queryset.filter(**{field: region})


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def events_for(user) -> QuerySet[Event]:
    """Return the events ``user`` may see, with their confirmed and waiting counts.

    The counts are correlated subqueries, not a join with GROUP BY: a page of 25 events then counts the
    registrations of those 25 only, instead of grouping every event before sorting (20,000 events: 110 → a few ms).
    """

    def counted(status: str):
        rows = (
            Registration.objects.filter(event=OuterRef("pk"), status=status)
            .order_by()
            .values("event")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))

    return (
        _scope(Event.objects.all(), user)
        .select_related("region", "responsible", "organization")
        .annotate(
            registered=counted(Registration.Status.CONFIRMED),
            waiting=counted(Registration.Status.WAITLISTED),
        )
    )


def sessions_for(user) -> QuerySet[TrainingSession]:
    return (
        _scope(TrainingSession.objects.all(), user)
        .select_related("course", "region", "trainer")
        .annotate(enrolled=Count("enrolments"))
    )


def stations_for(user) -> QuerySet[PollingStation]:
    return _scope(PollingStation.objects.all(), user).select_related("region")


def certificates_for(user) -> QuerySet[Certificate]:
    """Return the certificates ``user`` may see: a coordinator's are those of sessions in their region."""
    return _scope(Certificate.objects.all(), user, "enrolment__session__region").select_related(
        "person", "course", "enrolment__session__region"
    )


def assignments_for(user) -> QuerySet[Assignment]:
    """Return the assignments ``user`` may see: a coordinator's are those at stations in their region."""
    return _scope(Assignment.objects.all(), user, "station__region").select_related(
        "station__region", "person", "certificate__course", "organization"
    )


def accreditations_for(user) -> QuerySet[Accreditation]:
    """Return the accreditations ``user`` may see: a coordinator's are those of organizations in their region."""
    return _scope(Accreditation.objects.all(), user, "organization__region").select_related(
        "organization__region", "recorded_by"
    )


def month_grid(user, year: int, month: int) -> list[list[dict]]:
    """Return the weeks of a month (Monday first), each day with the user's events of that day."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    events = list(
        events_for(user)
        .filter(starts_at__gte=_day_start(first), starts_at__lt=_day_start(last + timedelta(days=1)))
        .order_by("starts_at")
    )
    by_day: dict[date, list[Event]] = {}
    for event in events:
        by_day.setdefault(timezone.localdate(event.starts_at), []).append(event)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append([{"date": d, "in_month": d.month == month, "events": by_day.get(d, [])} for d in week])
    return weeks


# --- Dashboard ------------------------------------------------------------------------------------------------


# The statuses of an event that is still to happen (the dashboard's "next 7 days").
UPCOMING_STATUSES = (Event.Status.PLANNED, Event.Status.NOTIFIED)


def _upcoming_q(today: date, days: int) -> Q:
    return Q(
        starts_at__gte=_day_start(today),
        starts_at__lt=_day_start(today + timedelta(days=days)),
        status__in=UPCOMING_STATUSES,
    )


def missing_notice_q() -> Q:
    """Return the condition of a planned event that needs an akimat notice not sent yet."""
    return Q(status=Event.Status.PLANNED, notice_deadline__isnull=False, notice_sent_on__isnull=True)


def dashboard_counts_by_region(user, *, today: date, start: date, end: date, days: int = 7) -> QuerySet:
    """Return per region (code) the events of the next ``days`` days (``upcoming``), those held between ``start``
    and ``end`` (``held``, by their start, both days included) and those missing their notice (``missing``)."""
    upcoming = _upcoming_q(today, days)
    held = Q(
        status=Event.Status.HELD, starts_at__gte=_day_start(start), starts_at__lt=_day_start(end + timedelta(days=1))
    )
    missing = missing_notice_q()
    return (
        _scope(Event.objects.filter(upcoming | held | missing), user)
        .values("region__code")
        .annotate(
            upcoming=Count("pk", filter=upcoming),
            held=Count("pk", filter=held),
            missing=Count("pk", filter=missing),
        )
        .order_by("region__code")
    )


def upcoming_by_region(user, *, days: int = 7, today: date | None = None) -> QuerySet:
    """Return per region the number of planned or notified events in the next ``days`` days."""
    today = today or timezone.localdate()
    return (
        _scope(Event.objects.all(), user)
        .filter(_upcoming_q(today, days))
        .values("region__code", "region__name_ru", "region__name_kk", "region__name_en")
        .annotate(count=Count("pk"))
        .order_by("region__code")
    )


def held_this_month(user, *, today: date | None = None) -> int:
    today = today or timezone.localdate()
    first = today.replace(day=1)
    return (
        _scope(Event.objects.all(), user)
        .filter(
            status=Event.Status.HELD,
            starts_at__gte=_day_start(first),
            starts_at__lt=_day_start(today) + timedelta(days=1),
        )
        .count()
    )


def missing_notices(user, *, today: date | None = None) -> QuerySet[Event]:
    """Return planned events that need an akimat notice not yet sent, soonest deadline first, with days left."""
    today = today or timezone.localdate()
    return (
        _scope(Event.objects.filter(missing_notice_q()), user)
        .annotate(
            time_left=ExpressionWrapper(
                F("notice_deadline") - Value(today, output_field=DateField()), output_field=DurationField()
            )
        )
        .select_related("region", "responsible")
        .order_by("notice_deadline")
    )


def course_funnel() -> QuerySet[Course]:
    """Return each course with enrolled -> attended -> certified counts (valid certificates)."""
    return Course.objects.annotate(
        enrolled=Count("sessions__enrolments", distinct=True),
        attended=Count("sessions__enrolments", filter=Q(sessions__enrolments__attended=True), distinct=True),
        certified=Count(
            "sessions__enrolments__certificate",
            filter=Q(sessions__enrolments__certificate__revoked_at__isnull=True),
            distinct=True,
        ),
    ).order_by("kind", "name")


def _valid_certificate_q(prefix: str = "", today: date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(**{f"{prefix}certificate__revoked_at__isnull": True}) & (
        Q(**{f"{prefix}certificate__valid_until__isnull": True})
        | Q(**{f"{prefix}certificate__valid_until__gte": today})
    )


def stations_with_coverage(user, *, today: date | None = None) -> QuerySet[PollingStation]:
    """Return stations annotated with how many certified people are assigned now (active, valid certificate)."""
    certified = (
        Assignment.objects.filter(station=OuterRef("pk"), ended_at__isnull=True)
        .filter(_valid_certificate_q(today=today))
        .order_by()
        .values("station")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return stations_for(user).annotate(certified=Coalesce(Subquery(certified, output_field=IntegerField()), Value(0)))


def has_uncertified_assignment(*, today: date | None = None) -> Exists:
    """Return, for a station queryset, whether someone is assigned there now whose certificate is no longer valid."""
    return Exists(
        Assignment.objects.filter(station=OuterRef("pk"), ended_at__isnull=True).exclude(
            _valid_certificate_q(today=today)
        )
    )


def coverage_by_region(user, *, today: date | None = None) -> QuerySet:
    """Return per region: stations, how many have 0, 1, 2+ certified people assigned, and how many have someone
    assigned whose certificate is revoked or expired (``uncertified``)."""
    return (
        stations_with_coverage(user, today=today)
        .annotate(uncertified_here=has_uncertified_assignment(today=today))
        .values("region__code", "region__name_ru", "region__name_kk", "region__name_en")
        .annotate(
            stations=Count("pk"),
            none=Count("pk", filter=Q(certified=0)),
            one=Count("pk", filter=Q(certified=1)),
            two_plus=Count("pk", filter=Q(certified__gte=2)),
            uncertified=Count("pk", filter=Q(uncertified_here=True)),
        )
        .order_by("region__code")
    )


def unaccredited_observers(user, *, today: date | None = None) -> QuerySet[Assignment]:
    """Return active observers whose nominating organization holds no accreditation in force today."""
    today = today or timezone.localdate()
    in_force = Accreditation.objects.valid_on(today).filter(organization=OuterRef("organization"))
    return (
        _scope(Assignment.objects.filter(ended_at__isnull=True, role=Assignment.Role.OBSERVER), user, "station__region")
        .exclude(Exists(in_force))
        .select_related("person", "station__region", "organization")
        .order_by("station__region__code", "station__number")
    )


def uncertified_assignments(user, *, today: date | None = None) -> QuerySet[Assignment]:
    """Return active assignments whose certificate is revoked or expired: people to replace or retrain."""
    return (
        _scope(Assignment.objects.filter(ended_at__isnull=True), user, "station__region")
        .exclude(_valid_certificate_q(today=today))
        .select_related("person", "station__region", "certificate__course", "organization")
    )
