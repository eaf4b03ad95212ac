"""Settings: every deployment value comes from the environment (django-environ).

With no environment at all, `manage.py runserver` works: SQLite, tasks run
eagerly in-process, mail printed to the console.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

from lms.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env(
    "SECRET_KEY",
    default="dev-only-key-never-used-in-production-0123456789abcdefghijklmnopqrstuvwxyz"
    if DEBUG
    else environ.Env.NOTSET,
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "axes",
    "hijack",
    "phonenumber_field",
    # Components in templates/cotton/ (<c-table>); loaders and builtins are set in TEMPLATES.
    "django_cotton.apps.SimpleAppConfig",
    "users",
    "access",
    "activity",
    "engagement",
    "payments",
    "transcripts",
    "batch",
    "privacy",
    # lms last: project wiring (seed_demo spans every app).
    "lms",
]

MIDDLEWARE = [
    "lms.logging.request_id",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hijack.middleware.HijackUserMiddleware",
    "users.middleware.audit_context",
    "users.middleware.manage_gate",
    "django.contrib.messages.middleware.MessageMiddleware",
    "users.impersonation.guard",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # axes must be last: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "lms.templates.QueryFreeDjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Django's default loaders (project then app templates), behind cotton's, which
            # compiles <c-...> component tags; cached as Django does by default (since 4.1,
            # DEBUG too: runserver's autoreloader clears the cache when a template changes).
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "django_cotton.cotton_loader.Loader",
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "builtins": ["django_cotton.templatetags.cotton"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "users.impersonation.banner",
            ],
        },
    }
]

# Templates may not query the database (lms/templates.py): on in development and tests.
TEMPLATE_QUERIES_FORBIDDEN = env.bool("TEMPLATE_QUERIES_FORBIDDEN", default=DEBUG)

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: this is short-query work, and a plan over a million users passes
    # jit_above_cost, so even an EXPLAIN would compile (0.4 ms for a search estimate at 1M,
    # more at 5M) for queries that run in 1-5 ms. A startup option: no extra round trip.
    # Behind PgBouncer (which refuses startup options), set jit = off for the role instead.
    pg_options = env.str("PG_OPTIONS", default="-c jit=off")
    if pg_options:
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", pg_options)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/sign_in"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/sign_in"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

# Login throttling: lock one e-mail from one IP, never an account for everyone.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "users/locked_out.html"
AXES_USERNAME_CALLABLE = "users.auth.axes_username"
# The client's address (users.auth.client_ip, also the audit log's): REMOTE_ADDR, or behind
# this many trusted proxies the X-Forwarded-For entry the outermost one added.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "users.auth.client_ip"

# Impersonation: django-hijack does the session swap; our rule decides who may.
HIJACK_PERMISSION_CHECK = "users.rules.hijack_permission_check"
HIJACK_INSERT_BEFORE = None  # our own banner (templates/components/impersonation_banner.html)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="School <no-reply@school.example>")

# Celery: with REDIS_URL it is the broker and the cache; without, tasks run in-process.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = None
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # No broker: tasks run in-process. The in-memory transport keeps kombu from looking
    # for an AMQP server on localhost (and warning about it) when a task is sent.
    CELERY_BROKER_URL = "memory://localhost/"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With late acks, a task cut off by a lost broker connection is redelivered, not lost.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Unacknowledged tasks come back after the visibility timeout; every retry delay
# (OUTBOX_RETRY_MAX_SECONDS) stays below it, so a waiting retry is never redelivered early.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}
# A broker outage must not hang a request: give up publishing quickly, the outbox
# sweeper sends the e-mail once the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
OUTBOX_RETRY_BASE_SECONDS = env.float("OUTBOX_RETRY_BASE_SECONDS", default=30)
OUTBOX_RETRY_MAX_SECONDS = env.float("OUTBOX_RETRY_MAX_SECONDS", default=1800)
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "sweep-outbox": {"task": "users.tasks.sweep_outbox", "schedule": 60.0},
    "expire-access": {"task": "access.tasks.expire_access", "schedule": crontab(minute=5)},
    "process-erasures": {
        "task": "privacy.tasks.process_erasures",
        "schedule": crontab(hour=3, minute=30),
    },
    "expire-subscriptions": {
        "task": "payments.tasks.expire_subscriptions",
        "schedule": crontab(hour=2, minute=15),
    },
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Security: production values by default when DEBUG is off.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts and styles only from our own files, in
# every environment, so a browser test would catch an inline script.
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
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Logs: a request id on every line (carried into Celery tasks); LOG_FORMAT=json for JSON lines.
LOGGING = logging_config(env("LOG_FORMAT", default="text"), env("LOG_LEVEL", default="INFO"))
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The site's address for links in e-mails sent outside a request (resend_invites).
SITE_URL = env("SITE_URL", default="")

SESSION_ENGINE = "users.sessions"

# E-mail is unique through a case-insensitive constraint (users_user_email_ci_unique),
# which Django's check cannot see.
# The covering indexes' INCLUDE columns only exist on PostgreSQL (models.W040 on SQLite).
SILENCED_SYSTEM_CHECKS = ["auth.W004", "models.W040"]

# Payments: the gateway class (payments/gateways/); the sandbox is the default.
PAYMENT_GATEWAY = env("PAYMENT_GATEWAY", default="payments.gateways.sandbox.SandboxGateway")
