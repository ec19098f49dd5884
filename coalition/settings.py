"""Settings for Coalition HQ, read from the environment (see .env.example for every variable).

One settings module for every environment: what differs is in the environment, never in code. Without
``DATABASE_URL``/``REDIS_URL`` the URLs written by ``python -m coalition.devservices`` to ``var/services.env`` are
used; importing this module never starts a server.
"""

from pathlib import Path
from typing import Any

import environ
from cryptography.fernet import Fernet
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
# URLs of the embedded development servers, when they run (written by coalition.devservices).
if (VAR_DIR / "services.env").exists():
    env.read_env(VAR_DIR / "services.env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for development).")
    SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"  # noqa: S105  # nosec B105 # DEBUG only

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

if not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set and no embedded server runs: use `make run` / `make test`, "
        "or start one with `python -m coalition.devservices up`."
    )
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services open their own transactions
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming replica of the primary for the situation room's and the results' reads (coalition.dbrouter.replica);
# unset, they read the primary. Writes and migrations always go to the primary (dbrouter.PrimaryReplicaRouter).
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["ATOMIC_REQUESTS"] = False
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests read the test database through it
DATABASE_ROUTERS = ["coalition.dbrouter.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL is not set: see DATABASE_URL above.")
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="coalition")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
    }
}

INSTALLED_APPS = [
    "coalition.apps.SuperuserAdminConfig",  # /admin/ for superusers; /audit/ is coalition.admin.audit_site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "phonenumber_field",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_celery_beat",
    "pgtrigger",
    "ninja",  # its templates and static files: the API docs (/api/v1/docs) load Swagger UI from here, not a CDN
    "coalition",
    "members",
    "donations",
    "events",
    "hotline",
    "electionday",
    "dashboard",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # 413/429 from Content-Length and the view's declared budget, before anything below reads the body.
    "coalition.middleware.RequestBudgetMiddleware",
    "coalition.middleware.RefuseNulMiddleware",  # 400 to a NUL byte in the URL: PostgreSQL text cannot hold one
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: every view needs a login unless marked @login_not_required (docs/security.md lists them).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "coalition.access.SecondFactorMiddleware",  # a TOTP code before any staff page, where one is owed
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "coalition.urls"
WSGI_APPLICATION = "coalition.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coalition.context_processors.coalition",
                "csp.context_processors.nonce",
            ],
        },
    }
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out logins before checking passwords
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions: a working day at most, and gone when the browser closes (staff use shared office computers).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# TOTP second factor (django-otp): optional for every staff user, required for superusers and these roles, judged on
# every request so a role granted mid-session is held at once (coalition.twofactor). Auditors read all personal data.
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=["finance_officer", "integrity_officer", "auditor"])
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Coalition HQ")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# The reverse proxies whose X-Forwarded-For is believed (addresses or networks, e.g. 127.0.0.1,::1 for nginx on the
# same host). Empty: REMOTE_ADDR is the client. Login lockouts and rate limits key on coalition.proxy.client_ip.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Brute-force protection for the staff login (django-axes, coalition.lockout): lock the username (from any address)
# after AXES_FAILURE_LIMIT failures in a row for LOGIN_LOCKOUT_MINUTES, doubled by every try during the lockout, up
# to LOGIN_LOCKOUT_MAX_HOURS.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
LOGIN_LOCKOUT_MAX_HOURS = env.int("LOGIN_LOCKOUT_MAX_HOURS", default=24)
if AXES_FAILURE_LIMIT < 1 or LOGIN_LOCKOUT_MINUTES < 1 or LOGIN_LOCKOUT_MAX_HOURS * 60 < LOGIN_LOCKOUT_MINUTES:
    raise ImproperlyConfigured(
        "AXES_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be at least 1, LOGIN_LOCKOUT_MAX_HOURS not below them."
    )
AXES_COOLOFF_TIME = "coalition.lockout.cool_off"
AXES_USE_ATTEMPT_EXPIRATION = True  # each username's attempts expire on their own backoff (coalition.lockout)
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 warns that without ip_address rotating the User-Agent escapes a lock: not with "username" alone, whose
# failures axes sums over every address and agent (tests/security/test_behind_proxy.py). An address would be
# either everyone's (127.0.0.1 behind nginx) or a botnet's many.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_CLIENT_IP_CALLABLE = "coalition.proxy.client_ip"  # recorded with each attempt: the client, not the proxy
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Internationalisation: Russian first, then Kazakh and English.
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("kk", _("Kazakh")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["coalition.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Almaty")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"
# Private files (evidence, letters, photos: coalition.storage.private_storage) stay on the local disk under MEDIA_ROOT
# unless AWS_STORAGE_BUCKET_NAME names a bucket of S3-compatible object storage (django-storages), which every web
# node and worker then shares. Objects are written with a private ACL and have no public URL either way.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,  # empty: Amazon S3 itself
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            # Empty: boto3's own chain (its environment variables, an instance role).
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,  # "path" for MinIO and the like
            "location": env.str("AWS_LOCATION", default=""),  # a key prefix inside the bucket
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["private"] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}  # MEDIA_ROOT
WHITENOISE_USE_FINDERS = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
PHONENUMBER_DEFAULT_REGION = "KZ"
PHONENUMBER_DB_FORMAT = "E164"

# Email: files under var/mail/ in development (one file per message key, so a re-send never duplicates).
EMAIL_FILE_PATH = Path(env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail")))
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
elif env.str("EMAIL_BACKEND", default="") or DEBUG:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="coalition.outbox.backends.KeyedFileEmailBackend")
else:
    raise ImproperlyConfigured("Set EMAIL_URL (for example smtp+tls://user:password@host:587).")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Коалиция <hq@coalition.example.kz>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SMS_BACKEND = env.str("SMS_BACKEND", default="coalition.outbox.backends.FileSMSBackend")
SMS_FILE_PATH = Path(env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms")))
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=5)
# The sweeper queues one task per OUTBOX_BATCH_SIZE due messages (at most OUTBOX_SWEEP_MAX_BATCHES per run); each
# task sends its batch over one connection in one transaction.
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=200)
OUTBOX_SWEEP_MAX_BATCHES = env.int("OUTBOX_SWEEP_MAX_BATCHES", default=500)
if OUTBOX_BATCH_SIZE < 1 or OUTBOX_SWEEP_MAX_BATCHES < 1:
    raise ImproperlyConfigured("OUTBOX_BATCH_SIZE and OUTBOX_SWEEP_MAX_BATCHES must be at least 1.")

# Celery: the database row is the truth for what must be sent; the broker is only a wake-up call
# (see docs/conventions.md "Facts about failure").
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="coalition")
# Tasks by urgency (coalition.celery.route_by_urgency): these go to the urgent queue, "<default queue>.urgent" unless
# CELERY_URGENT_QUEUE names it, which a worker of its own consumes so an election-day alert never waits behind a
# backlog of reminders; everything else goes to the default queue.
CELERY_URGENT_QUEUE = env.str("CELERY_URGENT_QUEUE", default="")
CELERY_URGENT_TASKS = ["coalition.tasks.deliver_urgent_message"]
CELERY_TASK_ROUTES = ["coalition.celery.route_by_urgency"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 300,
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Synced into the database by django-celery-beat at start, so staff see and change them in the admin.
CELERY_BEAT_SCHEDULE = {
    "outbox-deliver-pending": {"task": "coalition.tasks.deliver_pending_messages", "schedule": 60.0},
    "members-new-application-digest": {"task": "members.tasks.send_new_application_digest", "schedule": 3600.0},
    "members-waiting-applications": {"task": "members.tasks.remind_waiting_applications", "schedule": 86400.0},
    "events-send-due-reminders": {"task": "events.tasks.send_due_reminders", "schedule": 300.0},
    "events-notice-deadline-reminders": {"task": "events.tasks.send_notice_deadline_reminders", "schedule": 3600.0},
    "events-daily-digests": {"task": "events.tasks.send_daily_digests", "schedule": 3600.0},
    "events-report-reminders": {"task": "events.tasks.send_report_reminders", "schedule": 3600.0},
    "hotline-escalate-sla": {"task": "hotline.tasks.escalate_sla_breaches", "schedule": 900.0},
    "hotline-follow-up-reminders": {"task": "hotline.tasks.send_follow_up_reminders", "schedule": 3600.0},
    "hotline-anonymise-expired": {"task": "hotline.tasks.anonymise_expired_reports", "schedule": 86400.0},
    "donations-deadline-alerts": {"task": "donations.tasks.send_deadline_alerts", "schedule": 86400.0},
    "donations-daily-reports": {"task": "donations.tasks.file_daily_reports", "schedule": 86400.0},
}

# Security: production values by default; DEBUG relaxes only what a local http:// server needs.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'", NONCE],  # the base template's scripts carry the per-response nonce
        "font-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
RATELIMIT_USE_CACHE = "default"
RATELIMIT_VIEW = "coalition.views.ratelimited"
# Rate limits count per client (the address a trusted proxy reports) under an HMAC keyed by SECRET_KEY: the cache
# holds no address and nothing computable from one (coalition.proxy).
RATELIMIT_IP_META_KEY = "coalition.proxy.client_ip"
RATELIMIT_HASH_ALGORITHM = "coalition.proxy.SaltedHash"
# The largest request body a view accepts unless it declares its own (coalition.middleware.request_budget).
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=3 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint narrates every PDF step at INFO; keep its warnings only.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# The public address used in links inside emails and PDFs (registration links, receipts, letters).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
HOTLINE_RATE = env.str("HOTLINE_RATE", default="10/h")  # posts per IP to the public hotline forms
COALITION_NAME = env.str("COALITION_NAME", default="Народная коалиция")
HOTLINE_PHONE = env.str("HOTLINE_PHONE", default="+7 7172 707 616")
# The hotline's identity vault is encrypted at rest (hotline/vault.py): comma-separated Fernet keys, the
# first encrypts and every one decrypts (rotation: docs/operations.md). Required in production; a development
# machine gets a fixed, publicly known key, which protects nothing.
HOTLINE_IDENTITY_KEYS = env.list("HOTLINE_IDENTITY_KEYS", default=[])
if not HOTLINE_IDENTITY_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set HOTLINE_IDENTITY_KEYS (or DEBUG=1 for development): "
            'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        )
    HOTLINE_IDENTITY_KEYS = ["ZGV2ZWxvcG1lbnQtb25seS1ob3RsaW5lLWtleS0wMDA="]  # nosec B105 # DEBUG only
try:
    for _key in HOTLINE_IDENTITY_KEYS:
        Fernet(_key)
except ValueError as exc:
    raise ImproperlyConfigured(f"HOTLINE_IDENTITY_KEYS holds a value that is not a Fernet key: {exc}") from None
# Bulk import of people (members/people_import/): a bigger file is refused whole, before anything is written.
PEOPLE_IMPORT_MAX_BYTES = env.int("PEOPLE_IMPORT_MAX_BYTES", default=2 * 1024 * 1024)
PEOPLE_IMPORT_MAX_ROWS = env.int("PEOPLE_IMPORT_MAX_ROWS", default=2000)
PEOPLE_IMPORT_MAX_LINE = env.int("PEOPLE_IMPORT_MAX_LINE", default=2000)  # characters in one line of the file
PEOPLE_IMPORT_PREVIEW_HOURS = env.int("PEOPLE_IMPORT_PREVIEW_HOURS", default=24)  # then a preview must be redone
# The situation room (electionday/situation.py): the closing checklist (without a due time of its own) and the
# protocol are late this long after the polls close; the page refreshes itself every so many seconds (1-30).
ELECTIONDAY_PROTOCOL_GRACE_MINUTES = env.int("ELECTIONDAY_PROTOCOL_GRACE_MINUTES", default=120)
ELECTIONDAY_SITUATION_REFRESH_SECONDS = env.int("ELECTIONDAY_SITUATION_REFRESH_SECONDS", default=20)
# How long the situation room's station statuses are shared between the staff pages refreshing them (0: never).
ELECTIONDAY_SITUATION_CACHE_SECONDS = env.int("ELECTIONDAY_SITUATION_CACHE_SECONDS", default=5)
if ELECTIONDAY_PROTOCOL_GRACE_MINUTES < 0 or not 1 <= ELECTIONDAY_SITUATION_REFRESH_SECONDS <= 30:
    raise ImproperlyConfigured(
        "ELECTIONDAY_PROTOCOL_GRACE_MINUTES must be 0 or more and ELECTIONDAY_SITUATION_REFRESH_SECONDS 1 to 30."
    )
