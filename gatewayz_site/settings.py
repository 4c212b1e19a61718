"""Settings for the model catalog.

This is the only module that reads the environment. Every variable is listed in `.env.example`;
`docs/operations.md` says what each one does. Defaults need no server: SQLite and a filesystem
Celery broker, so `make run` works on a bare machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from gatewayz_site.logs import console_logging

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is not set; set it (or DJANGO_DEBUG=true for local development)")
    SECRET_KEY = "django-insecure-local-development-only-" + "0" * 20
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# CORS: the catalog's reads are public data, so a browser page on another origin may read them
# (GET/HEAD and their preflight only, no credentials). `*` or an empty value allows any origin;
# otherwise only the listed ones. The admin, health, cache and system endpoints never answer CORS.
CATALOG_CORS_ORIGINS = env.list("CATALOG_CORS_ORIGINS", default=["*"])
CORS_ALLOW_ALL_ORIGINS = not CATALOG_CORS_ORIGINS or "*" in CATALOG_CORS_ORIGINS
CORS_ALLOWED_ORIGINS = [] if CORS_ALLOW_ALL_ORIGINS else CATALOG_CORS_ORIGINS
CORS_URLS_REGEX = r"^/(catalog/v1/(models|providers|gateways|changes|deprecations)|v1/models|models)(/.*)?$"
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = ("accept", "accept-language", "content-type", "if-none-match", "if-modified-since")
CORS_EXPOSE_HEADERS = ("ETag", "Retry-After", "X-Request-ID", "Deprecation", "Sunset")
CORS_PREFLIGHT_MAX_AGE = 86400

INSTALLED_APPS = [
    "health.admin_apps.CatalogAdminConfig",  # django.contrib.admin with the health dashboard (health/sites.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "corsheaders",
    "catalog",
    "gateways",
    "health",
]

MIDDLEWARE = [
    "gatewayz_site.logs.RequestIdMiddleware",
    "corsheaders.middleware.CorsMiddleware",  # before anything that can answer (CommonMiddleware, gzip)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "gatewayz_site.compression.GZipMiddleware",  # Django's, except for bodies that chose their encoding
    "gatewayz_site.site_middleware.PublicReadSessionMiddleware",  # Django's three, bypassed by public reads
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "gatewayz_site.site_middleware.PublicReadAuthenticationMiddleware",
    "gatewayz_site.site_middleware.PublicReadMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "health.metrics.CatalogRequestMetrics",
    "gatewayz_site.errors.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "gatewayz_site.urls"
WSGI_APPLICATION = "gatewayz_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "gatewayz_site" / "templates"],  # the landing page at /
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # Several processes (web, worker, beat) share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # Tests: a file, not memory, so a Celery worker process started by an end-to-end test (and
    # threads racing for a lease) open the same database as the test.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_cache_url = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
if _cache_url:
    CACHES = {"default": env.cache_url_config(_cache_url)}
    if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        # A cache outage must not take reads down: the catalog is in the database. Each call is
        # bounded, and one that fails stops the others for OUTAGE_RETRY_SECONDS (a short circuit).
        CACHES["default"]["BACKEND"] = "catalog.cache_backend.GuardedRedisCache"
        CACHES["default"].setdefault("OPTIONS", {}).update({"socket_connect_timeout": 0.5, "socket_timeout": 0.5})
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "gatewayz-catalog",
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One timestamp shape on every page (gatewayz_site/formats): 2026-12-04 21:23:05, never "Dec. 4, 2026, 9:23 p.m.".
FORMAT_MODULE_PATH = ["gatewayz_site.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Production serves only what `manage.py collectstatic` wrote to STATIC_ROOT (every deploy runs it
# before starting the web processes, docs/operations.md): content-hashed names, which whitenoise sends
# with a year's Cache-Control, and their gzip variants. Development serves the apps' own folders and
# needs no collectstatic; so does the test suite's own process (tests/conftest.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Security headers; docs/security.md lists the production environment that passes `check --deploy`.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False) else None
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "anon_catalog": env.str("CATALOG_ANON_THROTTLE_RATE", default="600/min"),
    },
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gatewayz model catalog",
    "DESCRIPTION": "AI models from many gateways, normalized to the OpenRouter model shape.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "catalog.schema.gateway_names_hook",
        "catalog.schema.uri_too_long_hook",
        "gateways.webhook_serializers.closed_objects_hook",
    ],
}

# --- Celery -----------------------------------------------------------------------------------
# docs/operations.md explains each knob and how to run workers and beat.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_FILESYSTEM_DIR = Path(env.str("CELERY_BROKER_FILESYSTEM_DIR", default=str(VAR_DIR / "broker")))
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _folder in ("queue", "processed", "control"):
        (CELERY_BROKER_FILESYSTEM_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FILESYSTEM_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_FILESYSTEM_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_FILESYSTEM_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_FILESYSTEM_DIR / "control"),  # else ./control in the cwd
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Well above the hard time limit and the longest retry countdown, so a message is never
        # redelivered while its task still runs or waits for its retry.
        "visibility_timeout": env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=3600),
        # A web process enqueueing a refresh gives up quickly when the broker is down or hung
        # (then `gateways.scheduling` short-circuits the broker). The read timeout stays above the
        # worker's 1 s BRPOP, which would otherwise time out on an idle queue.
        "socket_connect_timeout": 2,
        "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=5.0),
    }
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Web processes enqueue too (stale reads, "refresh now"): one quick retry, then the caller logs and
# goes on (the next tick queues what could not be sent).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
# A refresh whose worker process died is not redelivered: the lease it held would only make the
# redelivery skip; the schedule tries again once the lease has expired.
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"

# --- The catalog's own knobs ------------------------------------------------------------------
# A lease outlives the task's hard time limit, so a killed worker's lease expires by itself.
GATEWAY_LEASE_SECONDS = env.int("GATEWAY_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 60)
if not 0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < GATEWAY_LEASE_SECONDS:
    raise ImproperlyConfigured(
        "need 0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < GATEWAY_LEASE_SECONDS "
        f"(got {CELERY_TASK_SOFT_TIME_LIMIT}, {CELERY_TASK_TIME_LIMIT}, {GATEWAY_LEASE_SECONDS})"
    )
GATEWAY_FETCH_DEADLINE_SECONDS = env.float("GATEWAY_FETCH_DEADLINE_SECONDS", default=60.0)
GATEWAY_MAX_BODY_BYTES = env.int("GATEWAY_MAX_BODY_BYTES", default=32 * 1024 * 1024)
GATEWAY_ALLOW_PRIVATE_HOSTS = env.bool("GATEWAY_ALLOW_PRIVATE_HOSTS", default=False)
# Webhooks (docs/subscribing.md): the deadline of one delivery attempt, and how long every attempt
# of a subscription may fail before it is disabled.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_DISABLE_AFTER_DAYS = env.float("WEBHOOK_DISABLE_AFTER_DAYS", default=3.0)
GATEWAY_MAX_PAGES = env.int("GATEWAY_MAX_PAGES", default=200)
GATEWAY_CIRCUIT_FAILURE_THRESHOLD = env.int("GATEWAY_CIRCUIT_FAILURE_THRESHOLD", default=5)
GATEWAY_CIRCUIT_COOLDOWN_SECONDS = env.int("GATEWAY_CIRCUIT_COOLDOWN_SECONDS", default=900)
GATEWAY_MAX_RETRIES = env.int("GATEWAY_MAX_RETRIES", default=4)
GATEWAY_RETRY_BASE_SECONDS = env.float("GATEWAY_RETRY_BASE_SECONDS", default=30.0)
GATEWAY_RETRY_MAX_SECONDS = env.float("GATEWAY_RETRY_MAX_SECONDS", default=900.0)
# A web process asks for a stale gateway's refresh at most this often (gateways/stale_asks.py).
GATEWAY_STALE_REFRESH_ASK_SECONDS = env.float("GATEWAY_STALE_REFRESH_ASK_SECONDS", default=30.0)
# After the response cache or the broker fails a call, this process leaves it alone this long.
OUTAGE_RETRY_SECONDS = env.float("OUTAGE_RETRY_SECONDS", default=10.0)
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=300)
# How long a process reuses the catalog version and gateway freshness it read (catalog/snapshot.py).
CATALOG_STATE_SECONDS = env.float("CATALOG_STATE_SECONDS", default=1.0)
# Bytes of recently used response-cache entries each process keeps in memory (0: none; catalog/cache.py).
CATALOG_LOCAL_CACHE_BYTES = env.int("CATALOG_LOCAL_CACHE_BYTES", default=32 * 1024 * 1024)
CATALOG_MAX_LIMIT = 1000
# Days of closed price and listing spans kept for `at=` reads and /prices (0: keep everything; catalog/history.py).
CATALOG_PRICE_HISTORY_DAYS = env.int("CATALOG_PRICE_HISTORY_DAYS", default=0)
# Extra names for gateways in `?gateway=` (`old-name=slug,...`), over catalog/aliases.py's own.
CATALOG_GATEWAY_ALIASES = env.dict("CATALOG_GATEWAY_ALIASES", default={})
# /metrics answers staff, a staff API token, or `Authorization: Bearer <METRICS_TOKEN>` (Prometheus).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Several gunicorn workers: the folder where prometheus-client (which reads the variable itself) keeps
# every worker's request metrics, summed by /metrics (health/metrics.py).
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")

# Keys and base-URL overrides per gateway, by slug (upper-cased, "-" -> "_"). Collected here so no
# other module reads the environment; the values never leave gateways/keys.py.
_KEY_PREFIX = "GATEWAY_KEY_"
_URL_PREFIX = "GATEWAY_BASE_URL_"
GATEWAY_KEYS = {
    name[len(_KEY_PREFIX) :]: value for name, value in os.environ.items() if name.startswith(_KEY_PREFIX) and value.strip()
}
GATEWAY_BASE_URLS = {
    name[len(_URL_PREFIX) :]: value.strip()
    for name, value in os.environ.items()
    if name.startswith(_URL_PREFIX) and value.strip()
}

# LOG_FORMAT: json (one object per line), plain (text), or auto: plain when stderr is a terminal (a
# person running a command), json otherwise (services, pipes, log collectors).
LOGGING = console_logging(
    env.str("LOG_FORMAT", default="auto"),
    env.str("LOG_LEVEL", default="INFO"),
    loggers={
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # Our request logger already writes one line per failed request.
        "django.request": {"level": "ERROR"},
    },
)
