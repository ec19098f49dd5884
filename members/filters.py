"""Search and filters of the staff organization list (django-filter)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from coalition.access import scoped_region
from coalition.models import Region
from coalition.scoping import ScopedFilterSet
from members.models import Organization, Person

# A date input sends and shows ISO dates whatever the language, so a link's dates are read back as written.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrganizationFilter(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("Name or BIN"), method="search", max_length=100)
    region = django_filters.ModelChoiceFilter(label=_("Region"), queryset=Region.objects.order_by("name_ru"))
    kind = django_filters.ChoiceFilter(label=_("Legal form"), choices=Organization.Kind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Organization.Status.choices)
    joined_from = django_filters.DateFilter(
        label=_("Joined from"), field_name="joined_on", lookup_expr="gte", widget=DATE_INPUT
    )
    joined_to = django_filters.DateFilter(
        label=_("Joined to"), field_name="joined_on", lookup_expr="lte", widget=DATE_INPUT
    )

    class Meta:
        model = Organization
        fields = ["q", "region", "kind", "status", "joined_from", "joined_to"]

    def search(self, queryset: QuerySet[Organization], name: str, value: str) -> QuerySet[Organization]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name_ru__icontains=value)
            | Q(name_kk__icontains=value)
            | Q(name_en__icontains=value)
            | Q(short_name__icontains=value)
            | Q(bin__startswith=value.replace(" ", ""))
        )


class PersonFilter(ScopedFilterSet):
    """Search of the staff people list: by name, or by a whole IIN (no prefix search: IINs begin with birth dates)."""

    q = django_filters.CharFilter(label=_("Name or IIN"), method="search", max_length=100)
    org = django_filters.CharFilter(label=_("Organization (name or BIN)"), method="in_organizations", max_length=100)
    # One organization by id, as its page links here: a hidden field, since a select of every organization (5,000
    # in a national campaign) would cost seconds to render on each request.
    organization = django_filters.ModelChoiceFilter(
        label=_("Organization"),
        queryset=Organization.objects.order_by("name_ru"),
        method="in_organization",
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Person
        fields = ["q", "org", "organization"]

    def search(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        value = value.strip()
        digits = value.replace(" ", "")
        if len(digits) == 12 and digits.isascii() and digits.isdigit():
            # A whole IIN finds its person only for those who see IINs: for others (shown IINs masked) a match
            # would confirm a guessed IIN of a person.
            if not self.user.has_perm("members.view_person_iin"):
                return queryset.none()
            return queryset.filter(iin=digits)
        return queryset.filter(full_name__icontains=value) if value else queryset

    def in_organization(self, queryset: QuerySet[Person], name: str, value: Organization | None) -> QuerySet[Person]:
        return queryset.filter(affiliations__organization=value).distinct() if value else queryset

    def in_organizations(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        value = value.strip()
        if not value:
            return queryset
        digits = value.replace(" ", "")
        # Match the coordinator's region's organizations only: a BIN prefix of another region's organization would
        # otherwise be an oracle (the list shows organizations' names, not their BINs).
        region = scoped_region(self.user)
        organizations = Organization.objects.all() if region is None else Organization.objects.filter(region=region)
        if digits.isascii() and digits.isdigit():
            matches = organizations.filter(bin__startswith=digits)
        else:
            matches = organizations.filter(
                Q(name_ru__icontains=value)
                | Q(name_kk__icontains=value)
                | Q(name_en__icontains=value)
                | Q(short_name__icontains=value)
            )
        return queryset.filter(affiliations__organization__in=matches).distinct()
