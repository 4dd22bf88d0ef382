"""Requests as each demo role, each inside a savepoint that is rolled back at once.

A server error is answered (not raised) so that the matrix and the fuzz can collect them all,
with the traceback of each, and report them together.
"""

import re
import traceback
from dataclasses import dataclass, field

from django.core.signals import got_request_exception
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import User

from .table import LOGIN, ROLES


@dataclass
class Outcome:
    status: int
    kind: int | str  # the status, or LOGIN for a redirect to the login page
    response: object
    error: str = ""
    writes: list[str] = field(default_factory=list)


class _Errors:
    """Tracebacks of exceptions the handler turned into 500s during one request."""

    def __init__(self):
        self.last: list[str] = []
        got_request_exception.connect(self._record, weak=False)

    def _record(self, sender, request=None, **kwargs):
        self.last.append(traceback.format_exc())


_errors = _Errors()

# Statements that change data. Sessions are the one table a refused request may write (the
# message that explains the refusal travels in it).
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
_SESSION = re.compile(r'\b"?django_session"?\b', re.IGNORECASE)


class _WriteSpy:
    def __init__(self):
        self.writes: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        if _WRITE.match(sql) and not _SESSION.search(sql):
            self.writes.append(sql[:200])
        return execute(sql, params, many, context)


class _Rollback(Exception):
    pass


def clients_for(users: dict[str, User]) -> dict[str, Client]:
    """One logged-in client per demo role (and one for the anonymous visitor)."""
    clients = {"anon": Client(raise_request_exception=False)}
    for role in ROLES:
        if role == "anon":
            continue
        client = Client(raise_request_exception=False)
        client.force_login(users[role])
        clients[role] = client
    return clients


def request(client: Client, method: str, url: str, data=None, *, keep=False, **extra) -> Outcome:
    """One request in a savepoint, rolled back at once (``keep``: left to the caller's own
    transaction, so that a second request sees what the first did)."""
    from django.db import connection

    spy = _WriteSpy()
    _errors.last = []
    response = None
    # The database is rolled back after the request; the client's cookies are put back too
    # (a logout or a language switch would otherwise outlive its rollback).
    cookies = client.cookies
    client.cookies = cookies.__class__()
    client.cookies.update(cookies)
    try:
        with transaction.atomic():
            with connection.execute_wrapper(spy):
                if method == "GET":
                    response = client.get(url, data or {}, **extra)
                else:
                    response = client.post(url, data or {}, **extra)
            if not keep or response.status_code >= 500:
                raise _Rollback
    except _Rollback:
        pass
    finally:
        client.cookies = cookies
    status = response.status_code
    kind: int | str = status
    if status == 302 and "/login/" in response.get("Location", ""):
        kind = LOGIN
    error = "\n".join(_errors.last) if status >= 500 else ""
    return Outcome(status, kind, response, error, spy.writes)


def named_patterns() -> dict[str, URLPattern]:
    """Every named URL pattern of ours (the Django admin is checked on its own)."""
    found: dict[str, URLPattern] = {}

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found[name] = pattern

    walk(get_resolver().url_patterns)
    return found


# A script element without src, other than a JSON data block (json_script), runs inline.
INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE
)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def page_problems(outcome: Outcome) -> list[str]:
    """What a rendered page must never carry, whoever asks."""
    response = outcome.response
    if outcome.status != 200 or "text/html" not in response.get("Content-Type", ""):
        return []
    html = response.content.decode("utf-8", "replace")
    problems = []
    if INLINE_SCRIPT.search(html):
        problems.append("an inline <script> (the Content-Security-Policy forbids it)")
    if INLINE_HANDLER.search(html):
        problems.append("an inline on…= event handler (the Content-Security-Policy forbids it)")
    return problems
