"""Settings for Smena, read from the environment (and `.env` when present).

Every variable is listed in `.env.example`. Defaults are the embedded ones (SQLite,
a file-system Celery broker, private local files) so the demo runs with no server.
"""

from pathlib import Path

import environ
from django.templatetags.static import static
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Django core -------------------------------------------------------------------

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.import_export",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "django_celery_results",
    "import_export",
    "axes",
    "core",
    "notifications",
    "moderation",
    "botrunner",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"
AUTH_USER_MODEL = "core.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
    },
]

# --- Database ----------------------------------------------------------------------

if "DATABASE_URL" not in env:
    # The embedded default: an SQLite file under var/, made on first use.
    VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web, worker, beat and bot processes share one SQLite file in the demo:
    # WAL and immediate transactions keep them from failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # Django's connection pool (psycopg_pool), one per process: a connection is
    # taken per request, task or bot update and given back after it; the pool
    # checks it before handing it out, so a database restart costs no request.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        # Seconds a caller waits for a free connection (or the server) before
        # an error: long enough for a burst, short enough to retry an outage.
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=5.0),
    }

# --- Cache -------------------------------------------------------------------------

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, answering as an empty cache while Redis is down
            # (everything cached can be made again): pages keep working.
            "BACKEND": "core.cache.OutageTolerantRedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that hangs instead of refusing must not hang the pages.
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 2.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth and security -------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Staff only ever log in to the admin.
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
# Login throttling: AXES_FAILURE_LIMIT failures from one client address, whatever
# the usernames tried, lock that address out for AXES_COOLOFF_HOURS. A username is
# never locked for everybody, so nobody can lock `admin` out from elsewhere; and
# spraying one password over many usernames is limited like guessing one. (axes
# has one limit for all its lockout parameters: adding ["username", "ip_address"]
# to the list would change nothing, the address alone always counts at least as
# many failures.) A successful login clears the address's failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True


def axes_client_address(trusted_proxies: int) -> dict:
    """The settings by which django-axes (through ipware) finds the client address.

    REMOTE_ADDR, unless `trusted_proxies` reverse proxies (the TLS proxy) stand in
    front: then REMOTE_ADDR is the last proxy's, and the address the first proxy
    saw is read from X-Forwarded-For, counting from its right end, where proxies
    append; whatever a client writes into the header itself stays on the left and
    is ignored. Wrong either way it is unsafe: 0 behind a proxy makes all clients
    one address (one client's failures lock everybody out); too many lets a client
    choose its address.
    """
    if not trusted_proxies:
        return {"AXES_IPWARE_META_PRECEDENCE_ORDER": ("REMOTE_ADDR",)}
    return {
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
        # ipware counts the proxies listed in the header after the client; the
        # last proxy is not listed there (it is REMOTE_ADDR).
        "AXES_IPWARE_PROXY_COUNT": trusted_proxies - 1,
        "AXES_IPWARE_PROXY_ORDER": "left-most",
        # Not strict: a header longer than the proxies make (the client sent one)
        # still gives the address the first trusted proxy saw, rather than the
        # proxy's own address, which every such client would share.
        "IPWARE_STRICT": False,
    }


TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
vars().update(axes_client_address(TRUSTED_PROXY_COUNT))

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int(
    "DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preloading is a commitment browsers keep for months (every subdomain, HTTPS
# only, hard to undo): only when asked for.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # check --deploy would warn that the site cannot join the preload list.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Internationalisation ----------------------------------------------------------

LANGUAGE_CODE = env("LANGUAGE_CODE", default="ru")
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date and time format per language for the whole admin (core/formats/).
FORMAT_MODULE_PATH = ["core.formats"]
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
TIME_ZONE = env("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True

# --- Static and private files ------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "static"

# Participant photos are personal data of (often) children: nothing is public.
# Locally they live outside any served directory and are streamed by a staff-only
# view; on S3 the bucket is private and links are short-lived signed URLs.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=VAR_DIR / "private")
PRIVATE_MEDIA_URL = "/private-media/"
# Which permission lets staff open a private file, by its path prefix.
PRIVATE_MEDIA_PERMISSIONS = {
    "reports/": "moderation.view_report",
    "tasks/": "core.view_task",
}
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "access_key": env("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
            "file_overwrite": False,
        },
    }
else:
    default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": PRIVATE_MEDIA_URL},
    }
STORAGES = {
    "default": default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Retention: report photos are deleted this many days after their shift finished
# (the rows stay, marked "photo removed"); export files this many days after they
# were written. The daily cycle's tick does it (moderation/cycle/retention.py).
PHOTO_RETENTION_DAYS = env.int("PHOTO_RETENTION_DAYS", default=90)
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)

# Uploads: the request limit stays small; images get their own limits and are
# re-encoded before they are stored.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=20 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)
IMAGE_MAX_SIDE = env.int("IMAGE_MAX_SIDE", default=2560)
# Spreadsheets staff import (participants, tasks) are read into memory whole.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)

# --- Celery ------------------------------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # A broker that needs no server: messages are files under var/celery.
    _celery_queue = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_queue),
        "data_folder_out": str(_celery_queue),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
        # Broadcasts (`manage.py health worker`'s ping); default: ./control.
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TIMEZONE = TIME_ZONE
# Beat reads its table, which `migrate` fills from core/schedule.py (the one
# place periodic tasks are declared; no CELERY_BEAT_SCHEDULE).
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# At-least-once delivery: a task is acknowledged after it ran, and re-queued when
# its worker dies; tasks are written to be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- Telegram ----------------------------------------------------------------------

TELEGRAM_BOT_TOKEN = env("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_API_BASE = env("TELEGRAM_API_BASE", default="https://api.telegram.org")
TELEGRAM_RATE_GLOBAL = env.float("TELEGRAM_RATE_GLOBAL", default=25.0)
TELEGRAM_RATE_PER_CHAT = env.float("TELEGRAM_RATE_PER_CHAT", default=1.0)
TELEGRAM_WEBHOOK_URL = env("TELEGRAM_WEBHOOK_URL", default="")
TELEGRAM_WEBHOOK_SECRET = env("TELEGRAM_WEBHOOK_SECRET", default="")
# Webhook mode (`runbot --webhook`): where its uvicorn listens, with how many
# worker processes (one core each), and how many requests Telegram may hold open.
TELEGRAM_WEBHOOK_BIND = env("TELEGRAM_WEBHOOK_BIND", default="127.0.0.1:8081")
TELEGRAM_WEBHOOK_WORKERS = env.int("TELEGRAM_WEBHOOK_WORKERS", default=2)
TELEGRAM_WEBHOOK_MAX_CONNECTIONS = env.int(
    "TELEGRAM_WEBHOOK_MAX_CONNECTIONS", default=40
)

# --- Email -------------------------------------------------------------------------

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Smena <smena@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Logging -----------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "filters": {
        "redact_secrets": {"()": "core.redaction.SecretRedactingFilter"},
        "refusals_one_line": {"()": "core.request_logs.RefusalOneLineFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # django-axes announces itself at INFO in every process; keep its warnings.
        "axes": {"level": "WARNING"},
        # A 403 (or 400) is one line: no traceback of the PermissionDenied.
        "django.request": {"filters": ["refusals_one_line"]},
    },
}

# --- Admin (django-unfold) ---------------------------------------------------------


def _can(*perms: str):
    """Build a sidebar permission callback: the user holds any of `perms`."""
    return lambda request: any(request.user.has_perm(perm) for perm in perms)


def _admin_item(title, icon: str, model: str, app_label: str) -> dict:
    return {
        "title": title,
        "icon": icon,
        "link": reverse_lazy(f"admin:{app_label}_{model}_changelist"),
        "permission": _can(f"{app_label}.view_{model}"),
    }


UNFOLD = {
    "SITE_TITLE": "Smena",
    "SITE_HEADER": "Smena",
    "SITE_SUBHEADER": _("Shifts over Telegram"),
    "SITE_SYMBOL": "event_available",
    "SITE_URL": "/admin/",
    "SITE_FAVICONS": [{"rel": "icon", "href": lambda request: static("favicon.svg")}],
    "SHOW_LANGUAGES": True,
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "DASHBOARD_CALLBACK": "moderation.insights.dashboard.dashboard_callback",
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": lambda request: request.user.is_superuser,
        "navigation": [
            {
                "title": _("Programme"),
                "items": [
                    {
                        "title": _("Dashboard"),
                        "icon": "dashboard",
                        "link": reverse_lazy("admin:index"),
                    },
                    _admin_item(_("Shifts"), "calendar_month", "shift", "core"),
                    _admin_item(_("Applications"), "how_to_reg", "application", "core"),
                    _admin_item(_("Members"), "groups", "membership", "core"),
                    _admin_item(_("Participants"), "person", "participant", "core"),
                    _admin_item(
                        _("Phone conflicts"), "phone_disabled", "phoneconflict", "core"
                    ),
                    _admin_item(_("Privacy notice"), "policy", "privacynotice", "core"),
                    _admin_item(_("Task catalogue"), "task_alt", "task", "core"),
                ],
            },
            {
                "title": _("Moderation"),
                "items": [
                    {
                        "title": _("Review queue"),
                        "icon": "fact_check",
                        "link": lambda request: (
                            f"{reverse('admin:moderation_report_changelist')}"
                            "?status__exact=reviewing"
                        ),
                        "permission": _can("moderation.review_report"),
                    },
                    _admin_item(_("Reports"), "photo_library", "report", "moderation"),
                ],
            },
            {
                "title": _("Messages"),
                "items": [
                    _admin_item(
                        _("Outbox"), "outbox", "outboxmessage", "notifications"
                    ),
                    _admin_item(_("Mailings"), "campaign", "mailing", "notifications"),
                    _admin_item(
                        _("Message texts"),
                        "edit_note",
                        "messagetemplate",
                        "notifications",
                    ),
                ],
            },
            {
                "title": _("System"),
                "collapsible": True,
                "items": [
                    _admin_item(_("Staff"), "badge", "user", "core"),
                    _admin_item(_("Roles"), "admin_panel_settings", "role", "core"),
                    _admin_item(
                        _("Periodic tasks"),
                        "schedule",
                        "periodictask",
                        "django_celery_beat",
                    ),
                    _admin_item(
                        _("Task results"),
                        "fact_check",
                        "taskresult",
                        "django_celery_results",
                    ),
                    _admin_item(_("Audit"), "history", "logentry", "admin"),
                ],
            },
        ],
    },
}

# --- Exports, imports and email digests --------------------------------------------

# Larger exports than this run as a Celery job with a private download link.
EXPORT_INLINE_MAX_ROWS = env.int("EXPORT_INLINE_MAX_ROWS", default=5000)
# Rows fetched from the database at a time while an export is streamed.
EXPORT_CHUNK_SIZE = env.int("EXPORT_CHUNK_SIZE", default=2000)
# An export job saves its progress every this many rows.
EXPORT_PROGRESS_ROWS = 10_000
# An import writes nothing unless every row is valid.
IMPORT_EXPORT_USE_TRANSACTIONS = True
# An import records one audit entry (moderation.insights.imports), not one per row.
IMPORT_EXPORT_SKIP_ADMIN_LOG = True
# Before "System", which stays last.
UNFOLD["SIDEBAR"]["navigation"].insert(
    -1,
    {
        "title": _("Data"),
        "items": [
            _admin_item(
                _("Mailing deliveries"),
                "mark_email_read",
                "mailingdelivery",
                "moderation",
            ),
            _admin_item(
                _("Email digests"),
                "forward_to_inbox",
                "digestsubscription",
                "moderation",
            ),
            {
                "title": _("Exports"),
                "icon": "download",
                "link": reverse_lazy("admin:moderation_exportjob_changelist"),
                "permission": lambda request: request.user.is_staff,
            },
        ],
    },
)

# --- Outbox sender (notifications) -------------------------------------------------

# Start the sender when messages are queued (after commit). Tests switch it off
# and drive the sender themselves.
OUTBOX_KICK_ENABLED = env.bool("OUTBOX_KICK_ENABLED", default=True)
# Concurrent requests one sender keeps open; the rate limits hold regardless.
OUTBOX_SENDER_CONCURRENCY = env.int("OUTBOX_SENDER_CONCURRENCY", default=8)
# Seconds after which a message still `sending` counts as stuck: its worker died.
# The sweep reports it in doubt if its request may have left, else queues it
# again. Far above TELEGRAM_REQUEST_TIMEOUT.
OUTBOX_SENDING_LEASE = env.float("OUTBOX_SENDING_LEASE", default=120.0)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
# One sender runs at a time (a lock in Redis); a drain hands over after this long.
OUTBOX_DRAIN_MAX_SECONDS = env.float("OUTBOX_DRAIN_MAX_SECONDS", default=300.0)
OUTBOX_DRAIN_LOCK_SECONDS = env.float("OUTBOX_DRAIN_LOCK_SECONDS", default=30.0)
# A drain waits this long for messages that become due soon (retries) before it ends.
OUTBOX_DRAIN_IDLE_SECONDS = env.float("OUTBOX_DRAIN_IDLE_SECONDS", default=5.0)
# Pace at this share of TELEGRAM_RATE_GLOBAL / _PER_CHAT. Not a margin for jitter
# (the limits count each request until its answer); it keeps the pace just under
# the hard cap, so the pace, not the cap, spaces the sends.
TELEGRAM_RATE_HEADROOM = env.float("TELEGRAM_RATE_HEADROOM", default=0.99)
TELEGRAM_REQUEST_TIMEOUT = env.float("TELEGRAM_REQUEST_TIMEOUT", default=20.0)
# Two queues, a worker for each (Procfile.dev, docker-compose.yml): the sender on
# its own, since a drain holds its worker slot for up to OUTBOX_DRAIN_MAX_SECONDS
# and must not hold up the tick, digests or exports on the default queue.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
CELERY_TELEGRAM_QUEUE = env("CELERY_TELEGRAM_QUEUE", default="telegram")
CELERY_TASK_ROUTES = {
    "notifications.tasks.outbox_drain_task": {"queue": CELERY_TELEGRAM_QUEUE},
}
PRIVATE_MEDIA_PERMISSIONS["mailings/"] = "notifications.view_mailing"

# --- Health and error reporting ----------------------------------------------------

# /readyz answers a request bearing this token (Authorization: Bearer, or ?token=)
# or a logged-in staff member; empty: staff only. /healthz is open.
READINESS_TOKEN = env("READINESS_TOKEN", default="")
# Beat's tick and the bot count as stopped when their heartbeat is older than this.
HEARTBEAT_MAX_AGE = env.float("HEARTBEAT_MAX_AGE", default=120.0)
# A process writes each heartbeat at most once in this many seconds.
HEARTBEAT_INTERVAL = env.float("HEARTBEAT_INTERVAL", default=15.0)
# /readyz fails when a due outbox message has waited longer than this (seconds):
# far above a big mailing's run at the rate limit, so only a stalled sender trips it.
READINESS_OUTBOX_MAX_WAIT = env.float("READINESS_OUTBOX_MAX_WAIT", default=900.0)
# Load balancers probe /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Errors go to Sentry when set (off by default); see core/sentry.py for what is
# kept out of the reports.
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="production")
if SENTRY_DSN:
    from core.sentry import sentry_init

    sentry_init(SENTRY_DSN, environment=SENTRY_ENVIRONMENT)
