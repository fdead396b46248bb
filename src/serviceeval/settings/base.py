"""Settings shared by every environment. DATABASE_URL selects the database:
unset means the embedded SQLite file under var/ (zero set-up)."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[3]
SRC_DIR = BASE_DIR / "src" / "serviceeval"
VAR_DIR = Path(os.environ.get("SERVICEEVAL_VAR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get(
    "SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789"
)
# Keys the backups' fingerprint and signature (core/backup.py); kept outside the
# backups. Unset: derived from SECRET_KEY. Production sets it and keeps it
# (docs/OPERATIONS.md): without it, no backup written with it can be restored.
BACKUP_HMAC_KEY = os.environ.get("BACKUP_HMAC_KEY", "")
# Off unless asked for (DEBUG=1): the demo server shows its own zh-Hant error
# pages, never Django's URL listing or a trace (issue 15).
DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "serviceeval.core",
    "serviceeval.accounts",
    "serviceeval.notifications",
    "serviceeval.agencies",
    "serviceeval.programs",
    "serviceeval.cycles",
    "serviceeval.submissions",
    "serviceeval.reviews",
    "serviceeval.fieldtests",
    "serviceeval.rewards",
    "serviceeval.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "serviceeval.core.headers.SecurityHeadersMiddleware",
    "serviceeval.core.ratelimit.ApiRateLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "serviceeval.core.middleware.TraditionalChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "serviceeval.accounts.twofactor.TwoFactorMiddleware",
    "serviceeval.accounts.middleware.IdleTimeoutMiddleware",
    "serviceeval.core.memo.RevisionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "serviceeval.core.middleware.RejectNulCharactersMiddleware",
]

ROOT_URLCONF = "serviceeval.urls"
WSGI_APPLICATION = "serviceeval.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "serviceeval.web.context_processors.navigation",
                "serviceeval.notifications.context_processors.unread",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'serviceeval.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # The results aggregate (one row per round, agency and criterion: 73,000
    # nationally) hashes in memory at 16 MB and sorts on disk at the default 4 MB,
    # 1.5 times slower (docs/PERFORMANCE.md). Per sort or hash, per connection.
    work_mem = os.environ.get("PG_WORK_MEM", "16MB")
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("options", f"-c work_mem={work_mem}")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL: readers do not wait for a writer's commit, nor a writer for readers (16
    # concurrent clients, SPEC §5 pages); synchronous stays FULL, a commit is durable.
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )

# REDIS_URL (production: several processes and hosts) puts the caches in one Redis
# and sessions in `cached_db` (read from Redis, written through to the database), so
# every process sees the same fragments and the same sign-outs. Without it (`make
# run`, one process) each process keeps its own local-memory caches and sessions stay
# in the database. `fragments`: rendered parts of the busy pages, keyed on the data
# revision (core/fragments.py, SPEC §5 pages). Sign-in and API rate counters live in
# `default` (accounts/throttle.py, core/ratelimit.py); a reached sign-in lock is also
# written to the database, so a cache restart never unlocks an account.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "serviceeval")
if REDIS_URL:
    CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"{CACHE_KEY_PREFIX}:{alias}",
        }
        for alias in ("default", "fragments")
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "serviceeval-fragments",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        },
    }
FRAGMENT_TIMEOUT = 3600

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "serviceeval.accounts.validators.PasswordHistoryValidator"},
]
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Security (SPEC §5): lockout after 5 failures for 15 minutes, idle timeout.
LOGIN_FAILURE_LIMIT = 5
LOGIN_LOCKOUT_MINUTES = 15
# Beside the account lock, one source address gets this many failed sign-ins per
# window (any usernames): it cannot keep an account locked for good (docs/SECURITY.md).
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "10"))
LOGIN_ADDRESS_WINDOW_MINUTES = 60
# Behind N reverse proxies that append to X-Forwarded-For, the client is the Nth
# address from the right; 0 (default) takes REMOTE_ADDR.
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))
# REST API requests per window, per source address and per bearer token, counted
# in the shared cache (core/ratelimit.py); over it: 429 with Retry-After.
API_RATE_WINDOW_SECONDS = int(os.environ.get("API_RATE_WINDOW_SECONDS", "60"))
API_RATE_LIMIT_PER_ADDRESS = int(os.environ.get("API_RATE_LIMIT_PER_ADDRESS", "600"))
API_RATE_LIMIT_PER_TOKEN = int(os.environ.get("API_RATE_LIMIT_PER_TOKEN", "300"))
# Wrong two-factor codes, per account across processes (accounts/throttle.py);
# django-otp's own per-device delay is off (it made one wrong code "too many").
OTP_FAILURE_LIMIT = 5
OTP_LOCKOUT_MINUTES = 15
OTP_TOTP_THROTTLE_FACTOR = 0
SESSION_IDLE_TIMEOUT_SECONDS = 30 * 60
SESSION_IDLE_WARNING_SECONDS = 2 * 60
# The last activity is written to the session at most this often (not on every page).
SESSION_IDLE_TOUCH_SECONDS = 60
# TOTP for office staff and reviewers: required in production, optional in the demo.
OTP_ENFORCE = os.environ.get("OTP_ENFORCE", "0") == "1"
OTP_TOTP_ISSUER = "serviceeval"
PASSWORD_RESET_TIMEOUT = 60 * 60  # one-time reset links expire after an hour
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline script or style and no external source (django-csp); the QR code is
# inline SVG markup, which needs no source. Uploaded evidence is served as attachment.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Asia/Taipei"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded evidence is never served as static media: only through permission-checked views.
MEDIA_ROOT = VAR_DIR / "uploads"
UPLOAD_MAX_BYTES = 20 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "serviceeval@example.gov.tw"
# Links in e-mail point here (the address people open the product at).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

PROGRAMS_DIR = BASE_DIR / "programs"

SERVICEEVAL_BRAND = _("serviceeval 為民服務考核")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"forbidden_one_line": {"()": "serviceeval.core.headers.ForbiddenOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["forbidden_one_line"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
