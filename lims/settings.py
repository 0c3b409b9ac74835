"""Settings for the LIMS: one module, every value from the environment with an embedded default.

See `.env.example` for the list. DATABASE_URL unset starts a private PostgreSQL under var/; REDIS_URL unset runs
Celery tasks in-process. Production sets both, DEBUG=false and a real SECRET_KEY.
"""
from datetime import timedelta
from pathlib import Path

import dj_database_url
import pgtrigger
from celery.schedules import crontab
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured

from lims.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me-for-anything-real-0123456789"
DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "lims",
    "colonies",
    "procedures",
    "procedures.dcc",
    # The top floor's commands (bench, seed_scale, loadtest, load_demo): an app so that Django finds them.
    "lims.bench",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "lims.audit.AuditContextMiddleware",
    # A unique value taken by a concurrent request answers 400 naming it, on HTML pages too (lims.integrity).
    "lims.integrity.UniqueViolationMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout answer (429).
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out username+IP before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "lims.urls"
WSGI_APPLICATION = "lims.wsgi.application"
AUTH_USER_MODEL = "lims.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"  # lims.dashboard.landing: each role lands on its own work
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lims.context_processors.navigation",
            ],
        },
    },
]

# --- Database: PostgreSQL only -------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    from lims.embedded_db import embedded_database_settings

    DATABASES = {"default": embedded_database_settings(BASE_DIR / "var" / "pgdata")}
DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMBEDDED_DATABASE = not DATABASE_URL

# --- Redis, Celery, cache ---------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 1800)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 1700)
# Redis redelivers unacknowledged tasks after the visibility timeout: keep it well above the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT + 600}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = CELERY_BROKER_TRANSPORT_OPTIONS
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # Daily at 00:15 UTC: scheduled tests whose window ended yesterday become "missed".
    "procedures-tests-mark-missed": {"task": "procedures.tasks.tests_mark_missed",
                                     "schedule": crontab(hour=0, minute=15)},
    # Daily at 05:00 UTC: colony reminders (wean, litter check, …) for the day, and the managers' e-mail digests.
    "colonies-reminders-compute": {"task": "colonies.tasks.reminders_compute_all",
                                   "schedule": crontab(hour=5, minute=0)},
    # Every 5 minutes: DCC submissions whose worker died mid-build are re-queued (they resume where they stopped).
    "dcc-requeue-stale": {"task": "procedures.dcc.tasks.requeue_stale", "schedule": crontab(minute="*/5")},
    # Every 5 minutes: procedure uploads whose worker died are re-queued (from the start), or failed after 3 starts.
    "procedures-uploads-requeue-stale": {"task": "procedures.tasks.uploads_requeue_stale",
                                         "schedule": crontab(minute="*/5")},
}

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth, i18n, static -----------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# The record form of the full IMPReSS definition has up to 760 inputs (Histopathology) and the batch page a block
# per mouse (Combined SHIRPA: 170 inputs a mouse, up to 200 mice); Django's default of 1,000 fields would refuse a
# batch of six.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 50_000

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy on every answer (django-csp; Django 5.2 has none of its own). Scripts only from our own
# static files: no inline <script>, no on…= handlers, no javascript: URLs, so an injected tag cannot run. Styles only
# from our files too; `style` attributes are allowed (style-src-attr): bar widths and chart sizes are data, and an
# attribute can neither run script nor read the page. tests/security/test_csp.py checks every page against it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "style-src-elem": [csp.SELF],
        "style-src-attr": [csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:"],  # Swagger UI's icons are data: URIs in its stylesheet
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Failed logins (django-axes) -----------------------------------------------------------------------------------
# Five wrong passwords for one username from one address lock that pair out for the cool-off; another user on the
# same shared lab PC, or the same user elsewhere, is not locked. Attempts are stored in the database (every web
# machine sees them). Behind nginx set AXES_IPWARE_PROXY_COUNT=1 so the client's address comes from X-Forwarded-For.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no "AXES: BEGIN" banner on every manage.py command
AXES_IPWARE_PROXY_COUNT = env_int("AXES_IPWARE_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]

# --- REST API ---------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "lims.tokens.CachedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["lims.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "lims.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "lims.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# How long a token lookup stays cached at most (`lims.tokens.CachedTokenAuthentication`): revoking a token or
# changing its user drops the entry at once; this bounds the lag of another process's own cache when there is no Redis.
LIMS_API_TOKEN_CACHE_SECONDS = env_int("LIMS_API_TOKEN_CACHE_SECONDS", 300)
SPECTACULAR_SETTINGS = {
    "TITLE": "LIMS API",
    "DESCRIPTION": "Mouse production, colony management, phenotyping and DCC submission.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs describe every route and field: only for users who are logged in (session or token).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A mouse's kind appears in the mouse and in its correction (POST /api/v1/mice/{id}/correct/): one enum.
    "ENUM_NAME_OVERRIDES": {"CageTypeEnum": "colonies.models.Cage.CageType",
                            "MouseKindEnum": "colonies.models.Mouse.Kind"},
}

# --- Audit ------------------------------------------------------------------------------------------------------
PGHISTORY_APPEND_ONLY = True
# Statement-level audit triggers: one INSERT … SELECT of events per statement, from its transition table, instead
# of one event insert and one context upsert per row. A bulk insert of 16,000 values took 7.5 s with row-level
# triggers and 0.3 s with statement-level ones (0.2 s with none); every event still has its full row and its
# context (who, why, which request or command), and an update's previous values are the record's previous event.
PGHISTORY_LEVEL = pgtrigger.Statement
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# --- Domain -----------------------------------------------------------------------------------------------------
_default_xsd = BASE_DIR.parent / "shared" / "dcc" / "xsd"
LIMS_DCC_XSD_DIR = Path(env_str("LIMS_DCC_XSD_DIR", str(_default_xsd)))
LIMS_DCC_OUTBOX = Path(env_str("LIMS_DCC_OUTBOX", str(BASE_DIR / "var" / "dcc")))
# The centre's SFTP file source the DCC crawler polls (sftp://user@host:port/path); empty = deliver to the outbox.
LIMS_DCC_SFTP_URL = env_str("LIMS_DCC_SFTP_URL", "")
LIMS_DCC_SFTP_PASSWORD = env_str("LIMS_DCC_SFTP_PASSWORD", "")
LIMS_DCC_SFTP_KEY_FILE = env_str("LIMS_DCC_SFTP_KEY_FILE", "")
# A building/validated submission untouched this long (seconds) lost its worker; `requeue_stale` re-enqueues it.
LIMS_DCC_STALE_AFTER = env_int("LIMS_DCC_STALE_AFTER", CELERY_TASK_TIME_LIMIT + 60)
# A pending/running procedure upload untouched this long (seconds) lost its worker; `uploads_requeue_stale` re-enqueues
# it (or fails it after UploadJob.MAX_ATTEMPTS starts).
LIMS_UPLOAD_STALE_AFTER = env_int("LIMS_UPLOAD_STALE_AFTER", CELERY_TASK_TIME_LIMIT + 60)
# Largest unpacked size (MB) of one zip given to `dcc_import`/`dcc_validate`; checked before anything is unpacked.
LIMS_ZIP_MAX_UNPACKED_MB = env_int("LIMS_ZIP_MAX_UNPACKED_MB", 512)
# Test only: seconds the build sleeps between phases, so the worker-kill test can land its SIGKILL mid-build.
LIMS_DCC_TEST_PHASE_DELAY = float(env_str("LIMS_DCC_TEST_PHASE_DELAY", "0"))
LIMS_DEMO_PASSWORD = env_str("LIMS_DEMO_PASSWORD", "demo")
# The address people open the LIMS at; e-mails (the reminder digest) link to it. Empty: links are paths only.
LIMS_SITE_URL = env_str("LIMS_SITE_URL", "")
# The sender of the LIMS's e-mails; EMAIL_HOST empty: e-mails are printed to the log (console backend).
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "lims@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_BACKEND = ("django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
                 else "django.core.mail.backends.console.EmailBackend")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}
