"""The coverage map of the dashboard's deployment panel: the regions' map (coalition.maps), each region coloured and
patterned by its polling-station coverage and linked to its stations."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from coalition.maps import RegionShade
from coalition.maps import render_map as render_regions
from coalition.models import Region

# Patterns make the coverage readable without colour: hatching for "nobody", dots for "one", plain for "two+".
_DEFS = mark_safe(  # nosec B308 B703 # a constant  # nosemgrep: semgrep.mark-safe-on-non-literal
    "<defs>"
    '<pattern id="pat-cov-0" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(45)">'
    '<rect width="8" height="8" fill="#f1aeb5"/><line x1="0" y1="0" x2="0" y2="8" stroke="#b02a37" stroke-width="3"/>'
    "</pattern>"
    '<pattern id="pat-cov-1" patternUnits="userSpaceOnUse" width="8" height="8">'
    '<rect width="8" height="8" fill="#ffe69c"/><circle cx="4" cy="4" r="1.8" fill="#997404"/>'
    "</pattern>"
    "</defs>"
)


def coverage_level(row: dict) -> str:
    """Return a region's map class: cov-0 (a station has nobody), cov-1 (some have one), cov-2, or cov-none."""
    if not row["stations"]:
        return "cov-none"
    if row["none"]:
        return "cov-0"
    if row["one"]:
        return "cov-1"
    return "cov-2"


def render_map(rows: list[dict], regions: list[Region]) -> SafeString:
    """Return the map inlined into the page: each region a link to its stations, with its coverage class."""
    shades = {}
    for row in rows:
        label = gettext(
            "%(region)s: %(stations)s stations; %(none)s without, %(one)s with one, %(two)s with two or more "
            "certified people"
        ) % {
            "region": row["region"].name,
            "stations": row["stations"],
            "none": row["none"],
            "one": row["one"],
            "two": row["two_plus"],
        }
        shades[row["region"].code] = RegionShade(css_class=row["level"], label=label, link=row["link"] or "")
    return render_regions(
        shades,
        {region.code: region.name for region in regions},
        title=gettext("Polling-station coverage by region"),
        labelledby="coverage-map-heading",
        defs=_DEFS,
    )
