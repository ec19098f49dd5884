"""The minutes of a committee meeting as PDF, rendered by WeasyPrint from the same template as the HTML page."""

from __future__ import annotations

import logging

from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string

# WeasyPrint logs every rendering step at INFO; keep its warnings (missing fonts, bad CSS) only.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# The languages the minutes are printed in: the committee's two official languages and English for observers.
LANGUAGES = ("ru", "kk", "en")


def render_pdf(request: HttpRequest, context: dict) -> bytes:
    """Return the minutes as PDF bytes (WeasyPrint needs Pango on the machine; see docs/members.md)."""
    # Imported here, not at the top: WeasyPrint loads Pango and its fonts, which only this one page needs.
    from weasyprint import CSS, HTML

    html = render_to_string("members/staff/minutes_print.html", context, request=request)
    stylesheet = finders.find("members/minutes.css")
    return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(
        stylesheets=[CSS(filename=stylesheet)] if stylesheet else None
    )
