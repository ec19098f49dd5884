"""Reads shared by the events pages, the services and the dashboard: scoped to the user's region, aggregated in the
database; the planning rules kept as data (notice lead times, holidays, the campaign); who decides on a proposal."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import (
    Case,
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
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition.access import scoped_region
from coalition.dates import day_end, day_start
from coalition.models import Election
from events import rules
from events.models import (
    Accreditation,
    Assignment,
    Certificate,
    Course,
    Event,
    Holiday,
    NoticeRule,
    PollingStation,
    Registration,
    TrainingSession,
)
from members.models import Organization, Person


def _scope(queryset: QuerySet, user: Any, field: str = "region") -> QuerySet:
    region = scoped_region(user)
    return queryset if region is None else queryset.filter(**{field: region})


def events_for(user: Any) -> QuerySet[Event]:
    """Return the events ``user`` may see, with their confirmed and waiting counts.

    The counts are correlated subqueries, not a join with GROUP BY: a page of 25 events then counts the
    registrations of those 25 only, instead of grouping every event before sorting (20,000 events: 110 → a few ms).
    """

    def counted(status: str) -> Coalesce:
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


def sessions_for(user: Any) -> QuerySet[TrainingSession]:
    return (
        _scope(TrainingSession.objects.all(), user)
        .select_related("course", "region", "trainer")
        .annotate(enrolled=Count("enrolments"))
    )


def default_election(*, today: date | None = None) -> Election | None:
    """Return the election staff pages propose: the one with the nearest election day still to come, else the newest.

    Migration ``events.0013_station_election_data`` put the stations recorded before issue #18 on the same one.
    """
    return elections_in_preference(today=today).first()


def elections_in_preference(*, today: date | None = None) -> QuerySet[Election]:
    """Elections ahead first, the nearest on top; then the rest, newest first (``default_election`` is the first).

    As a subquery (``Subquery(elections_in_preference().values("pk")[:1])``) it picks the election inside another
    query: the dashboard's coverage costs no query more for it.
    """
    ahead = Q(election_day__gte=today or timezone.localdate())
    return Election.objects.annotate(past=Case(When(ahead, then=Value(0)), default=Value(1))).order_by(
        "past", Case(When(ahead, then=F("election_day"))).asc(nulls_last=True), "-created_at", "-pk"
    )


def elections_newest_first() -> QuerySet[Election]:
    """Return the elections to choose from (national: every region works on the same elections)."""
    return Election.objects.order_by(F("election_day").desc(nulls_last=True), "-created_at")


def stations_for(user: Any) -> QuerySet[PollingStation]:
    return _scope(PollingStation.objects.all(), user).select_related("region", "election")


def certificates_for(user: Any) -> QuerySet[Certificate]:
    """Return the certificates ``user`` may see: a coordinator's are those of sessions in their region."""
    return _scope(Certificate.objects.all(), user, "enrolment__session__region").select_related(
        "person", "course", "enrolment__session__region"
    )


def assignments_for(user: Any) -> QuerySet[Assignment]:
    """Return the assignments ``user`` may see: a coordinator's are those at stations in their region."""
    return _scope(Assignment.objects.all(), user, "station__region").select_related(
        "station__region", "station__election", "person", "certificate__course", "organization"
    )


def accreditations_for(user: Any) -> QuerySet[Accreditation]:
    """Return the accreditations ``user`` may see: a coordinator's are those of organizations in their region."""
    return _scope(Accreditation.objects.all(), user, "organization__region").select_related(
        "organization__region", "recorded_by"
    )


def month_grid(user: Any, year: int, month: int) -> list[list[dict[str, Any]]]:
    """Return the weeks of a month (Monday first), each day with the user's events of that day."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    events = list(
        events_for(user).filter(starts_at__gte=day_start(first), starts_at__lt=day_end(last)).order_by("starts_at")
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
        starts_at__gte=day_start(today),
        starts_at__lt=day_start(today + timedelta(days=days)),
        status__in=UPCOMING_STATUSES,
    )


def missing_notice_q() -> Q:
    """Return the condition of a planned event that needs an akimat notice not sent yet."""
    return Q(status=Event.Status.PLANNED, notice_deadline__isnull=False, notice_sent_on__isnull=True)


def dashboard_counts_by_region(user: Any, *, today: date, start: date, end: date, days: int = 7) -> QuerySet:
    """Return per region (code) the events of the next ``days`` days (``upcoming``), those held between ``start``
    and ``end`` (``held``, by their start, both days included) and those missing their notice (``missing``)."""
    upcoming = _upcoming_q(today, days)
    held = Q(status=Event.Status.HELD, starts_at__gte=day_start(start), starts_at__lt=day_end(end))
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


def upcoming_by_region(user: Any, *, days: int = 7, today: date | None = None) -> QuerySet:
    """Return per region the number of planned or notified events in the next ``days`` days."""
    today = today or timezone.localdate()
    return (
        _scope(Event.objects.all(), user)
        .filter(_upcoming_q(today, days))
        .values("region__code", "region__name_ru", "region__name_kk", "region__name_en")
        .annotate(count=Count("pk"))
        .order_by("region__code")
    )


def held_this_month(user: Any, *, today: date | None = None) -> int:
    today = today or timezone.localdate()
    first = today.replace(day=1)
    return (
        _scope(Event.objects.all(), user)
        .filter(
            status=Event.Status.HELD,
            starts_at__gte=day_start(first),
            starts_at__lt=day_end(today),
        )
        .count()
    )


def missing_notices(user: Any, *, today: date | None = None) -> QuerySet[Event]:
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


def stations_with_coverage(user: Any, *, today: date | None = None) -> QuerySet[PollingStation]:
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


def coverage_by_region(
    user: Any, *, today: date | None = None, election: Election | Subquery | None = None
) -> QuerySet:
    """Return per region: stations, how many have 0, 1, 2+ certified people assigned, and how many have someone
    assigned whose certificate is revoked or expired (``uncertified``); of one election's stations if given."""
    stations = stations_with_coverage(user, today=today)
    if isinstance(election, Subquery):
        stations = stations.filter(election_id=election)
    elif election is not None:
        stations = stations.filter(election=election)
    return (
        stations.annotate(uncertified_here=has_uncertified_assignment(today=today))
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


def _of_election(assignments: QuerySet[Assignment], election: Election | None) -> QuerySet[Assignment]:
    return assignments if election is None else assignments.filter(station__election=election)


def unaccredited_observers(
    user: Any, *, today: date | None = None, election: Election | None = None
) -> QuerySet[Assignment]:
    """Return active observers whose nominating organization holds no accreditation in force today."""
    today = today or timezone.localdate()
    in_force = Accreditation.objects.valid_on(today).filter(organization=OuterRef("organization"))
    active = Assignment.objects.filter(ended_at__isnull=True, role=Assignment.Role.OBSERVER)
    return (
        _scope(_of_election(active, election), user, "station__region")
        .exclude(Exists(in_force))
        .select_related("person", "station__region", "organization")
        .order_by("station__region__code", "station__number")
    )


def uncertified_assignments(
    user: Any, *, today: date | None = None, election: Election | None = None
) -> QuerySet[Assignment]:
    """Return active assignments whose certificate is revoked or expired: people to replace or retrain."""
    return (
        _scope(_of_election(Assignment.objects.filter(ended_at__isnull=True), election), user, "station__region")
        .exclude(_valid_certificate_q(today=today))
        .select_related("person", "station__region", "certificate__course", "organization")
    )


# --- Planning rules kept as data ------------------------------------------------------------------------------


def holidays_between(start: date, end: date) -> set[date]:
    """Return the public holidays from ``start`` to ``end`` (both included)."""
    return set(Holiday.objects.filter(date__range=(start, end)).values_list("date", flat=True))


def notice_rule_for(kind: str, on: date) -> NoticeRule | None:
    """Return the akimat notice rule for ``kind`` in force on ``on``, or None when no notice is needed."""
    return (
        NoticeRule.objects.filter(event_kind=kind, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("-valid_from")
        .first()
    )


def current_campaign() -> rules.CampaignPeriod | None:
    """Return the period of the current campaign (agitation start to election day), or None."""
    campaign = default_election()  # the campaign period is the election's (issue #18)
    if campaign is None or campaign.agitation_starts_on is None or campaign.election_day is None:
        return None
    return rules.CampaignPeriod(campaign.agitation_starts_on, campaign.election_day)


def event_warnings(event: Event) -> list[str]:
    """Return the warnings staff should see for ``event``: campaign period and a late akimat notice."""
    day = timezone.localdate(event.starts_at)
    warnings = rules.agitation_warnings(event_day=day, is_agitation=event.is_agitation, campaign=current_campaign())
    deadline = event.notice_deadline
    late = deadline is not None and deadline < timezone.localdate()
    if late and deadline and not event.notice_sent_on and event.status == Event.Status.PLANNED:
        warnings.append(
            _("The akimat notice deadline (%(date)s) has passed: the event cannot lawfully be held as planned.")
            % {"date": deadline.strftime("%d.%m.%Y")}
        )
    return warnings


# --- Approval of proposed events ------------------------------------------------------------------------------


def approval_checklist(event: Event, *, today: date | None = None) -> list[rules.ChecklistItem]:
    """Return the checklist of ``event``: venue, akimat notice in time (holiday calendar), campaign period."""
    today = today or timezone.localdate()
    day = timezone.localdate(event.starts_at)
    return rules.approval_checklist(
        place=event.place,
        notice_required=bool(event.notice_requirement),
        notice_deadline=event.notice_deadline,
        notice_sent_on=event.notice_sent_on,
        today=today,
        campaign_warnings=rules.agitation_warnings(
            event_day=day, is_agitation=event.is_agitation, campaign=current_campaign()
        ),
    )


def approval_refusal(user: Any, event: Event) -> str | None:
    """Return why ``user`` may not decide on ``event`` (None when they may).

    The region's coordinator decides on a regional proposal, HQ committee staff on any (and alone on national
    events); nobody decides on their own proposal.
    """
    if not user.has_perm("events.approve_event"):
        return _("You may not approve events.")
    if event.created_by_id is not None and event.created_by_id == user.pk:
        return _("You cannot approve or reject your own proposal.")
    scope = scoped_region(user)
    if scope is not None and event.is_national:
        return _("National events are approved by the HQ committee staff.")
    if scope is not None and scope.pk != event.region_id:
        return _("Coordinators approve only events in their own region.")
    return None


def proposals_for(user: Any) -> QuerySet[Event]:
    """Return the proposals waiting for ``user``'s decision: a coordinator's region (not national), or all (HQ)."""
    queryset = Event.objects.filter(status=Event.Status.PROPOSED).select_related("region", "organization", "created_by")
    scope = scoped_region(user)
    if scope is not None:
        queryset = queryset.filter(region=scope, is_national=False)
    return queryset.order_by("starts_at", "pk")


def approvers_to_notify(event: Event) -> list[User]:
    """Return who is told of a new proposal: the region's coordinators; HQ approvers for a national proposal or a
    region without a coordinator. Only people who may decide on it (approval_refusal) and have an email."""
    may_approve = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(groups__permissions__codename="approve_event") | Q(user_permissions__codename="approve_event"))
        .select_related("profile")
        .distinct()
        .order_by("pk")
    )
    deciders = [user for user in may_approve if approval_refusal(user, event) is None]
    # approval_refusal already leaves coordinators out of national proposals; with no regional decider left, the
    # deciders are HQ approvers.
    regional = [user for user in deciders if scoped_region(user) is not None]
    return regional or deciders


# --- Accreditation and deployment -----------------------------------------------------------------------------


def accreditation_in_force(organization: Organization, day: date, *, lock: bool = False) -> Accreditation | None:
    """Return the organization's accreditation in force on ``day`` (the one that runs longest), or None."""
    queryset = Accreditation.objects.valid_on(day).filter(organization=organization).order_by("-valid_until", "-pk")
    if lock:  # serialises an assignment with a concurrent revocation of the same accreditation
        queryset = queryset.select_for_update()
    return queryset.first()


def valid_certificate(person: Person, course_kind: str) -> Certificate | None:
    """Return the person's latest valid certificate of a course of ``course_kind``."""
    today = timezone.localdate()
    return (
        Certificate.objects.filter(person=person, course__kind=course_kind, revoked_at__isnull=True)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("course")
        .order_by("-issued_on", "-pk")
        .first()
    )
