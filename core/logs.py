"""Structured logs: one JSON line per request and per background job, with the user and the
object, for the bureau's log collector (the format: python-json-logger, LOGGING in settings).

A request's line names its view and the URL's arguments (the object: ``{"pk": 12}``), the
user's id, the status and the time taken; a job's line names its task, its arguments (the
objects' ids), how it ended and the time taken. Personal data stays out: ids, not names.
"""

import logging
import time

from celery.signals import task_failure, task_postrun, task_prerun, task_retry
from django.conf import settings

from .http import client_ip

request_log = logging.getLogger("mingshi.request")
# URL arguments that are a credential (a calendar address's secret, an invitation's or a
# password reset's token): a log line keeps "…" in their place, as it keeps no password.
SECRET_ARGUMENTS = frozenset({"secret", "token"})
job_log = logging.getLogger("mingshi.job")


class RequestLogMiddleware:
    """One line per request (static files aside), after the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(settings.STATIC_URL) or not request_log.isEnabledFor(
            logging.INFO
        ):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        path, arguments = request.path_info, {}
        if match:
            arguments = {k: str(v) for k, v in match.kwargs.items()}
            for name in SECRET_ARGUMENTS.intersection(arguments):
                path = path.replace(arguments[name], "…")
                arguments[name] = "…"
        request_log.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "view": match.view_name if match else None,
                "object": arguments,
                "user": user.pk if user is not None and user.is_authenticated else None,
                "ip": client_ip(request),
            },
        )
        return response


_started: dict[str, float] = {}


def _arguments(args, kwargs) -> dict:
    """A job's arguments as they identify its objects (ids; long values cut)."""
    return {
        "args": [str(a)[:100] for a in args or ()],
        **{k: str(v)[:100] for k, v in (kwargs or {}).items()},
    }


def _prerun(task_id=None, **kwargs):
    _started[task_id] = time.perf_counter()


def _postrun(task_id=None, task=None, args=None, kwargs=None, state=None, **extra):
    started = _started.pop(task_id, None)
    job_log.info(
        "%s %s",
        task.name if task else "?",
        state,
        extra={
            "task": task.name if task else None,
            "task_id": task_id,
            "state": state,
            "object": {
                "args": [str(a) for a in args or ()],
                **{k: str(v) for k, v in (kwargs or {}).items()},
            },
            "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        },
    )


def _failure(task_id=None, exception=None, sender=None, **kwargs):
    job_log.warning(
        "%s failed: %s",
        getattr(sender, "name", "?"),
        type(exception).__name__,
        extra={
            "task": getattr(sender, "name", None),
            "task_id": task_id,
            "error": type(exception).__name__,
        },
    )


def _retry(request=None, reason=None, sender=None, **kwargs):
    job_log.info(
        "%s retried",
        getattr(sender, "name", "?"),
        extra={
            "task": getattr(sender, "name", None),
            "task_id": getattr(request, "id", None),
            "reason": str(reason)[:200],
        },
    )


def connect() -> None:
    task_prerun.connect(_prerun, dispatch_uid="core.logs.prerun", weak=False)
    task_postrun.connect(_postrun, dispatch_uid="core.logs.postrun", weak=False)
    task_failure.connect(_failure, dispatch_uid="core.logs.failure", weak=False)
    task_retry.connect(_retry, dispatch_uid="core.logs.retry", weak=False)
