"""The coverage map of the dashboard's deployment panel: the vendored SVG of the regions, each region coloured and
patterned by its polling-station coverage and linked to its stations."""

from __future__ import annotations

import re
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from coalition.models import Region

MAP_FILE = "dashboard/kz-regions.svg"

_PATH = re.compile(r'<path id="(?P<code>KZ-\d+)" class="region"(?P<attrs>[^>]*)><title>[^<]*</title></path>')

# Patterns make the coverage readable without colour: hatching for "nobody", dots for "one", plain for "two+".
_DEFS = (
    "<defs>"
    '<pattern id="pat-cov-0" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(45)">'
    '<rect width="8" height="8" fill="#f1aeb5"/><line x1="0" y1="0" x2="0" y2="8" stroke="#b02a37" stroke-width="3"/>'
    "</pattern>"
    '<pattern id="pat-cov-1" patternUnits="userSpaceOnUse" width="8" height="8">'
    '<rect width="8" height="8" fill="#ffe69c"/><circle cx="4" cy="4" r="1.8" fill="#997404"/>'
    "</pattern>"
    "</defs>"
)


def _vendored(markup: str) -> SafeString:
    """Mark markup from our own vendored map file (static/, reviewed, no user data in it) as safe HTML."""
    return mark_safe(markup)  # nosec B308 B703 # vendored SVG only  # nosemgrep: semgrep.mark-safe-on-non-literal


@lru_cache(maxsize=1)
def map_source() -> str:
    """Return the vendored SVG map of the regions (read once per process), without its XML prolog."""
    path = finders.find(MAP_FILE)
    if path is None:
        raise FileNotFoundError(MAP_FILE)
    with open(path, encoding="utf-8") as file:
        text = file.read()
    return text[text.index("<svg") :]


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
    by_code = {row["region"].code: row for row in rows}
    names = {r.code: r.name for r in regions}

    def region(match: re.Match) -> str:
        code, attrs = match["code"], match["attrs"]
        row = by_code.get(code)
        if row is None:  # outside the user's region or filter: drawn, not linked
            return format_html(
                '<path id="{}" class="region out-of-scope"{}><title>{}</title></path>',
                code,
                _vendored(attrs),
                names.get(code, code),
            )
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
        path = format_html(
            '<path id="{}" class="region {}"{}><title>{}</title></path>',
            code,
            row["level"],
            _vendored(attrs),
            label,
        )
        if not row["link"]:
            return path
        return format_html('<a href="{}" class="region-link" aria-label="{}">{}</a>', row["link"], label, path)

    source = map_source()
    svg = _PATH.sub(region, source)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(
        r"<title>[^<]*</title>",
        lambda _m: f"<title>{escape(gettext('Polling-station coverage by region'))}</title>{_DEFS}",
        svg,
        count=1,
    )
    # The root keeps its viewBox but not its fixed size (CSS scales it), and is named by the panel's heading.
    svg = re.sub(
        r"<svg\b[^>]*>",
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 551" class="kz-map" role="group" '
        'aria-labelledby="coverage-map-heading">',
        svg,
        count=1,
    )
    return _vendored(svg)  # every value inserted into it was escaped by format_html
