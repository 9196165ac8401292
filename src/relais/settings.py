"""Django settings, built from the typed RELAIS_* configuration (relais.config)."""

from __future__ import annotations

import os

from csp.constants import NONE, SELF, UNSAFE_INLINE

from relais.accounts.auth_config import auth_settings
from relais.config import Config, ensure_secret_key
from relais.operations.database import database_settings
from relais.operations.logs import logging_config

RELAIS = Config.from_env()

# The data folder holds the database (with live session keys), the uploaded originals and the secret key: the
# service user alone reads it. The umask covers what this process creates later (SQLite's journal, uploads).
os.umask(0o077)
DATA_DIR = RELAIS.data_dir.resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
for _private in [DATA_DIR, *DATA_DIR.glob(f"{RELAIS.database_path.name}*")]:
    # Also tightens a database created before this rule; what the operator gave another owner is left alone.
    if _private.stat().st_uid == os.getuid() and _private.stat().st_mode & 0o077:
        _private.chmod(0o700 if _private.is_dir() else 0o600)

SECRET_KEY = ensure_secret_key(RELAIS)
DEBUG = RELAIS.debug
ALLOWED_HOSTS = list(RELAIS.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "relais.accounts",
    "relais.knowledge",
    "relais.assistant",
    "relais.helpdesk",
    "relais.audit",
    "relais.insights",
    "relais.procedures",
    "relais.diagnostic",
    "relais.operations",
    "relais.demo",  # the demo: on top, no other app imports it
    "django_tasks",
    "axes",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First: the request id covers every other middleware's logs, and the access line their answers.
    "relais.operations.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files answered here, before sessions and the rest: hashed names with a one-year immutable cache.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before CSRF's check or any form reads the body (a middleware's call runs before every view hook).
    "relais.operations.body_limit.BodyLimitMiddleware",
    "relais.accounts.middleware.CharterMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "relais.urls"
ASGI_APPLICATION = "relais.asgi.application"
WSGI_APPLICATION = "relais.wsgi.application"

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
                "relais.assistant.context.town",
                "relais.diagnostic.access.navigation",
            ],
        },
    },
]

DATABASES = {"default": database_settings(RELAIS, DATA_DIR)}


DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Background work (outbox deliveries): a database queue run by `relais worker` (started by `relais serve`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Caches. "shared": in the database, so every app server and worker counts one rate limit (relais.operations.cache;
# `relais migrate` creates its table). "default": this process's memory, for what each process may recompute
# on its own (the knowledge-gap report).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {
        "BACKEND": "relais.operations.cache.SharedDatabaseCache",
        "LOCATION": "relais_cache",
        # Per-minute rows expire after two minutes, the citizens' daily counts after a day; rows are only swept when
        # the table passes this size (Django's cull drops a third): room for a busy day's visitor addresses.
        "OPTIONS": {"MAX_ENTRIES": 50000},
    },
}

# Hardening: strict same-origin content (no CDN, no inline script), no framing, secure cookies behind HTTPS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],  # the town colour and the admin's style attributes
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "relais.assistant.errors.csrf_failure"  # French, in the town's theme
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if RELAIS.https:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [RELAIS.site_url.rstrip("/")]

# Brute force on the login page: after 5 failures for one username from one address, 15 minutes of lockout.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "chat"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Sign-in: local accounts, plus LDAP / Active Directory and ProConnect (OpenID Connect) when configured.
globals().update(auth_settings(RELAIS))

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Collected (`relais serve` runs collectstatic) under content-hashed names with gzip copies, served by WhiteNoise:
# a browser fetches each version of a file once. nginx proxies /static/ to it (docs/deploy.md).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# One console handler (journald under systemd), text or JSON lines, each with its request id; unhandled errors
# with their traceback (relais.operations.logs, docs/operations.md).
LOGGING = logging_config(RELAIS.log_format)
