"""Tongxin settings: one module, driven by the environment (see README's configuration table)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from tongxin.core.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    local_secret,
    new_data_key,
    new_secret_key,
    parse_data_key,
)

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(env_str("TONGXIN_VAR_DIR", str(PROJECT_DIR / "var")))
NODE_MODULES_DIR = Path(env_str("TONGXIN_NODE_MODULES", str(PROJECT_DIR / "node_modules")))
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")

DEBUG = env_bool("TONGXIN_DEBUG", False)
DEMO = env_bool("TONGXIN_DEMO", False)
SECRET_KEY = env_str("TONGXIN_SECRET_KEY") or local_secret(VAR_DIR, "secret_key", new_secret_key)
DATA_KEY = parse_data_key(
    env_str("TONGXIN_DATA_KEY") or local_secret(VAR_DIR, "data_key", new_data_key)
)
DEMO_PASSWORD = env_str("TONGXIN_DEMO_PASSWORD", "Tongxin@2026demo")
# A Chinese TrueType font (.ttf/.ttc) embedded in the PDF forms; empty: a known system font
# if there is one, else a font the PDF reader supplies (reports.exports).
PDF_FONT = env_str("TONGXIN_PDF_FONT", "")
ALLOWED_HOSTS = env_list("TONGXIN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("TONGXIN_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "tongxin.core",
    "tongxin.audit",
    "tongxin.geo",
    "tongxin.accounts",
    "tongxin.registry",
    "tongxin.services",
    "tongxin.disputes",
    "tongxin.coordination",
    "tongxin.exchange",
    "tongxin.reports",
    "tongxin.analytics",
    "tongxin.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tongxin.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "tongxin.core.middleware.NulInQueryMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tongxin.accounts.middleware.LoginPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tongxin.urls"
WSGI_APPLICATION = "tongxin.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tongxin.core.context_processors.shell",
            ],
        },
    }
]

# Database: SQLite in var/ by default, PostgreSQL in CI and production.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tongxin.sqlite3'}")
if not DATABASE_URL.startswith(("sqlite://", "postgres://", "postgresql://")):
    raise ImproperlyConfigured(
        f"DATABASE_URL={DATABASE_URL!r}: only sqlite:/// and postgres:// URLs are supported."
    )
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=60)
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] not in ("", ":memory:"):
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        " PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;",
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Passwords and login (等保 level 3).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "tongxin.accounts.validators.ComplexityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
# Defaults of the security policy; the security admin changes them on the policy screen.
LOGIN_MAX_FAILURES = env_int("TONGXIN_LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCK_MINUTES = env_int("TONGXIN_LOGIN_LOCK_MINUTES", 15, minimum=1)
IDLE_TIMEOUT_MINUTES = env_int("TONGXIN_IDLE_TIMEOUT_MINUTES", 15, minimum=1)
PASSWORD_MAX_AGE_DAYS = env_int("TONGXIN_PASSWORD_MAX_AGE_DAYS", 90, minimum=0)
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
OTP_TOTP_ISSUER = "同心 Tongxin"

# Security headers. Cookies are marked secure when served over HTTPS (behind a proxy that
# sets X-Forwarded-Proto).
HTTPS = env_bool("TONGXIN_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_HSTS_SECONDS = 31536000
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # ECharts and Swagger UI set style attributes; scripts stay strictly 'self'.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Internationalisation: Chinese is the source language of the UI.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
]
PORTAL_LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("ug", "ئۇيغۇرچە"),
    ("bo", "བོད་ཡིག"),
    ("ko", "조선말"),
    ("en", "English"),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# Static files: our own under each app's static/, third-party ones from node_modules
# (installed by `npm ci`), both collected into var/static and served by WhiteNoise.
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "tongxin.core.vendor.NodeModulesFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = VAR_DIR / "media"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tongxin.api.authentication.PolicyTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "tongxin.api.pagination.Pages",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tongxin API",
    "DESCRIPTION": "同心 少数民族流动人口服务管理系统 API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Choice sets that share a field name ("kind", "result", "source") across apps.
    "ENUM_NAME_OVERRIDES": {
        "DisputeKindEnum": "tongxin.disputes.models.Kind",
        "DisputeResultEnum": "tongxin.disputes.models.Result",
        "DisputeSourceEnum": "tongxin.disputes.models.Source",
        "TaskKindEnum": "tongxin.coordination.models.TaskKind",
        "MeetingKindEnum": "tongxin.coordination.models.MeetingKind",
        "FindingResultEnum": "tongxin.coordination.models.FindingResult",
    },
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if TESTING:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Periodic jobs of the domain apps, run every round of `tongxin scheduler` beside the
# services app's own (each idempotent; dotted paths of callables returning a log line).
# Days an import's file and its report of rejected rows are kept after the job ends
# (exchange.retention); 0 keeps them until deleted by hand.
IMPORT_RETENTION_DAYS = env_int("TONGXIN_IMPORT_RETENTION_DAYS", 30)
PERIODIC_JOBS = [
    "tongxin.exchange.jobs.import_retention_job",
    "tongxin.disputes.jobs.screening_reminder_job",
    "tongxin.coordination.jobs.coordination_alert_job",
    "tongxin.reports.jobs.refresh_counts_job",
    "tongxin.reports.jobs.form_reminder_job",
]
# Demo data of the domain apps, loaded by `tongxin demo` after the city and its persons
# (callables taking `seed`; each leaves an already loaded database alone).
DEMO_LOADERS = [
    "tongxin.disputes.demo.load_demo_disputes",
    "tongxin.coordination.demo.load_demo_coordination",
    "tongxin.reports.demo.load_demo_reports",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TONGXIN_LOG_LEVEL", "INFO")},
}
