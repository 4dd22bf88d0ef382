"""Settings shared by every environment; every value that differs comes from the environment."""

import os
from pathlib import Path

import dj_database_url
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
    "core",
    "accounts",
    "studios",
    "applications",
    "assessments",
    "funding",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# guardian's anonymous user would be one more row in every user list: we never grant to it.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Every scheduled job stands in one visible place: config/schedule.py.
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # WeasyPrint logs every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Mingshi's own settings
MINGSHI_DEMO_PASSWORD = env("MINGSHI_DEMO_PASSWORD", "mingshi-demo-2024")
# Links in emails point here.
MINGSHI_BASE_URL = env("MINGSHI_BASE_URL", "http://127.0.0.1:8000")
# Reminders go out this many days before a deadline; members confirm attendance within this
# many days of an activity (reminded before and after that date, once each).
MINGSHI_REMINDER_DAYS_BEFORE = int(env("MINGSHI_REMINDER_DAYS_BEFORE", "3"))
MINGSHI_ATTENDANCE_CONFIRM_DAYS = int(env("MINGSHI_ATTENDANCE_CONFIRM_DAYS", "7"))

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
