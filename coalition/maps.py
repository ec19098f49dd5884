"""The map of Kazakhstan's regions, inlined as SVG: each region drawn with a class, a label and (optionally) a link.

The shapes are the vendored ``static/coalition/kz-regions.svg`` (built by ``scripts/make_kz_map.py``); pages colour
the regions with their own CSS classes and give the same figures in a table. Used by the dashboard's coverage map
and the election-day situation room.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

MAP_FILE = "coalition/kz-regions.svg"

_PATH = re.compile(r'<path id="(?P<code>KZ-\d+)" class="region"(?P<attrs>[^>]*)><title>[^<]*</title></path>')


@dataclass(frozen=True)
class RegionShade:
    """How one region is drawn: its CSS class, its label (the title and the link's name) and its link, if any."""

    css_class: str
    label: str
    link: str = ""


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


def render_map(
    shades: Mapping[str, RegionShade],
    names: Mapping[str, str],
    *,
    title: str,
    labelledby: str,
    defs: SafeString | None = None,
) -> SafeString:
    """Return the map inlined into a page: each region of ``shades`` (by ISO code) with its class, label and link;
    the others drawn as ``out-of-scope`` and not linked. ``defs`` (patterns the classes use) must be the caller's own
    constant markup; the root is named by the element ``labelledby``."""

    def region(match: re.Match) -> str:
        code, attrs = match["code"], match["attrs"]
        shade = shades.get(code)
        if shade is None:  # outside the user's region or filter: drawn, not linked
            return format_html(
                '<path id="{}" class="region out-of-scope"{}><title>{}</title></path>',
                code,
                _vendored(attrs),
                names.get(code, code),
            )
        path = format_html(
            '<path id="{}" class="region {}"{}><title>{}</title></path>',
            code,
            shade.css_class,
            _vendored(attrs),
            shade.label,
        )
        if not shade.link:
            return path
        return format_html('<a href="{}" class="region-link" aria-label="{}">{}</a>', shade.link, shade.label, path)

    svg = _PATH.sub(region, map_source())
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(
        r"<title>[^<]*</title>",
        lambda _m: f"<title>{escape(title)}</title>{defs or ''}",
        svg,
        count=1,
    )
    # The root keeps its viewBox but not its fixed size (CSS scales it), and is named by the page's heading.
    root = format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 551" class="kz-map" role="group" '
        'aria-labelledby="{}">',
        labelledby,
    )
    svg = re.sub(r"<svg\b[^>]*>", lambda _m: root, svg, count=1)
    return _vendored(svg)  # every value inserted into it was escaped by format_html
