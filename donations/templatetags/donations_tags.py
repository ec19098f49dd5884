"""Template helpers of the election fund: reason labels and verdict colours."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.utils.translation import gettext_lazy as _

from donations.models import DonorCategory, Source, Verdict

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

register = template.Library()

REASON_LABELS = {
    **dict(DonorCategory.choices),
    "anonymous": _("Anonymous (no valid IIN/BIN or no name)"),
    "invalid_id": _("The IIN/BIN fails the check digit"),
    "outside_period": _("Outside the fund's period"),
    "unverified_org": _("Organization not in the donor registry"),
    "declaration_missing": _("No voluntariness declaration"),
    "over_cap_own": _("Over the cap on the candidate's own money"),
    "over_cap_association": _("Over the cap on the association's money"),
    "over_cap_donations": _("Over the cap on donations"),
    "over_per_donor_cap": _("Over the per-donor cap"),
}

VERDICT_CLASSES = {
    "accepted": "text-bg-success",
    "partially_accepted": "text-bg-warning",
    "returned": "text-bg-danger",
    "to_budget": "text-bg-dark",
    "held": "text-bg-info",
}


@register.filter
def reason_label(code: str) -> StrOrPromise:
    return REASON_LABELS.get(code, code)


@register.filter
def verdict_class(verdict: str) -> str:
    return VERDICT_CLASSES.get(verdict, "text-bg-secondary")


@register.inclusion_tag("donations/_reasons.html")
def reasons(codes):
    return {"items": [(code, REASON_LABELS.get(code, code)) for code in codes or []]}


@register.filter
def verdict_label(verdict: str) -> StrOrPromise:
    return Verdict(verdict).label if verdict in Verdict.values else verdict


@register.filter
def source_label(source: str) -> StrOrPromise:
    return Source(source).label if source in Source.values else source
