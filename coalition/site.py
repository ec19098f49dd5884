"""The site's public address, for links that leave the browser: emails, PDFs, calendar files."""

from django.conf import settings


def absolute_url(path: str) -> str:
    """Return ``path`` (as from ``reverse``) as a full URL on ``SITE_URL``."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"
