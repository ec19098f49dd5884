"""Filters of the integrity officer's case list."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coalition.models import Region
from hotline.models import Category, Report, SlaBreach
from hotline.selectors import AGE_BUCKETS


class StaffReportFilterForm(forms.Form):
    national_fields = {
        "region": "Only national roles work the hotline (no regional role holds a hotline permission): its cases "
        "are handled for the whole country."
    }

    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any")), ("open", _("Any open (not closed)")), *Report.Status.choices],
        required=False,
    )
    category = forms.ChoiceField(label=_("Category"), choices=[("", _("Any")), *Category.choices], required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[("", _("Any")), *Report.Severity.choices], required=False
    )
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), required=False)
    age = forms.ChoiceField(
        label=_("Days since received"),
        choices=[("", _("Any")), *((label, label.replace("-", "–")) for label, _low, _high in AGE_BUCKETS)],
        required=False,
    )
    originals = forms.BooleanField(label=_("Without duplicates"), required=False)
    sla = forms.ChoiceField(
        label=_("Missed deadline"),
        choices=[("", _("Any")), ("any", _("Any breach")), *SlaBreach.Kind.choices],
        required=False,
    )
    sla_from = forms.DateField(
        label=_("Breach detected from"), required=False, widget=forms.DateInput({"type": "date"}, "%Y-%m-%d")
    )
    sla_to = forms.DateField(
        label=_("Breach detected to"), required=False, widget=forms.DateInput({"type": "date"}, "%Y-%m-%d")
    )
