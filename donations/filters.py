"""Search and filters of the finance officers' staff lists (django-filter)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from donations import rules
from donations.models import Donation, Donor, DonorCategory, Refund, Source, Verdict


class DonationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices, label=_("verdict"))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("source"))
    received_on__gte = django_filters.DateFilter(field_name="received_on", lookup_expr="gte", label=_("from"))
    received_on__lte = django_filters.DateFilter(field_name="received_on", lookup_expr="lte", label=_("to"))
    flagged = django_filters.BooleanFilter(method="only_flagged", label=_("not fully accepted"))

    class Meta:
        model = Donation
        fields = ["verdict", "source"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(bank_reference__icontains=value) | Q(payer_id__startswith=value) | Q(payer_name__icontains=value)
        )

    def only_flagged(self, queryset, name, value):
        return queryset.exclude(verdict=rules.ACCEPTED) if value else queryset


class DonorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=Donor.Kind.choices, label=_("kind"))
    category = django_filters.ChoiceFilter(choices=DonorCategory.choices, label=_("category"))

    class Meta:
        model = Donor
        fields = ["kind", "category"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(identifier__startswith=value) | Q(name__icontains=value))


class RefundFilter(django_filters.FilterSet):
    STATE_CHOICES = [("open", pgettext_lazy("refund state", "Open")), ("overdue", _("Overdue")), ("done", _("Paid"))]
    state = django_filters.ChoiceFilter(choices=STATE_CHOICES, method="by_state", label=_("state"))
    kind = django_filters.ChoiceFilter(choices=Refund.Kind.choices, label=_("kind"))

    class Meta:
        model = Refund
        fields = ["kind"]

    def by_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(completed_on__isnull=True)
        if value == "overdue":
            return queryset.filter(completed_on__isnull=True, due_on__lt=timezone.localdate())
        if value == "done":
            return queryset.filter(completed_on__isnull=False)
        return queryset
