"""Search and filters of the events lists (training sessions, enrolments, certificates, assignments, accreditations).

A coordinator's lists are already scoped to their region by the selectors; ``drop_region`` removes the region filter
from their form, since it could only ever show their own region.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coalition.access import scoped_region
from coalition.models import Region
from coalition.scoping import ScopedFilterSet
from events.models import Accreditation, Assignment, Certificate, Course, Enrolment, TrainingSession
from events.selectors import elections_newest_first

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def drop_region(filterset: django_filters.FilterSet, user: User, name: str = "region") -> None:
    if scoped_region(user) is not None:
        filterset.form.fields.pop(name, None)


def _valid_certificate(prefix: str = "") -> Q:
    today = timezone.localdate()
    return Q(**{f"{prefix}revoked_at__isnull": True}) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": today})
    )


ELECTION_IS_NATIONAL = "An election is coalition-wide: every region works on the same elections (issue #18)."


class SessionFilter(ScopedFilterSet):
    national_fields = {
        "course": "Courses are the coalition's national curriculum, taught in every region.",
        "election": ELECTION_IS_NATIONAL,
    }

    q = django_filters.CharFilter(method="search", label=_("Search"))
    election = django_filters.ModelChoiceFilter(queryset=elections_newest_first(), label=_("Training for an election"))
    when = django_filters.ChoiceFilter(
        method="filter_when",
        label=_("When"),
        choices=[("upcoming", _("Upcoming")), ("past", _("Past")), ("cancelled", _("Cancelled"))],
    )
    starts_from = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__gte", label=_("From"), widget=DATE_WIDGET
    )
    starts_to = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__lte", label=_("To"), widget=DATE_WIDGET
    )

    class Meta:
        model = TrainingSession
        fields = ["course", "region"]

    def search(self, queryset: QuerySet[TrainingSession], name: str, value: str) -> QuerySet[TrainingSession]:
        return queryset.filter(
            Q(place__icontains=value)
            | Q(course__name__icontains=value)
            | Q(trainer__username__icontains=value)
            | Q(trainer__last_name__icontains=value)
            | Q(trainer__first_name__icontains=value)
        )

    def filter_when(self, queryset: QuerySet[TrainingSession], name: str, value: str) -> QuerySet[TrainingSession]:
        now = timezone.now()
        if value == "cancelled":
            return queryset.filter(cancelled_at__isnull=False)
        queryset = queryset.filter(cancelled_at__isnull=True)
        return queryset.filter(starts_at__gte=now) if value == "upcoming" else queryset.filter(starts_at__lt=now)


class EnrolmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    result = django_filters.ChoiceFilter(
        method="filter_result",
        label=_("Result"),
        choices=[
            ("passed", _("Passed")),
            ("failed", _("Failed")),
            ("absent", _("Did not attend")),
            ("unscored", _("No score yet")),
        ],
    )
    certified = django_filters.BooleanFilter(
        field_name="certificate", lookup_expr="isnull", exclude=True, label=_("Has a certificate")
    )

    class Meta:
        model = Enrolment
        fields: list[str] = []

    def __init__(self, *args: Any, pass_mark: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pass_mark = pass_mark

    def search(self, queryset: QuerySet[Enrolment], name: str, value: str) -> QuerySet[Enrolment]:
        # Only what the list shows: a search on the (unshown) email or phone would reveal them a letter at a time.
        return queryset.filter(Q(person__full_name__icontains=value) | Q(certificate__number__icontains=value))

    def filter_result(self, queryset: QuerySet[Enrolment], name: str, value: str) -> QuerySet[Enrolment]:
        pass_mark = self.pass_mark
        if value == "passed":
            return queryset.filter(attended=True, score__gte=pass_mark)
        if value == "failed":
            return queryset.filter(attended=True, score__lt=pass_mark)
        if value == "absent":
            return queryset.filter(attended=False)
        return queryset.filter(attended=True, score__isnull=True)


class CertificateFilter(ScopedFilterSet):
    national_fields = {"course": "Courses are the coalition's national curriculum, taught in every region."}

    q = django_filters.CharFilter(method="search", label=_("Search"))
    course = django_filters.ModelChoiceFilter(queryset=Course.objects.all(), label=_("Course"))
    region = django_filters.ModelChoiceFilter(
        field_name="enrolment__session__region",
        queryset=Region.objects.all(),
        label=_("Region"),
    )
    status = django_filters.ChoiceFilter(
        method="filter_status",
        label=_("Status"),
        choices=[("valid", _("Valid")), ("expired", _("Expired")), ("revoked", _("Revoked"))],
    )
    issued_from = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="gte", label=_("Issued from"), widget=DATE_WIDGET
    )
    issued_to = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="lte", label=_("Issued to"), widget=DATE_WIDGET
    )

    class Meta:
        model = Certificate
        fields: list[str] = []

    def search(self, queryset: QuerySet[Certificate], name: str, value: str) -> QuerySet[Certificate]:
        return queryset.filter(
            Q(number__icontains=value)
            | Q(verification_code__iexact=value.strip())
            | Q(person__full_name__icontains=value)
        )

    def filter_status(self, queryset: QuerySet[Certificate], name: str, value: str) -> QuerySet[Certificate]:
        if value == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if value == "valid":
            return queryset.filter(_valid_certificate())
        return queryset.filter(revoked_at__isnull=True, valid_until__lt=timezone.localdate())


class AssignmentFilter(ScopedFilterSet):
    national_fields = {"election": ELECTION_IS_NATIONAL}

    election = django_filters.ModelChoiceFilter(
        field_name="station__election",
        queryset=elections_newest_first(),
        label=_("Election"),
        empty_label=_("All elections"),
    )
    q = django_filters.CharFilter(method="search", label=_("Search"))
    role = django_filters.ChoiceFilter(choices=Assignment.Role.choices, label=_("Role"))
    region = django_filters.ModelChoiceFilter(
        field_name="station__region",
        queryset=Region.objects.all(),
        label=_("Region"),
    )
    state = django_filters.ChoiceFilter(
        method="filter_state",
        label=_("Assignment"),
        choices=[("active", _("Active")), ("ended", _("Ended"))],
    )
    certificate = django_filters.ChoiceFilter(
        method="filter_certificate",
        label=_("Certificate"),
        choices=[("valid", _("Valid")), ("lapsed", _("Revoked or expired"))],
    )

    class Meta:
        model = Assignment
        fields: list[str] = []

    def search(self, queryset: QuerySet[Assignment], name: str, value: str) -> QuerySet[Assignment]:
        return queryset.filter(
            Q(person__full_name__icontains=value)
            | Q(station__number__iexact=value.strip())
            | Q(station__address__icontains=value)
            | Q(organization__name_ru__icontains=value)
            | Q(organization__short_name__icontains=value)
            | Q(registration_number__icontains=value)
        )

    def filter_state(self, queryset: QuerySet[Assignment], name: str, value: str) -> QuerySet[Assignment]:
        return queryset.filter(ended_at__isnull=(value == "active"))

    def filter_certificate(self, queryset: QuerySet[Assignment], name: str, value: str) -> QuerySet[Assignment]:
        valid = _valid_certificate("certificate__")
        return queryset.filter(valid) if value == "valid" else queryset.exclude(valid)


class AccreditationFilter(ScopedFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        method="filter_status", label=_("Status"), choices=Accreditation.Status.choices
    )
    region = django_filters.ModelChoiceFilter(
        field_name="organization__region",
        queryset=Region.objects.all(),
        label=_("Region"),
    )
    in_force_on = django_filters.DateFilter(method="filter_in_force", label=_("In force on"), widget=DATE_WIDGET)

    class Meta:
        model = Accreditation
        fields: list[str] = []

    def search(self, queryset: QuerySet[Accreditation], name: str, value: str) -> QuerySet[Accreditation]:
        return queryset.filter(
            Q(number__icontains=value)
            | Q(issuing_body__icontains=value)
            | Q(organization__name_ru__icontains=value)
            | Q(organization__name_kk__icontains=value)
            | Q(organization__short_name__icontains=value)
            | Q(organization__bin=value.strip())
        )

    def filter_status(self, queryset: QuerySet[Accreditation], name: str, value: str) -> QuerySet[Accreditation]:
        today = timezone.localdate()
        revoked = Q(revoked_at__isnull=False, revoked_at__date__lte=today)
        if value == Accreditation.Status.REVOKED:
            return queryset.filter(revoked)
        queryset = queryset.exclude(revoked)
        if value == Accreditation.Status.VALID:
            return queryset.filter(issued_on__lte=today, valid_until__gte=today)
        if value == Accreditation.Status.PENDING:
            return queryset.filter(issued_on__gt=today)
        return queryset.filter(valid_until__lt=today)

    def filter_in_force(self, queryset: QuerySet[Accreditation], name: str, value: date) -> QuerySet[Accreditation]:
        return queryset.filter(pk__in=Accreditation.objects.valid_on(value).values("pk"))
