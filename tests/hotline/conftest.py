"""Fixtures of the hotline tests: private files in a temporary MEDIA_ROOT, fresh rate-limit counters per test."""

import uuid

import pytest


@pytest.fixture(autouse=True)
def _hotline_isolation(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Rate-limit counters live in the shared Redis cache: a key prefix of its own per test keeps them apart.
    caches = {name: dict(conf) for name, conf in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"{caches['default'].get('KEY_PREFIX', '')}-{uuid.uuid4().hex[:8]}"
    settings.CACHES = caches
    settings.SITE_URL = "https://hq.example.kz"
