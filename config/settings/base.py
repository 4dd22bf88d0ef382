"""Settings shared by every environment; every value that differs comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.schedule import BEAT_SCHEDULE

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-only-not-secret-mingshi")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "import_export",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "accounts",
    "policies",
    "applications",
    "studios",
    "assessments",
    "funding",
    "demo",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost but one: its line times the whole request and sees the user the inner ones set.
    "core.logs.RequestLogMiddleware",
    # Outermost but one, so that every response (redirects from the middleware below too)
    # carries the policy; a view that set its own Content-Security-Policy keeps it.
    "accounts.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.LanguageMiddleware",
    # After the language is chosen, so that the refusal page is in the user's language.
    "core.middleware.RejectNullCharactersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The session gates, in this order: idle too long → log in again; second factor not yet
    # given → verification/enrolment; a password set by someone else → change it.
    "accounts.middleware.IdleTimeoutMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "accounts.middleware.DownloadAuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout noticed during the view into its page.
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
                "django.template.context_processors.i18n",
                "accounts.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Each request opening its own PostgreSQL connection cost more than the whole cached
        # home page (124 vs 350 requests/s, bench/run.py): connections are kept for a minute
        # and checked before reuse, so a restarted database costs one error-free reconnect.
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: write-ahead log, and no fsync on every commit (only at checkpoints),
    # as SQLite's documentation recommends for an application database. Mail sent after each
    # commit made seeding the demo wait on the disk a thousand times; readers no longer wait on
    # a writer in the dev server either.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out account or address is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    # Django's, with the logged-in user kept in the cache while nothing changed.
    "accounts.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# guardian's anonymous user would be one more row in every user list: we never grant to it.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Argon2 first, as Django's documentation and OWASP recommend: memory-hard, so a stolen hash
# costs an attacker's GPU more, while one check costs this server half the CPU of PBKDF2 at
# Django's 1,000,000 iterations (120 vs 234 ms here) -- the deadline day is hundreds of logins
# on two cores. Hashes made earlier stay valid and are upgraded at the user's next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: a working day at most (not Django's two weeks); staff roles also time out when
# idle (MINGSHI_IDLE_TIMEOUT_MINUTES below).
SESSION_COOKIE_AGE = int(env("DJANGO_SESSION_COOKIE_AGE", str(9 * 3600)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Login throttling (django-axes): 5 failures for one account, or from one address, lock that
# account or address for the cooling period. A success does not wipe the count (it would let
# anyone with an account reset the counter of the address they share). Administrators unlock
# through the admin (accounts.services.user_login_unlock, recorded in the audit trail).
AXES_ENABLED = env_bool("MINGSHI_LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = int(env("MINGSHI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("MINGSHI_LOGIN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_CALLABLE = "accounts.security_views.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.http.client_ip"
# Our audit trail records logins and logouts; axes keeps only the failure counters.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False  # accounts/admin.py shows the counters read-only, with an unlock
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "csrfmiddlewaretoken"]

# Content-Security-Policy (django-csp 4): no inline script and no eval anywhere; styles only
# from our own files (the templates use classes, never style= attributes). The Django admin
# alone also gets 'unsafe-inline' for styles (its change list and django-import-export write a
# few), see accounts.middleware.ContentSecurityPolicyMiddleware. File downloads carry their
# own stricter policy, which this one never overwrites.
SELF, NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
# No URL pattern and no web server serves MEDIA_ROOT: uploads leave only through
# permission-checked views. The prefix exists because Django's tooling expects one.
MEDIA_URL = "/media/"

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "mingshi@localhost")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)

# Celery: with no broker configured every task runs in-process (the embedded default).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Time limits sized for the longest task, a background job (a whole call's packet of PDFs, a
# city's audit workbook): past the soft limit the job stops and its owner reads that it took
# too long; the hard limit kills a worker that ignores the soft one. Shorter tasks finish far
# inside both.
CELERY_TASK_TIME_LIMIT = int(env("CELERY_TASK_TIME_LIMIT", "1800"))
CELERY_TASK_SOFT_TIME_LIMIT = int(
    env("CELERY_TASK_SOFT_TIME_LIMIT", str(max(CELERY_TASK_TIME_LIMIT - 60, 1)))
)
# With late acks, Redis hands a message that was delivered but not acknowledged to another
# worker after the visibility timeout: that is how a task whose worker died is run again. It
# must be longer than the longest task (the hard limit) and than any countdown, or a task still
# running would be delivered twice (the job lease makes that harmless, but wasteful).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(
        env("CELERY_VISIBILITY_TIMEOUT", str(CELERY_TASK_TIME_LIMIT + 30 * 60))
    ),
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Every scheduled job stands in one visible place: config/schedule.py.
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE

# One JSON line per record in production (DJANGO_LOG_FORMAT=json, set there), plain text for a
# person at a terminal; each request and each job has a line of its own (core/logs.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "{asctime}{levelname}{name}{message}",
            "style": "{",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("DJANGO_LOG_FORMAT", "text"),
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "mingshi.request": {"level": env("MINGSHI_REQUEST_LOG_LEVEL", "INFO")},
        "mingshi.job": {"level": env("MINGSHI_JOB_LOG_LEVEL", "INFO")},
        # WeasyPrint logs every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # django-axes logs every attempt; the audit trail already records them.
        "axes": {"level": "ERROR"},
    },
}

# A cache shared by every web process (Redis) when CACHE_URL is set; a per-process one otherwise.
CACHE_URL = env("CACHE_URL", "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": CACHE_URL}}
    # Sessions read from the shared cache, written through to the database: one Redis read
    # instead of a PostgreSQL query on every page. Only with a shared cache -- a per-process
    # copy would keep a session another worker logged out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Mingshi's own settings
# The home page's panels and the inbox badge are cached this many seconds, keyed by the data's
# generation (core/freshness.py), so never stale. Only a shared cache keeps that exact across
# several web processes: off by default without CACHE_URL (tests and the dev server set it).
MINGSHI_HOME_CACHE_SECONDS = int(env("MINGSHI_HOME_CACHE_SECONDS", "300" if CACHE_URL else "0"))
# /healthz reports the worker down when its heartbeat (every minute) is older than this.
MINGSHI_WORKER_HEARTBEAT_STALE_SECONDS = int(env("MINGSHI_WORKER_HEARTBEAT_STALE_SECONDS", "180"))
MINGSHI_DEMO_PASSWORD = env("MINGSHI_DEMO_PASSWORD", "mingshi-demo-2024")
# Links in e-mails point here, and so do the QR codes printed on plaque certificates, link
# previews and calendar feeds: the public https address, set before certificates are printed.
MINGSHI_BASE_URL = env("MINGSHI_BASE_URL", "http://127.0.0.1:8000")
# Reminders go out this many days before a deadline; members confirm attendance within this
# many days of an activity (reminded before and after that date, once each).
MINGSHI_REMINDER_DAYS_BEFORE = int(env("MINGSHI_REMINDER_DAYS_BEFORE", "3"))
MINGSHI_ATTENDANCE_CONFIRM_DAYS = int(env("MINGSHI_ATTENDANCE_CONFIRM_DAYS", "7"))
# Reviewers (schools, counties, experts, the bureau) are reminded once when an application has
# waited this many days at their level: a bureau-set default, unless the policy gives its own
# (as it may for the days before a deadline, policies.Policy.reminder_*).
MINGSHI_REMINDER_WAITING_DAYS = int(env("MINGSHI_REMINDER_WAITING_DAYS", "7"))
# Background jobs (accounts/jobs.py): a running job holds a lease of this many seconds, renewed
# by its worker every quarter of it. A job whose lease lapsed (its worker died) is started again,
# at most MINGSHI_JOB_MAX_ATTEMPTS times in all, then failed and its owner told. A queued job
# that no worker took up within MINGSHI_JOB_QUEUED_GRACE_SECONDS (a lost message) is sent again.
MINGSHI_JOB_LEASE_SECONDS = float(env("MINGSHI_JOB_LEASE_SECONDS", "60"))
MINGSHI_JOB_MAX_ATTEMPTS = int(env("MINGSHI_JOB_MAX_ATTEMPTS", "3"))
MINGSHI_JOB_QUEUED_GRACE_SECONDS = float(env("MINGSHI_JOB_QUEUED_GRACE_SECONDS", "900"))
# Lay out an application's PDFs in the background after a submission or a review decision
# (applications/renditions.py), so that downloads find them stored. On by default only with a
# broker: run eagerly it would just move the work into the request that changed the form.
MINGSHI_PDF_PRERENDER = env_bool("MINGSHI_PDF_PRERENDER", bool(CELERY_BROKER_URL))

# Security of accounts (等保 2.0 level 3). Role codes are accounts.models.Role values.
# Holders of these roles (and superusers) must log in with a second factor (TOTP) when
# MINGSHI_OTP_REQUIRED is on; everyone else may enrol one (and is then asked for it).
_STAFF_ROLES = "municipal_admin,ce_officer,county_reviewer,school_admin,finance_officer,auditor"
MINGSHI_OTP_REQUIRED = env_bool("MINGSHI_OTP_REQUIRED", True)
MINGSHI_OTP_REQUIRED_ROLES = env_list("MINGSHI_OTP_REQUIRED_ROLES", _STAFF_ROLES)
# The name the authenticator app shows next to the account.
OTP_TOTP_ISSUER = env("MINGSHI_OTP_ISSUER", "Mingshi")
MINGSHI_RECOVERY_CODES = int(env("MINGSHI_RECOVERY_CODES", "10"))
# Holders of these roles (and superusers) are logged out after this many idle minutes; the
# others keep their session up to SESSION_COOKIE_AGE.
MINGSHI_IDLE_TIMEOUT_ROLES = env_list("MINGSHI_IDLE_TIMEOUT_ROLES", _STAFF_ROLES)
MINGSHI_IDLE_TIMEOUT_MINUTES = int(env("MINGSHI_IDLE_TIMEOUT_MINUTES", "30"))
# Onboarding (accounts/onboarding.py): an e-mailed invitation link works once, for this many
# days; a printed activation code works once, for this many days (a sheet travels by hand), and
# stops working after this many wrong codes typed for its username. PASSWORD_RESET_TIMEOUT is
# Django's own (a "forgot password" link), shortened from its three days to one.
MINGSHI_INVITATION_DAYS = int(env("MINGSHI_INVITATION_DAYS", "7"))
MINGSHI_ACTIVATION_CODE_DAYS = int(env("MINGSHI_ACTIVATION_CODE_DAYS", "30"))
MINGSHI_ACTIVATION_CODE_MAX_ATTEMPTS = int(env("MINGSHI_ACTIVATION_CODE_MAX_ATTEMPTS", "5"))
PASSWORD_RESET_TIMEOUT = int(env("DJANGO_PASSWORD_RESET_TIMEOUT", str(24 * 3600)))
# How many reverse proxies stand in front (their X-Forwarded-For is trusted); 0 = none.
MINGSHI_TRUSTED_PROXY_COUNT = int(env("MINGSHI_TRUSTED_PROXY_COUNT", "0"))

# Single sign-on through the bureau's OpenID Connect provider (统一身份认证), beside the password
# login (accounts/sso.py). Off until an issuer is named. The provider proves who a person is;
# what they may do stays Mingshi's own role assignments. A provider account is bound once to an
# existing Mingshi account whose LINK_FIELD equals the LINK_CLAIM, then known by its ``sub``.
MINGSHI_OIDC_ISSUER = env("MINGSHI_OIDC_ISSUER", "").rstrip("/")
MINGSHI_OIDC_LABEL = env("MINGSHI_OIDC_LABEL", "")
MINGSHI_OIDC_LINK_CLAIM = env("MINGSHI_OIDC_LINK_CLAIM", "preferred_username")
MINGSHI_OIDC_LINK_FIELD = env("MINGSHI_OIDC_LINK_FIELD", "username")
if MINGSHI_OIDC_LINK_FIELD not in ("username", "email", "phone"):
    raise ImproperlyConfigured("MINGSHI_OIDC_LINK_FIELD must be username, email or phone.")
# The second factor is skipped only when the provider says it asked for one: values of the ID
# token's ``amr`` list or its ``acr`` that count, written ``amr:mfa,amr:otp,acr:<uri>``. Empty:
# the provider's word is never enough and staff give Mingshi's own second factor as well.
MINGSHI_OIDC_SECOND_FACTOR_CLAIMS = env_list("MINGSHI_OIDC_SECOND_FACTOR_CLAIMS", "")
# mozilla-django-oidc's own settings, filled from ours.
OIDC_RP_CLIENT_ID = env("MINGSHI_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env("MINGSHI_OIDC_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = env("MINGSHI_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env("MINGSHI_OIDC_SCOPES", "openid profile email")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("MINGSHI_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env("MINGSHI_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env("MINGSHI_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env("MINGSHI_OIDC_JWKS_ENDPOINT", "") or None
OIDC_TIMEOUT = float(env("MINGSHI_OIDC_TIMEOUT_SECONDS", "10"))
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso_callback"

# Notices beside the inbox and e-mail (accounts/deliveries.py, accounts/channels.py): SMS
# through one HTTP provider, and organisations' 企业微信/钉钉 group robots, sent by a Celery task.
# Each send waits at most TIMEOUT seconds for an answer; a failure worth another try (the
# peer's 5xx, a timeout, its rate limit) is tried again after RETRY_SECONDS, doubling each
# time, up to MAX_ATTEMPTS sends in all; then the delivery is marked not sent. With no broker
# (tasks run in-process) the retries follow at once, inside the request that raised the notice.
MINGSHI_CHANNEL_TIMEOUT_SECONDS = float(env("MINGSHI_CHANNEL_TIMEOUT_SECONDS", "10"))
MINGSHI_CHANNEL_MAX_ATTEMPTS = int(env("MINGSHI_CHANNEL_MAX_ATTEMPTS", "5"))
MINGSHI_CHANNEL_RETRY_SECONDS = float(env("MINGSHI_CHANNEL_RETRY_SECONDS", "30"))
# Group robots post only to these hosts (the official webhook hosts; a bureau on a private
# deployment of 企业微信 or 钉钉 adds its own), so an administrator's form cannot make the
# server post into its own network.
MINGSHI_ROBOT_HOSTS = env_list("MINGSHI_ROBOT_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com")
# SMS is off until the provider's address is set. The provider is a class named by its dotted
# path; the default posts {"phone", "text", "sign"} as JSON with the token as a bearer token.
MINGSHI_SMS_PROVIDER = env("MINGSHI_SMS_PROVIDER", "accounts.channels.HttpSmsProvider")
MINGSHI_SMS_URL = env("MINGSHI_SMS_URL", "")
MINGSHI_SMS_TOKEN = env("MINGSHI_SMS_TOKEN", "")
MINGSHI_SMS_SIGN_NAME = env("MINGSHI_SMS_SIGN_NAME", "")

# Spreadsheet imports (core.spreadsheets.inspect_workbook): an uploaded workbook is measured
# from its zip directory and one streaming pass before openpyxl parses it, and refused past
# these limits (bytes are unpacked sizes). Imports of MINGSHI_IMPORT_BACKGROUND_ROWS rows or
# more are checked and saved by a background job with a progress bar.
MINGSHI_IMPORT_MAX_ROWS = int(env("MINGSHI_IMPORT_MAX_ROWS", "5000"))
MINGSHI_IMPORT_MAX_SHEET_ROWS = int(env("MINGSHI_IMPORT_MAX_SHEET_ROWS", "10000"))
MINGSHI_IMPORT_MAX_BYTES = int(env("MINGSHI_IMPORT_MAX_BYTES", str(32 * 1024 * 1024)))
MINGSHI_IMPORT_MAX_PART_BYTES = int(env("MINGSHI_IMPORT_MAX_PART_BYTES", str(16 * 1024 * 1024)))
MINGSHI_IMPORT_MAX_PARTS = int(env("MINGSHI_IMPORT_MAX_PARTS", "100"))
MINGSHI_IMPORT_MAX_SHARED_STRINGS = int(env("MINGSHI_IMPORT_MAX_SHARED_STRINGS", "100000"))
MINGSHI_IMPORT_MAX_SHARED_STRINGS_BYTES = int(
    env("MINGSHI_IMPORT_MAX_SHARED_STRINGS_BYTES", str(8 * 1024 * 1024))
)
MINGSHI_IMPORT_BACKGROUND_ROWS = int(env("MINGSHI_IMPORT_BACKGROUND_ROWS", "500"))
# django-import-export's own formats (an admin export, should one be offered): no formula, no
# character XML forbids. Our resources already make their text inert (core.spreadsheets).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True

# The REST API (api/): personal access tokens only (no session, so no CSRF), every answer
# JSON, lists in pages of 50 (a client may ask for up to 200), filters refused with a 400
# when their values are not valid. The OpenAPI document is /api/schema/, its browsable docs
# /api/docs/ from our own static files (drf-spectacular-sidecar: no CDN).
MINGSHI_API_PATH = "/api/"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.AccessTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenHasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.filters.Pages",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mingshi API",
    "DESCRIPTION": (
        "Calls, applications, studios, activities, compliance, allocations and assessment "
        "results, as the token's owner sees them in Mingshi; and logging an activity with its "
        "attendance and evidence. Send a personal access token (made on the API tokens page "
        "of one's account) as `Authorization: Bearer <token>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ActivityKindEnum": "policies.models.ActivityKind",
        "EvidenceKindEnum": "studios.models.EvidenceKind",
    },
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_refusals",
    ],
}
