"""Search and filters of the staff organization list (django-filter)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coalition.models import Region
from members.models import Organization


class OrganizationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or BIN"), method="search", max_length=100)
    region = django_filters.ModelChoiceFilter(label=_("Region"), queryset=Region.objects.order_by("name_ru"))
    kind = django_filters.ChoiceFilter(label=_("Legal form"), choices=Organization.Kind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Organization.Status.choices)

    class Meta:
        model = Organization
        fields = ["q", "region", "kind", "status"]

    def __init__(self, *args, scope: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if scope is not None:  # a coordinator filters within their one region
            self.filters["region"].queryset = Region.objects.filter(pk=scope.pk)

    def search(self, queryset, name, value):
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
