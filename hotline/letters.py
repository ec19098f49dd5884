"""The letter that forwards a case to an agency: rendered from a template, as PDF (weasyprint) or printable HTML.

WeasyPrint needs Pango from the system; where it cannot load, the letter is kept as a printable HTML page
instead, so forwarding never fails for want of a library.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def pdf_available() -> bool:
    """Return whether WeasyPrint (and the Pango it loads) works on this machine."""
    # WeasyPrint is imported where a PDF is made: it loads Pango, a system library a machine may lack.
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def render_letter(context: dict, *, language: str = "ru") -> tuple[bytes, str, str]:
    """Return ``(content, content_type, extension)`` of the letter for ``context``."""
    with translation.override(language):
        html = render_to_string("hotline/letter.html", {**context, "COALITION_NAME": settings.COALITION_NAME})
    if pdf_available():
        import weasyprint  # here, not at the top: see pdf_available

        return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(), "application/pdf", "pdf"
    return html.encode(), "text/html", "html"
