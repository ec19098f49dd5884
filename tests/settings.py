"""Settings for the test suite: the project's settings with test-only values that need no environment."""

import os
import uuid

os.environ.setdefault("DEBUG", "0")  # production-like, whatever var/services.env says for development
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("HOTLINE_IDENTITY_KEYS", "_w7b3B60Pnox0uL753r4ZH-8GCGF3_gIMpjtPG_cZv8=")  # tests-only Fernet key

from coalition.settings import *  # noqa: F403

_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
_run = os.environ.setdefault("COALITION_TEST_RUN", uuid.uuid4().hex[:8])

# Each test run and xdist worker gets its own cache keys and Celery queue on the shared Redis,
# so a developer's running worker never picks up a test's task (and tests never see each other's keys).
CACHES["default"]["KEY_PREFIX"] = f"test-{_run}-{_worker}"  # noqa: F405


def _worker_database(url: str, worker: str) -> str:
    """Give each xdist worker its own Redis database for the cache (gw0 -> 1, gw1 -> 2, …; a plain run keeps the
    URL's): tests that empty the cache (``cache.clear()`` is FLUSHDB) or read every rate-limit key must not see
    another worker's keys, nor wipe them mid-test."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if not worker.startswith("gw") or parts.scheme not in ("redis", "rediss"):
        return url
    return urlunsplit(parts._replace(path=f"/{1 + int(worker[2:]) % 15}"))


CACHES["default"]["LOCATION"] = _worker_database(CACHES["default"]["LOCATION"], _worker)  # noqa: F405
CELERY_TASK_DEFAULT_QUEUE = f"test-{_run}-{_worker}"
# Several checkouts or helpers may test against one server at once: TEST_DB_SUFFIX keeps their databases apart.
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}{os.environ.get('TEST_DB_SUFFIX', '')}"}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never outside tests
SECURE_SSL_REDIRECT = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The situation room reads fresh statuses in tests (one test turns the short cache on).
ELECTIONDAY_SITUATION_CACHE_SECONDS = 0
