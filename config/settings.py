"""Settings for Dailies, read from environment variables.

Safe defaults make `make demo` work on a fresh machine (SQLite under var/, tasks run in-process);
production sets DATABASE_URL, CELERY_BROKER_URL, DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_str(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name, default):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name, default=()):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
TESTING = env_bool("DAILIES_TESTING", False)

DEV_SECRET_KEY = "insecure-dev-only-key-never-use-in-production"
# Keys printed in this repository (the dev key, docker-compose's old fallback): public, so never a secret.
PUBLISHED_SECRET_KEYS = {DEV_SECRET_KEY, "change-me-to-a-long-random-string-before-deploying-anywhere"}
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")
    SECRET_KEY = DEV_SECRET_KEY
elif SECRET_KEY in PUBLISHED_SECRET_KEYS and not (DEBUG or TESTING):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is a key published in the Dailies repository; set a long random one, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.syndication",
    "django_htmx",
    "template_partials",
    "simple_history",
    "csp",
    "axes",
    "events",
    "ingest",
    "alerts",
    "courts",
]

MIDDLEWARE = [
    # Outermost: every other middleware and view sees a HEAD request as the GET it stands for.
    "config.middleware.HeadAsGetMiddleware",
    "config.middleware.RefuseNulBytesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Axes turns a locked-out login into its 429 page; it must wrap the views, so it comes last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'dailies.sqlite3'}"
if DATABASE_URL.startswith("sqlite"):
    VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # SQLite: one writer at a time; wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache share one server, on the database numbers assigned here -------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or None


def redis_database(url, offset):
    """The same Redis server as `url`, `offset` database numbers further on (the broker's is N, the cache's N+1)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    current = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{current + offset}"))


REDIS_URL = env_str("REDIS_URL") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL and CELERY_BROKER_URL.startswith("redis") else None
)
# Each pytest-xdist worker has its own test database, so it gets its own cache keys too.
CACHE_KEY_PREFIX = "dailies" + env_str("PYTEST_XDIST_WORKER", "")

if REDIS_URL:
    CACHES = {
        "default": {
            # A Redis outage makes every cache call a logged miss instead of a 500 (config/cache.py).
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": redis_database(REDIS_URL, 1),
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                # Bounds (config/cache.py): no value over this size is stored, and a Redis without a memory
                # bound gets this one (volatile-lru). Tests share one Redis server and leave it alone.
                "max_entry_bytes": env_int("DAILIES_CACHE_MAX_ENTRY_BYTES", 512 * 1024),
                "maxmemory": env_str("DAILIES_CACHE_MAXMEMORY", "0" if TESTING else "256mb"),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"MAX_ENTRIES": env_int("DAILIES_CACHE_MAX_ENTRIES", 5000)},  # the demo's bound
        }
    }

# --- Celery ---------------------------------------------------------------------------------------
# Without a broker, tasks run in-process (the demo); with one, on workers.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
# Celery's Django fixup otherwise closes the database connection around every task (a new PostgreSQL
# connection per article); reused, it is checked before each task and dropped after any failure or
# retry, like a web request's (ingest.tasks), and closed after CONN_MAX_AGE anyway.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
# Redis redelivers an unacknowledged task after this many seconds. It must exceed the hard time limit
# (so a running task is never handed to a second worker) and every countdown or retry delay we use.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"ingest.tasks.*": {"queue": "ingest"}}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Beat: every minute, enqueue a poll for each feed that is due (ingest.tasks.poll_due_feeds claims them).
# DAILIES_BEAT_INTERVAL shortens the tick (seconds) for tests of the whole stack.
BEAT_INTERVAL = env_int("DAILIES_BEAT_INTERVAL", 60)
CELERY_BEAT_SCHEDULE = {
    "poll-due-feeds": {
        "task": "ingest.tasks.poll_due_feeds",
        "schedule": float(BEAT_INTERVAL),
        "options": {"expires": BEAT_INTERVAL * 55 / 60},  # a tick not run before the next is dropped
    },
    # Alerts: digests at 07:00 UTC (weekly on Mondays); sends that a lost task left behind, every 5 minutes.
    "alerts-daily-digest": {
        "task": "alerts.tasks.send_digests", "schedule": crontab(minute=0, hour=7), "args": ["daily"],
    },
    "alerts-weekly-digest": {
        "task": "alerts.tasks.send_digests", "schedule": crontab(minute=0, hour=7, day_of_week=1), "args": ["weekly"],
    },
    "alerts-sweep-unsent": {"task": "alerts.tasks.sweep_unsent", "schedule": 300.0, "options": {"expires": 290}},
    # Every six hours, a poll of each tracked lawsuit's CourtListener docket (a no-op without a token).
    "poll-tracked-dockets": {
        "task": "courts.tasks.poll_tracked_dockets",
        "schedule": 6 * 3600.0,
        "options": {"expires": 3600},
    },
}

# --- CourtListener (courts/): docket updates; off unless a token is set --------------------------
COURTLISTENER_TOKEN = env_str("COURTLISTENER_TOKEN", "")
COURTLISTENER_API_URL = env_str("COURTLISTENER_API_URL") or "https://www.courtlistener.com/api/rest/v4/"
# 5,000 requests an hour are allowed to an authenticated user: 0.75 s apart stays under it.
COURTLISTENER_MIN_INTERVAL = float(env_str("COURTLISTENER_MIN_INTERVAL") or 0.75)
# A 429's Retry-After up to this many seconds is waited out in place; a longer one reschedules the task.
COURTLISTENER_INLINE_WAIT = env_int("COURTLISTENER_INLINE_WAIT", 15)

# --- Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
if DEBUG or TESTING:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise

# --- Security -------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# HTTPS everywhere in production. DJANGO_HTTPS=0 turns it off for a plain-http deployment behind nothing
# (loopback benchmarks); tests and the demo run on http.
HTTPS = env_bool("DJANGO_HTTPS", not (DEBUG or TESTING))
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Only behind a proxy that sets X-Forwarded-Proto itself (and strips the client's); trusting it otherwise
# would let any client claim https.
# gunicorn.conf.py follows the same switch (gunicorn otherwise trusts these headers from loopback itself).
BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Login throttling counts the client's address, which only the proxy knows: the last X-Forwarded-For hop.
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = 1
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)  # a client's X-Forwarded-For is not believed

# Content-Security-Policy (django-csp 4): our own scripts and styles only, nothing inline, no eval.
# htmx runs under it because base.html turns off its injected indicator <style> and its eval features.
# The Django admin (5.2) needs no inline script either: its data rides in data-* attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        **({"upgrade-insecure-requests": True} if HTTPS else {}),
    }
}

# Admin login throttling (django-axes): after 5 failures for one username from one IP, that pair is
# locked out for an hour. Client.login() in tests passes no request, which Axes refuses with an error,
# so Axes is off under DAILIES_TESTING unless AXES_ENABLED=1 (tests/security switch it on).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", not TESTING)
AXES_FAILURE_LIMIT = 5
AXES_VERBOSE = False  # no banner on every management command
AXES_COOLOFF_TIME = datetime.timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_COOLOFF_MESSAGE = (
    "Too many failed login attempts for this account from your address. Try again in an hour."
)

# --- Logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # Django's default config gives "django" a console handler of its own in debug; with ours on the root
    # every warning was printed twice. Its records now reach the console once, through the root.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
}

# --- Dailies --------------------------------------------------------------------------------------
DAILIES_PAGE_SIZE = 25
DAILIES_MAX_PAGE_SIZE = 100
# bench/web.py's floor: a bare view at /_bench/bare, only where this is switched on.
DAILIES_BENCH_VIEWS = env_bool("DAILIES_BENCH_VIEWS", False)

# --- Fetcher (ingest/fetch.py) --------------------------------------------------------------------
# Non-public addresses are refused; this opens loopback only (the demo and tests serve from 127.0.0.1),
# never private, link-local or other ranges.
DAILIES_FETCH_ALLOW_PRIVATE = env_bool("DAILIES_FETCH_ALLOW_PRIVATE", False)
DAILIES_FETCH_MAX_BYTES = env_int("DAILIES_FETCH_MAX_BYTES", 15 * 1024 * 1024)  # after decompression
DAILIES_FETCH_CONNECT_TIMEOUT = 5  # seconds
DAILIES_FETCH_READ_TIMEOUT = 15  # seconds of silence from the server
# Wall-clock budget for one fetch, redirects and body included; well below CELERY_TASK_SOFT_TIME_LIMIT.
DAILIES_FETCH_DEADLINE = env_int("DAILIES_FETCH_DEADLINE", 30)
DAILIES_FETCH_USER_AGENT = "DailiesBot/0.1 (+https://github.com/dailies)"
# At most this many article fetches at a time to one host, over all workers (ingest/hosts.py).
DAILIES_FETCH_PER_HOST = env_int("DAILIES_FETCH_PER_HOST", 2)
# A feed poll hands on at most this many new entries, newest first; the rest come on the next poll.
DAILIES_FEED_MAX_ENTRIES = env_int("DAILIES_FEED_MAX_ENTRIES", 50)
# ...and reads only the first this many items of a feed document (parsing costs seconds per thousand).
DAILIES_FEED_MAX_ITEMS_READ = env_int("DAILIES_FEED_MAX_ITEMS_READ", 1000)

# --- Mail and alerts (alerts/) --------------------------------------------------------------------
# SMTP when EMAIL_HOST is set; otherwise mail is written as files under var/mail/ (the demo says so).
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Dailies <alerts@dailies.invalid>")
# The absolute address of the site, for links in mail, feeds and webhooks.
ALERTS_SITE_URL = env_str("ALERTS_SITE_URL", "http://127.0.0.1:8000")
ALERTS_MAIL_DOMAIN = env_str("ALERTS_MAIL_DOMAIN", "dailies.invalid")
ALERTS_DAILY_CAP = env_int("ALERTS_DAILY_CAP", 20)  # messages per reader per 24 hours; the rest wait for the digest
ALERTS_SIGN_IN_MAX_AGE = env_int("ALERTS_SIGN_IN_MAX_AGE", 30 * 60)  # seconds a mailed sign-in link works
ALERTS_SIGN_INS_PER_ADDRESS = env_int("ALERTS_SIGN_INS_PER_ADDRESS", 5)  # links mailed per address per hour
ALERTS_SIGN_INS_PER_IP = env_int("ALERTS_SIGN_INS_PER_IP", 20)  # links requested per client address per hour
ALERTS_WEBHOOK_TIMEOUT = env_int("ALERTS_WEBHOOK_TIMEOUT", 10)  # seconds for one POST
ALERTS_WEBHOOK_MAX_ATTEMPTS = env_int("ALERTS_WEBHOOK_MAX_ATTEMPTS", 6)
ALERTS_WEBHOOK_RETRY_BASE = env_int("ALERTS_WEBHOOK_RETRY_BASE", 60)  # seconds; doubles at each retry
