"""The one transition helper under every app's ``workflow.py``.

A transition, in this order: :func:`transition` asks the permission rule it is given, locks
the row, checks the state the actor saw (so two clicks make one transition), writes the new
state with a conditional update, and records it in the audit trail → the caller's
notifications go out once the transaction commits (``after``).

The permission rules and the audit trail live in ``accounts``, a floor above this one; accounts
hands ``can`` and its recorder to :func:`record_transitions_with` when it starts, as the lower
layer owns the registry and the higher one fills it (the same pattern as permission rules,
daily jobs and background jobs).
Statuses are written nowhere else: ``tests/test_workflows.py`` fails on any assignment to a state
field outside the ``workflow.py`` modules.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _

from .errors import DomainError

Recorder = Callable[..., Any]
Checker = Callable[[Any, str, Any], bool]
_recorder: Recorder | None = None
_checker: Checker | None = None


def record_transitions_with(recorder: Recorder, checker: Checker) -> None:
    """Called once by ``accounts`` at start-up with ``audit_record`` and ``can``."""
    global _recorder, _checker
    _recorder, _checker = recorder, checker


class TransitionRefused(DomainError):
    """The object is no longer in a state the transition starts from (someone acted first)."""


class NotPermitted(DomainError, PermissionDenied):
    """The actor lacks the rule the transition names. Services ask first and refuse in their
    own words; should one not, Django answers this with the 403 page, never a 500."""


def transition(
    obj: models.Model,
    *,
    to: str,
    sources: str | Iterable[str],
    actor,
    verb: str,
    comment: str = "",
    field: str = "status",
    changes: dict[str, Any] | None = None,
    refused: type[DomainError] | Callable[[str], DomainError] | None = None,
    organisation=None,
    idempotency_key: str | None = None,
    after: Callable[[], None] | None = None,
    recorded_as: str | None = None,
    permission: tuple[str, Any] | None = None,
) -> str:
    """Move ``obj`` from one of ``sources`` to ``to`` and record it; return the state it left.

    ``changes`` are further fields written in the same update (a date, who decided). When the
    row is no longer in a source state, nothing is written and ``refused`` (an exception class
    taking the message, or a function of the current state returning the exception) is raised.
    ``after`` runs when the transaction commits: notifications, queued jobs. ``recorded_as``
    is what the audit trail shows as the new state when it says more than the state itself
    (a decision recorded as its outcome: "pass", "excellent"). ``permission`` is the rule and
    its object the actor needs (asked first; a scheduled job, with no actor, is not asked).
    """
    if _recorder is None or _checker is None:
        raise ImproperlyConfigured("No audit recorder: is accounts in INSTALLED_APPS?")
    if permission is not None and actor is not None:
        rule, target = permission
        if not _checker(actor, rule, target):
            raise NotPermitted(_("You may not do this."))
    allowed = {sources} if isinstance(sources, str) else set(sources)
    model = type(obj)
    with transaction.atomic():
        current = (
            model._default_manager.select_for_update(of=("self",))
            .filter(pk=obj.pk)
            .values_list(field, flat=True)
            .first()
        )
        if current not in allowed:
            raise _refusal(refused, current)
        updates = {field: to, **(changes or {})}
        moved = model._default_manager.filter(pk=obj.pk, **{field: current}).update(**updates)
        if moved != 1:  # the lock makes this unreachable; a last line of defence on SQLite
            raise _refusal(refused, current)
        for name, value in updates.items():
            setattr(obj, name, value)
        _recorder(
            actor=actor,
            obj=obj,
            verb=verb,
            from_state=current,
            to_state=recorded_as or to,
            comment=comment,
            organisation=organisation,
            idempotency_key=idempotency_key,
        )
        if after is not None:
            transaction.on_commit(after)
    return current


def _refusal(refused, current) -> DomainError:
    if refused is None:
        return TransitionRefused(
            _("Someone else has already acted on this. Reload the page to see its current state.")
        )
    if isinstance(refused, type):
        return refused(
            _("Someone else has already acted on this. Reload the page to see its current state.")
        )
    return refused(current)
