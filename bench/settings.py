"""Settings for the benchmarks: the project's own settings, plus the floor views' URLconf (never in the app's URLs).

Production-like (DEBUG off, no query logging); the public form's rate limit keys on a header the load generator
sets to a new address per request, so the limiter's Redis round trip stays in the measured path without refusing
the benchmark's own traffic.
"""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("EMAIL_BACKEND", "coalition.outbox.backends.KeyedFileEmailBackend")
os.environ.setdefault("HOTLINE_IDENTITY_KEYS", "YmVuY2gtb25seS1ob3RsaW5lLWlkZW50aXR5LWtleTA=")  # bench-only Fernet key

from coalition.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
CELERY_IMPORTS = ["bench.tasks"]  # the no-op task of the reminders floor
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
RATELIMIT_IP_META_KEY = "HTTP_X_BENCH_CLIENT"
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "bench")
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
