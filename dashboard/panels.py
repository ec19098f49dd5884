"""The staff dashboard: its filters, the panels a user may see and the charts' data (the map is in dashboard.map).

Every figure comes from one aggregate query (the apps' selectors or ``dashboard.selectors``), so the number of
queries depends on which panels a user sees, never on how much data there is. A panel appears only when the
user holds the view permission on the data behind it; a regional coordinator's figures are their region's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, cast

from django import forms
from django.db.models import Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _

from coalition.models import Region
from dashboard import selectors
from dashboard.map import coverage_level, render_map
from donations import selectors as fund
from donations.models import Source
from events import selectors as events
from hotline import selectors as hotline
from hotline.models import Category
from members import selectors as members

# Chart.js formats numbers and dates with the locale of the page's language.
CHART_LOCALES = {"ru": "ru-RU", "kk": "kk-KZ", "en": "en"}

# The permission that lets a user see each panel's data.
PANEL_PERMISSIONS = {
    "coalition": "members.view_organization",
    "events": "events.view_event",
    "training": "events.view_enrolment",
    "deployment": "events.view_pollingstation",
    "fund": "donations.view_ledgerentry",
    "hotline": "hotline.view_statistics",
}

# The period filter accepts dates in this range.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


# --- Filters --------------------------------------------------------------------------------------------------


_DATE = {"type": "date", "class": "form-control"}


class DashboardFilterForm(forms.Form):
    """The period and region of the dashboard, read from the query string (so a link shares the view)."""

    # A date input sends and shows ISO dates whatever the language (the browser displays them localised).
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(_DATE, "%Y-%m-%d"))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(_DATE, "%Y-%m-%d"))
    region = forms.ChoiceField(label=_("Region"), required=False, widget=forms.Select({"class": "form-select"}))

    def __init__(self, *args, regions: list[Region], scope: Region | None, **kwargs):
        super().__init__(*args, **kwargs)
        region_field = cast(forms.ChoiceField, self.fields["region"])
        if scope is not None:
            region_field.choices = [(scope.code, scope.name)]
        else:
            region_field.choices = [("", gettext("All regions"))] + [(r.code, r.name) for r in regions]


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    region: Region | None  # the region every regional figure is narrowed to (a coordinator's own), or None


def default_period(today: date) -> tuple[date, date]:
    """Return the default period: from the first of the current month to today."""
    return today.replace(day=1), today


def _shown(value: str | None) -> str:
    """Return a query-string value as it may be quoted back in a message (short; escaped by the template)."""
    value = value or ""
    return value if len(value) <= 40 else value[:40] + "…"


def read_filters(
    params, *, regions: list[Region], scope: Region | None, today: date
) -> tuple[Filters, DashboardFilterForm, list[str]]:
    """Return the filters to apply, the form to show them in, and warnings about values that were ignored.

    A value that is not understood is ignored (with a warning), never an error: the page always answers.
    """
    warnings: list[str] = []
    start, end = default_period(today)
    by_code = {r.code: r for r in regions}
    bound = DashboardFilterForm(params, regions=regions, scope=None)
    bound.is_valid()
    data = bound.cleaned_data
    for field in ("start", "end"):
        # Dates far outside the coalition's life are refused too (date arithmetic near date.max would fail).
        if field in bound.errors or (data.get(field) and not EARLIEST <= data[field] <= LATEST):
            data.pop(field, None)
            value = _shown(params.get(field))
            warnings.append(gettext("The date “%(value)s” was not understood and is ignored.") % {"value": value})
    new_start, new_end = data.get("start") or start, data.get("end") or end
    if new_start > new_end:
        warnings.append(gettext("The period ends before it starts; the default period is shown."))
    else:
        start, end = new_start, new_end

    region = scope
    code = params.get("region", "")
    if code:
        if code not in by_code:
            warnings.append(gettext("The region “%(value)s” is unknown and is ignored.") % {"value": _shown(code)})
        elif scope is not None and code != scope.code:
            warnings.append(gettext("You see your own region only."))
        else:
            region = by_code[code]
    filters = Filters(start=start, end=end, region=region)
    form = DashboardFilterForm(
        initial={"start": start, "end": end, "region": region.code if region else ""}, regions=regions, scope=scope
    )
    return filters, form, warnings


# --- Links ----------------------------------------------------------------------------------------------------


def link(name: str, *args: Any, **params: Any) -> str | None:
    """Return the URL of a list with its filters as a query string; None when the list does not exist (yet)."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return None
    params = {key: value for key, value in params.items() if value not in (None, "")}
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


class _Links:
    """Build the links of one user's dashboard: a coordinator's lists are already scoped, others get ``region``."""

    def __init__(self, user, filters: Filters, scope: Region | None):
        self.user = user
        self.region_pk = filters.region.pk if filters.region is not None and scope is None else None

    def to(self, name: str, perm: str | None = None, *, region: Region | None = None, **params: Any) -> str | None:
        if perm is not None and not self.user.has_perm(perm):
            return None
        region_pk = region.pk if region is not None and self.region_pk is None else self.region_pk
        return link(name, region=region_pk, **params)


# --- Panels ---------------------------------------------------------------------------------------------------


def coalition_panel(filters: Filters, links: _Links, today: date, regions: list[Region]) -> dict:

    region = filters.region
    summary = members.dashboard_summary(region=region, today=today, start=filters.start, end=filters.end)
    perm = "members.view_organization"

    def organizations(**params: Any) -> str | None:
        return links.to("members:staff_organizations", perm, **params)

    oldest = summary["oldest"]
    return {
        "admitted": summary["admitted"],
        "admitted_link": organizations(status="admitted"),
        "last_7_days": summary["last_7_days"],
        "last_7_days_link": organizations(
            status="admitted", joined_from=(today - timedelta(days=6)).isoformat(), joined_to=today.isoformat()
        ),
        "joined": summary["joined"],
        "joined_link": organizations(
            status="admitted", joined_from=filters.start.isoformat(), joined_to=filters.end.isoformat()
        ),
        "pending": summary["pending"],
        "pending_link": organizations(status="applied"),
        "oldest": oldest,
        "oldest_days": (today - timezone.localdate(oldest)).days if oldest else None,
        "queue_link": links.to("members:staff_queue", perm),
        "by_kind": [{**row, "link": organizations(status="admitted", kind=row["kind"])} for row in summary["by_kind"]],
        "by_region": [
            {
                "region": r,
                "admitted": r.admitted,  # type: ignore[attr-defined]  # annotated, see below
                "pending": r.pending,  # type: ignore[attr-defined]
                "admitted_link": organizations(region=r, status="admitted"),
                "pending_link": organizations(region=r, status="applied"),
            }
            for r in regions  # annotated by members.selectors.counts_by_region
            if region is None or r.pk == region.pk
        ],
    }


def events_panel(user, filters: Filters, links: _Links, today: date, names: dict[str, Region]) -> dict:

    region = filters.region
    week: dict[str, Any] = {"starts_from": today.isoformat(), "starts_to": (today + timedelta(days=6)).isoformat()}
    upcoming = list(events.UPCOMING_STATUSES)
    counts = events.dashboard_counts_by_region(user, today=today, start=filters.start, end=filters.end)
    missing = events.missing_notices(user, today=today)
    if region is not None:
        counts, missing = counts.filter(region=region), missing.filter(region=region)
    count_rows = list(counts)
    perm = "events.view_event"
    upcoming_rows = [
        {
            "region": names[row["region__code"]],
            "count": row["upcoming"],
            "link": links.to("events:list", perm, region=names[row["region__code"]], status=upcoming, **week),
        }
        for row in count_rows
        if row["upcoming"]
    ]
    # Summing at most one row per region: the figures themselves are counted by the database.
    missing_count = sum(row["missing"] for row in count_rows)
    return {
        "upcoming": upcoming_rows,
        "upcoming_total": sum(row["count"] for row in upcoming_rows),
        "upcoming_link": links.to("events:list", perm, status=upcoming, **week),
        "held": sum(row["held"] for row in count_rows),
        "held_link": links.to(
            "events:list",
            perm,
            status="held",
            starts_from=filters.start.isoformat(),
            starts_to=filters.end.isoformat(),
        ),
        # The ten most urgent (a query only when there are any).
        "missing": [
            {
                "event": event,
                "days_left": event.time_left.days,  # type: ignore[attr-defined]  # missing_notices annotates it
                "link": reverse("events:detail", args=[event.pk]),
            }
            for event in (missing[:10] if missing_count else [])
        ],
        "missing_count": missing_count,
        "missing_link": links.to("events:list", perm, status="planned", notice="missing"),
    }


def training_panel(filters: Filters, links: _Links, locale: str) -> dict:
    rows = list(selectors.course_funnel(region=filters.region))
    sessions_link = links.to("events:sessions", "events.view_trainingsession")
    funnel = [
        {
            "course": course,
            "enrolled": course.enrolled,
            "attended": course.attended,
            "certified": course.certified,
            "link": sessions_link,
        }
        for course in rows
    ]
    chart = {
        "type": "bar",
        "locale": locale,
        "labels": [course.name for course in rows],
        "datasets": [
            {"label": gettext("Enrolled"), "data": [c.enrolled for c in rows]},
            {"label": gettext("Attended"), "data": [c.attended for c in rows]},
            {"label": gettext("Certified"), "data": [c.certified for c in rows]},
        ],
        "title": gettext("People enrolled, attended and certified per course"),
    }
    return {"funnel": funnel, "sessions_link": sessions_link, "chart": chart}


def deployment_panel(user, filters: Filters, links: _Links, regions: list[Region], today: date) -> dict:

    # The stations of the election being worked on: the station list the cells link to shows the same by default.
    election = Subquery(events.elections_in_preference(today=today).values("pk")[:1])
    coverage = events.coverage_by_region(user, today=today, election=election)
    if filters.region is not None:
        coverage = coverage.filter(region=filters.region)
    by_code = {row["region__code"]: row for row in coverage}
    perm = "events.view_pollingstation"
    keys = ("stations", "none", "one", "two_plus", "uncertified")
    # The station list's coverage filter for each column ("stations" is every station).
    levels = {"stations": None, "none": "0", "one": "1", "two_plus": "2", "uncertified": "uncertified"}
    rows: list[dict[str, Any]] = []
    for region in regions:
        if filters.region is not None and region.pk != filters.region.pk:
            continue
        row = {key: by_code.get(region.code, {}).get(key) or 0 for key in keys}
        rows.append(
            {
                "region": region,
                **row,
                "level": coverage_level(row),
                "link": links.to("events:stations", perm, region=region),
                "links": {
                    key: links.to("events:stations", perm, region=region, coverage=level)
                    for key, level in levels.items()
                },
            }
        )
    totals = {key: sum(row[key] for row in rows) for key in keys}
    return {
        "rows": rows,
        "totals": totals,
        "total_links": {key: links.to("events:stations", perm, coverage=level) for key, level in levels.items()},
        "map": render_map(rows, regions),
        "uncertified": totals["uncertified"],
        "uncertified_link": links.to("events:stations", perm, coverage="uncertified"),
        "stations_link": links.to("events:stations", perm),
    }


def fund_panel(user, locale: str, today: date) -> dict:

    election, version = fund.default_election_and_version()
    if election is None:
        return {"election": None}
    overview = fund.fund_overview(election, version, today=today)
    totals, caps = overview["totals"], overview["caps"]
    slug = election.slug
    payments = partial(link, "donations:donations", slug) if user.has_perm("donations.view_donation") else None
    refunds = partial(link, "donations:refunds", slug) if user.has_perm("donations.view_refund") else None
    cap_rows = [
        {
            "source": source,
            "label": Source(source).label,
            "link": payments(source=source) if payments else None,
            **values,
            "percent": (values["used"] * 100 / values["cap"]) if values["cap"] else None,
        }
        for source, values in caps.items()
    ]
    fund_cap = sum((values["cap"] for values in caps.values()), Decimal("0"))
    days = fund.cumulative_accepted_by_day(election)
    chart = {
        "type": "line",
        "locale": locale,
        "labels": [day.isoformat() for day, _total, _cumulative in days],
        "datasets": [
            {"label": gettext("Accepted, cumulative (₸)"), "data": [float(c) for _d, _t, c in days]},
            {"label": gettext("Fund cap (₸)"), "data": [float(fund_cap)] * len(days), "dashed": True},
        ],
        "title": gettext("Money accepted into the fund against its cap"),
    }
    return {
        "election": election,
        "totals": totals,
        "caps": cap_rows,
        "fund_cap": fund_cap,
        "fund_left": max(Decimal("0"), fund_cap - totals["accepted"]),
        "days": [{"day": d, "total": t, "cumulative": c} for d, t, c in days],
        "chart": chart,
        "due": overview["due"],
        "links": _fund_links(payments, refunds),
    }


def _fund_links(payments, refunds) -> dict[str, str | None]:
    """Return the payment and refund lists behind each of the fund's figures (filtered as closely as they allow)."""
    none: dict[str, str | None] = {}
    return {
        **(
            {
                "received": payments(),
                "accepted": payments(verdict="accepted"),  # partially accepted payments also count in "accepted"
                "flagged": payments(flagged="true"),
                "held": payments(verdict="held"),
            }
            if payments
            else none
        ),
        **(
            {
                "returned": refunds(kind="returned"),
                "returned_paid": refunds(kind="returned", state="done"),
                "to_budget": refunds(kind="to_budget"),
                "to_budget_paid": refunds(kind="to_budget", state="done"),
                "overdue": refunds(state="overdue"),
                "open": refunds(state="open"),
            }
            if refunds
            else none
        ),
    }


def hotline_panel(user, filters: Filters, locale: str) -> dict:

    rows = hotline.open_cases_by_age_and_category()
    ages = [label for label, _low, _high in hotline.AGE_BUCKETS]
    counts = {(row["category"], row["age"]): row["count"] for row in rows}
    present = {row["category"] for row in rows}
    statistics_link = link("hotline:statistics") if user.has_perm("hotline.view_statistics") else None

    if user.has_perm("hotline.view_report"):

        def cases(**params: Any) -> str | None:
            return link("hotline:list", **params)

    else:  # committee staff see the anonymised statistics, not the cases

        def cases(**params: Any) -> str | None:
            return statistics_link

    def open_cases(**params: Any) -> str | None:
        # The figures count open cases that are not duplicates of another.
        return cases(status="open", originals="1", **params)

    matrix = []
    for value, label in Category.choices:
        if value not in present:
            continue
        cells = [counts.get((value, age), 0) for age in ages]
        matrix.append(
            {
                "category": value,
                "label": label,
                "cells": [
                    {"count": cell, "link": open_cases(category=value, age=age)}
                    for cell, age in zip(cells, ages, strict=True)
                ],
                "total": sum(cells),
                "link": open_cases(category=value),
            }
        )
    age_totals = [
        {"count": sum(row["cells"][i]["count"] for row in matrix), "link": open_cases(age=age)}
        for i, age in enumerate(ages)
    ]
    chart = {
        "type": "bar",
        "stacked": True,
        "locale": locale,
        "labels": [age_label(age) for age in ages],
        "datasets": [{"label": str(row["label"]), "data": [c["count"] for c in row["cells"]]} for row in matrix],
        "title": gettext("Open hotline cases by age and category"),
    }
    period = {"sla_from": filters.start.isoformat(), "sla_to": filters.end.isoformat()}
    return {
        "ages": [age_label(age) for age in ages],
        "matrix": matrix,
        "age_totals": age_totals,
        "open_total": sum(age["count"] for age in age_totals),
        "open_link": open_cases(),
        "sla": selectors.sla_breaches(start=filters.start, end=filters.end),
        "sla_links": {kind: cases(sla=kind, **period) for kind in ("triage", "answer", "any")},
        "chart": chart,
    }


def age_label(age: str) -> str:
    """Return an age bucket ("0-1", "31+") as words."""
    if age.endswith("+"):
        return gettext("%(days)s days or more") % {"days": age[:-1]}
    low, high = age.split("-")
    return pgettext("age of a case", "%(low)s–%(high)s days") % {"low": low, "high": high}


def build(request, *, scope: Region | None, today: date | None = None) -> dict:
    """Return the dashboard's context for ``request.user``: filters, and the panels they may see."""
    user = request.user
    today = today or timezone.localdate()

    # Every region with its members and applications: the map, the filter and the coalition panel share it.
    regions = list(members.counts_by_region())
    filters, form, warnings = read_filters(request.GET, regions=regions, scope=scope, today=today)
    names = {r.code: r for r in regions}
    links = _Links(user, filters, scope)
    locale = CHART_LOCALES.get((get_language() or "ru")[:2], "ru-RU")
    allowed = {panel for panel, perm in PANEL_PERMISSIONS.items() if user.has_perm(perm)}
    if user.has_perm("hotline.view_report"):
        allowed.add("hotline")
    panels: dict[str, dict] = {}
    if "coalition" in allowed:
        panels["coalition"] = coalition_panel(filters, links, today, regions)
    if "events" in allowed:
        panels["events"] = events_panel(user, filters, links, today, names)
    if "training" in allowed:
        panels["training"] = training_panel(filters, links, locale)
    if "deployment" in allowed:
        panels["deployment"] = deployment_panel(user, filters, links, regions, today)
    # The fund and the hotline are national: a coordinator (scoped) never sees them, even with the permission.
    if "fund" in allowed and scope is None:
        panels["fund"] = fund_panel(user, locale, today)
    if "hotline" in allowed and scope is None:
        panels["hotline"] = hotline_panel(user, filters, locale)
    return {
        "filters": filters,
        "filter_form": form,
        "warnings": warnings,
        "panels": panels,
        "scope": scope,
        "today": today,
        "regions": [row["region"] for row in panels["coalition"]["by_region"]] if "coalition" in panels else [],
    }
