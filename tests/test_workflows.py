"""States move only in the workflow modules, and every transition is recorded with a literal verb.

The state fields are read from the models themselves (every CharField with choices named
``status`` or ``state`` on a model of the apps that have states), so a new state machine is
covered without editing this test. The scan reads the product's source with ``ast``:

- ``obj.status = …`` (or ``+=``) anywhere;
- ``.update(status=…)``, ``.create(status=…)``, ``Model(status=…)``, ``defaults={"status": …}``;

outside a ``workflow.py`` module is a failure. Creating a row in its field's default state is
not a transition and is not written out, so it is not found.
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
STATEFUL_APPS = ["accounts", "applications", "studios", "assessments", "funding"]
# Fields named like a state that are data, not a state machine, with the reason.
NOT_STATES = {
    # A member's attendance mark at one activity (present, on leave, absent): recorded and
    # corrected by the host like any other field, with no order between the values.
    ("studios", "Attendance", "status"),
    # The background-job runner's lease machine (queued → running → done/failed): no actor, no
    # transition helper; accounts/jobs.py moves it with conditional updates of its own, guarded
    # by the lease and the attempt number (see OWN_STATE_MACHINES).
    ("accounts", "Job", "status"),
    # A notice's SMS or group-robot delivery (pending → sending → sent/not sent): no actor
    # either; accounts/deliveries.py claims and finishes it with conditional updates.
    ("accounts", "ChannelDelivery", "status"),
}
# Modules that move a state machine of their own, with the reason; every other module of
# accounts is scanned (an invitation's states move in accounts/workflow.py).
OWN_STATE_MACHINES = {
    "accounts/jobs.py": "the background-job runner's lease machine",
    "accounts/deliveries.py": "the claim of each SMS or group-robot delivery",
}


def _fields_by_model() -> dict[str, set[str]]:
    """Every model of the apps, by class name, with the state fields it has (maybe none)."""
    found: dict[str, set[str]] = {}
    for label in STATEFUL_APPS:
        for model in apps.get_app_config(label).get_models():
            found[model.__name__] = {
                field.name
                for field in model._meta.get_fields()
                if getattr(field, "choices", None)
                and field.name in {"status", "state"}
                and (label, model.__name__, field.name) not in NOT_STATES
            }
    return found


def state_fields() -> set[str]:
    return set().union(*_fields_by_model().values())


def product_modules(*, with_accounts: bool = False):
    """The product's source. The verb check leaves accounts out: its helpers record verbs
    their callers name (``security_event_record``, ``reminder_send``)."""
    stateful = [app for app in STATEFUL_APPS if with_accounts or app != "accounts"]
    for app in ["core", "policies", *stateful, "demo"]:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


WRITING_METHODS = {"update", "create", "get_or_create", "update_or_create"}


def _receiver(func: ast.expr) -> str | None:
    """The name a call chain starts from: ``Studio`` in ``Studio.objects.filter().update``."""
    while isinstance(func, ast.Attribute | ast.Call):
        func = func.func if isinstance(func, ast.Call) else func.value
    return func.id if isinstance(func, ast.Name) else None


def _writes_a_state(node: ast.AST, fields: set[str], models: dict[str, set[str]] | None = None):
    models = models if models is not None else {}
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(isinstance(t, ast.Attribute) and t.attr in fields for t in targets)
    if not isinstance(node, ast.Call):
        return False
    written = {kw.arg for kw in node.keywords if kw.arg in fields}
    for kw in node.keywords:
        if kw.arg == "defaults" and isinstance(kw.value, ast.Dict):
            written |= {k.value for k in kw.value.keys if isinstance(k, ast.Constant)} & fields
    if not written:
        return False
    func = node.func
    if isinstance(func, ast.Name):  # Model(status=…): only a model that has that state field
        return bool(written & models.get(func.id, set()))
    if not (isinstance(func, ast.Attribute) and func.attr in WRITING_METHODS):
        return False
    name = _receiver(func)
    if name in models:  # Attendance.objects.create(status=…) writes no state of Attendance
        return bool(written & models[name])
    return True  # a queryset or manager in a variable: assume the worst


def state_writes_outside_workflows() -> list[str]:
    models = _fields_by_model()
    fields = state_fields()
    found = []
    for path in product_modules(with_accounts=True):
        if path.name == "workflow.py" or str(path.relative_to(ROOT)) in OWN_STATE_MACHINES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if _writes_a_state(node, fields, models):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_scan_knows_the_state_fields():
    assert state_fields() == {"status", "state"}


def test_no_state_is_written_outside_the_workflows():
    assert state_writes_outside_workflows() == []


def test_the_scan_would_see_each_kind_of_write():
    fields, models = state_fields(), _fields_by_model()
    for source in [
        "application.status = 'x'",
        "Call.objects.filter(pk=1).update(status='open')",
        "Studio.objects.create(name='n', status='revoked')",
        "Studio(status='ended')",
        "Round.objects.update_or_create(pk=1, defaults={'status': 'done'})",
        "assignment.state = State.CONFLICT",
    ]:
        node = ast.parse(source).body[0]
        inner = node.value if isinstance(node, ast.Expr) else node
        assert _writes_a_state(inner, fields, models), source
    for source in [
        "Q(status='open')",
        "qs.filter(status='open')",
        "label = row.status",
        "Attendance.objects.create(membership=m, status='present')",
        "QuotaState(quota=q, state='behind')",
    ]:
        node = ast.parse(source).body[0]
        inner = node.value if isinstance(node, ast.Expr) else node
        assert not _writes_a_state(inner, fields, models), source


@pytest.mark.parametrize("app", STATEFUL_APPS)
def test_every_app_with_states_has_a_workflow_module(app):
    assert (ROOT / app / "workflow.py").exists()


class _Verbs:
    """Decides whether a ``verb=`` value is one a reader can grep for.

    Allowed: a string literal; ``a if cond else b`` of allowed values; ``TABLE[key]`` where
    ``TABLE`` is a module-level dict of string literals; a local name assigned only allowed
    values; a parameter of a private helper (``_move``) whose every caller passes one.
    An f-string or any other expression is not.
    """

    def __init__(self, tree: ast.Module):
        self.tree = tree
        self.tables = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
            for target in node.targets
            if isinstance(target, ast.Name)
            and all(
                isinstance(v, ast.Constant) and isinstance(v.value, str) for v in node.value.values
            )
        }
        self.functions = {
            node.name: node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }

    def allowed(self, value: ast.expr, function, depth: int = 0) -> bool:
        if isinstance(value, ast.Constant):
            return isinstance(value.value, str)
        if isinstance(value, ast.IfExp):
            return self.allowed(value.body, function, depth) and self.allowed(
                value.orelse, function, depth
            )
        if isinstance(value, ast.Subscript):
            return isinstance(value.value, ast.Name) and value.value.id in self.tables
        if isinstance(value, ast.Name) and function is not None and depth < 3:
            assigned = list(self._assignments(value.id, function))
            if assigned:
                return all(self.allowed(v, function, depth + 1) for v in assigned)
            parameters = {a.arg for a in function.args.args + function.args.kwonlyargs}
            if value.id in parameters and function.name.startswith("_"):
                calls = list(self._calls_of(function.name))
                return bool(calls) and all(
                    self.allowed(v, caller, depth + 1) for v, caller in calls
                )
        return False

    def _assignments(self, name: str, function):
        for node in ast.walk(function):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    yield node.value
                elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    for element, v in zip(target.elts, node.value.elts, strict=False):
                        if isinstance(element, ast.Name) and element.id == name:
                            yield v

    def _calls_of(self, name: str):
        for caller in self.functions.values():
            for node in ast.walk(caller):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == name
                ):
                    for kw in node.keywords:
                        if kw.arg == "verb":
                            yield kw.value, caller


RECORDING_CALLS = {"transition", "audit_record", "notify", "_move"}


def verbs_that_grep_cannot_find() -> list[str]:
    found = []
    for path in product_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        verbs = _Verbs(tree)
        for function in verbs.functions.values():
            for node in ast.walk(function):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if (
                    name not in RECORDING_CALLS
                    or path.name == "workflow.py"
                    and path.parent.name == "core"
                ):
                    continue
                for kw in node.keywords:
                    if kw.arg == "verb" and not verbs.allowed(kw.value, function):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return sorted(set(found))


def test_every_recorded_verb_is_a_literal_that_grep_finds():
    assert verbs_that_grep_cannot_find() == []


def test_the_verb_check_refuses_an_f_string():
    tree = ast.parse(
        "def f(target):\n"
        "    audit_record(verb=f'x.{target}')\n"
        "    audit_record(verb='x.done' if target else 'x.undone')\n"
    )
    verbs = _Verbs(tree)
    function = verbs.functions["f"]
    calls = [n for n in ast.walk(function) if isinstance(n, ast.Call)]
    assert [verbs.allowed(c.keywords[0].value, function) for c in calls] == [False, True]


# --- the transition helper itself, on a real call ---------------------------------------------


@pytest.fixture
def draft_call(demo):
    from accounts.models import User
    from tests.applications.factories import BUREAU_ADMIN, draft_call

    return draft_call(), User.objects.get(username=BUREAU_ADMIN["liuzhou-2024"])


def _entries(call):
    from accounts.models import AuditEntry

    return list(
        AuditEntry.objects.filter(object_id=str(call.pk), verb__startswith="tests.").values_list(
            "verb", "from_state", "to_state"
        )
    )


def test_a_transition_is_locked_guarded_written_recorded_and_told_after_commit(
    draft_call, django_capture_on_commit_callbacks
):
    from applications.models import Call, CallStatus
    from core.workflow import transition

    call, actor = draft_call
    told = []
    with django_capture_on_commit_callbacks(execute=True):
        left = transition(
            call,
            to=CallStatus.OPEN,
            sources=CallStatus.DRAFT,
            actor=actor,
            verb="tests.call.opened",
            permission=("applications.manage_call", call),
            after=lambda: told.append(call.status),
        )
    assert left == CallStatus.DRAFT and call.status == CallStatus.OPEN
    assert Call.objects.get(pk=call.pk).status == CallStatus.OPEN
    assert _entries(call) == [("tests.call.opened", "draft", "open")]
    assert told == [CallStatus.OPEN]


def test_a_second_click_and_a_missing_permission_change_nothing(draft_call):
    from accounts.models import User
    from applications.models import Call, CallStatus
    from core.workflow import NotPermitted, TransitionRefused, transition

    call, actor = draft_call
    teacher = User.objects.get(username="lz_teacher")
    with pytest.raises(NotPermitted):
        transition(
            call,
            to=CallStatus.OPEN,
            sources=CallStatus.DRAFT,
            actor=teacher,
            verb="tests.call.opened",
            permission=("applications.manage_call", call),
        )
    stale = Call.objects.get(pk=call.pk)
    transition(call, to=CallStatus.OPEN, sources=CallStatus.DRAFT, actor=actor, verb="tests.a")
    with pytest.raises(TransitionRefused):  # the stale page's click: the row has moved on
        transition(stale, to=CallStatus.OPEN, sources=CallStatus.DRAFT, actor=actor, verb="tests.b")
    assert Call.objects.get(pk=call.pk).status == CallStatus.OPEN
    assert _entries(call) == [("tests.a", "draft", "open")]


def _is_atomic(function: ast.FunctionDef) -> bool:
    decorated = any("atomic" in ast.unparse(d) for d in function.decorator_list)
    return decorated or "transaction.atomic" in ast.unparse(function)


def test_a_public_function_that_locks_rows_holds_a_transaction():
    """select_for_update outside a transaction is an error on PostgreSQL (a 500) and nothing
    on SQLite, and the test database wraps every test in a transaction: only a live server
    would find a lost ``@transaction.atomic``. This finds it in the source. A helper that locks
    for its caller says so in its docstring ("for the rest of the transaction")."""
    unguarded = []
    for path in product_modules(with_accounts=True):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            doc = ast.get_docstring(node) or ""
            inside = "rest of the transaction" in doc or "caller's transaction" in doc
            if "select_for_update" in ast.unparse(node) and not (_is_atomic(node) or inside):
                unguarded.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert unguarded == []
