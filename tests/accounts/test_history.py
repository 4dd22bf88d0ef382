"""The audit trail reads as sentences: every verb in the source has a phrase, each state a label."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation

from accounts.history import history_rows, registered_verbs, state_label
from accounts.models import AuditEntry, Role
from accounts.services import audit_record
from tests.accounts.factories import user_with_role

ROOT = Path(__file__).resolve().parent.parent.parent
PRODUCT_APPS = ["core", "accounts", "policies", "applications", "studios", "assessments", "funding"]
# A recorded verb is "<app>.<noun>.<verb>"; every such string literal in the source is one.
VERB = re.compile(
    r"^(accounts|policies|applications|studios|assessments|funding)\.[a-z_]+\.[a-z_]+$"
)
# Strings of that shape that are not verbs, with the reason.
NOT_VERBS = {
    "funding.imports.upload",  # the signing salt of an import preview's token
    "accounts.onboarding.invitation",  # the HMAC salt of invitation tokens
}
STATEFUL_APPS = ["applications", "studios", "assessments", "funding"]


def verbs_in_source() -> dict[str, str]:
    """Every verb-shaped string literal of the product's source, with one place it occurs."""
    found = {}
    for app in PRODUCT_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and VERB.match(node.value)
                    and node.value not in NOT_VERBS
                ):
                    found.setdefault(node.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_scan_finds_the_verbs():
    found = verbs_in_source()
    assert "applications.application.submitted" in found
    assert "studios.studio.revoked" in found
    assert len(found) > 80


def test_every_verb_in_the_source_has_a_phrase():
    missing = {verb: where for verb, where in verbs_in_source().items()}
    for verb in registered_verbs():
        missing.pop(verb, None)
    assert missing == {}, "register a phrase in the app's history.py for each of these verbs"


def test_every_phrase_translates_and_formats():
    from accounts import history

    with translation.override("zh-hans"):
        for verb in registered_verbs():
            text = str(history.phrase_for(verb).text)
            assert text % {"from": "甲", "to": "乙", "object": "丙"}
            assert re.search(r"[\u4e00-\u9fff]", text), f"{verb} has no Chinese phrase: {text}"


@pytest.mark.parametrize("label", STATEFUL_APPS)
def test_every_state_of_every_app_has_its_label(label):
    for model in apps.get_app_config(label).get_models():
        for field in model._meta.get_fields():
            if getattr(field, "choices", None) and field.name in {"status", "state"}:
                model_label = model._meta.label_lower
                for code, label_text in field.choices:
                    assert state_label(code, model_label) == str(label_text), (model_label, code)


def test_a_verb_without_a_phrase_reads_as_a_sentence_not_as_its_code(demo):
    org = demo.org("liucheng-sx")
    audit_record(actor=None, obj=org, verb="tests.thing.happened", from_state="a", to_state="b")
    audit_record(actor=None, obj=org, verb="tests.thing.noted")
    with translation.override("zh-hans"):
        rows = history_rows(AuditEntry.objects.filter(verb__startswith="tests.").order_by("id"))
    assert [row.sentence for row in rows] == ["系统 将其由“a”改为“b”", "系统 记录了一项变更"]
    assert all("tests." not in row.sentence for row in rows)


def test_the_actor_is_named_by_role_label_or_school(demo):
    school = demo.org("liucheng-sx")
    admin = user_with_role(Role.SCHOOL_ADMIN, school, full_name="王五")
    teacher = user_with_role(Role.TEACHER, school, full_name="张三")
    audit_record(actor=admin, obj=school, verb="accounts.role.assigned")
    audit_record(actor=teacher, obj=school, verb="accounts.password.changed")
    with translation.override("zh-hans"):
        rows = history_rows(AuditEntry.objects.filter(organisation=school).order_by("id"))
    assert rows[-2].sentence == "学校管理员 王五 分配了角色"
    assert rows[-1].sentence == f"张三（{school.name}） 修改了密码"


def test_history_rows_read_the_roles_in_one_query(demo, django_assert_num_queries):
    school = demo.org("liucheng-sx")
    for n in range(5):
        actor = user_with_role(Role.SCHOOL_ADMIN, school, full_name=f"管理员{n}")
        audit_record(actor=actor, obj=school, verb="accounts.role.assigned")
    entries = list(AuditEntry.objects.select_related("actor", "content_type"))
    with django_assert_num_queries(1):
        history_rows(entries)
