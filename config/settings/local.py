"""Local development: the embedded default (SQLite, Celery eager, mail on the console)."""

from .base import *  # noqa: F403
from .base import env, env_bool, env_list

DEBUG = env_bool("DJANGO_DEBUG", True)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The demo may log in without a second factor; scripts/dev.sh and seed_demo say so.
# MINGSHI_OTP_REQUIRED=1 turns it on as in production.
MINGSHI_OTP_REQUIRED = env_bool("MINGSHI_OTP_REQUIRED", False)

# Tasks run in-process here, so Celery's "Task … succeeded" line for each would fill the console
# (a thousand of them while seeding the demo); kombu warns that the unused broker has no host.
LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}  # noqa: F405
# runserver prints a line per request already, and the seeding's jobs are counted, not listed.
LOGGING["loggers"]["mingshi.request"]["level"] = env("MINGSHI_REQUEST_LOG_LEVEL", "WARNING")  # noqa: F405
LOGGING["loggers"]["mingshi.job"]["level"] = env("MINGSHI_JOB_LOG_LEVEL", "WARNING")  # noqa: F405
LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}  # noqa: F405

# One dev server process shares its in-memory cache between threads, so caching stays exact.
MINGSHI_HOME_CACHE_SECONDS = int(env("MINGSHI_HOME_CACHE_SECONDS", "300"))
# runserver serves each request in a thread of its own: a kept connection would outlive it
# (Django's documentation: do not keep connections in development).
DATABASES["default"]["CONN_MAX_AGE"] = int(env("DATABASE_CONN_MAX_AGE", "0"))  # noqa: F405
