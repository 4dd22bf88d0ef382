"""Tests: the database comes from DATABASE_URL (scripts/test.sh points it at PostgreSQL)."""

from .base import *  # noqa: F403

DEBUG = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # A test database need not survive a crash: not waiting for the WAL flush on each commit
    # saves the browser journeys' thousands of small commits (live server, seeding, flushes).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the app folders without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The second factor is off by default (tests log in with force_login); the 2FA tests turn it
# on. Login throttling stays on, with its database handler, as in production.
MINGSHI_OTP_REQUIRED = False
# Off, so that the tests counting a page's queries count its rendering, whether or not a request
# before it was served; tests/accounts/test_home_cache.py turns it on (tests/conftest.py empties
# the cache before each test).
MINGSHI_HOME_CACHE_SECONDS = 0
# A connection per request, as Django's test runner expects: live-server threads and the
# journeys' servers must not keep a connection to the test database after they stop.
DATABASES["default"]["CONN_MAX_AGE"] = int(env("DATABASE_CONN_MAX_AGE", "0"))  # noqa: F405
