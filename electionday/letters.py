"""The complaint letter made from an incident: rendered from a template, as PDF (weasyprint) or printable HTML.

Like the hotline's letters (hotline/letters.py, whose WeasyPrint check it shares), it is written in Russian, the
language state bodies accept everywhere; the evidence is listed with each file's SHA-256, so the agency can check
that the files it receives are the ones the observer sent.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from hotline.letters import pdf_available


def render_complaint(context: dict[str, Any], *, language: str = "ru") -> tuple[bytes, str, str]:
    """Return ``(content, content_type, extension)`` of the complaint letter for ``context``."""
    with translation.override(language):
        html = render_to_string(
            "electionday/incidents/letter.html", {**context, "COALITION_NAME": settings.COALITION_NAME}
        )
    if pdf_available():
        import weasyprint  # here, not at the top: it loads Pango (see hotline.letters.pdf_available)

        return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(), "application/pdf", "pdf"
    return html.encode(), "text/html", "html"
