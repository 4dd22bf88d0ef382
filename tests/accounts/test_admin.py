"""The admin reads what services write: status, money and audited records cannot be changed
there, the few writes it allows go through the services, and no add form answers 500."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import AuditEntry, Role, RoleAssignment

OURS = {"accounts", "studios", "applications", "assessments", "funding"}
# The only models of ours the admin may write, and how: master data with its model's own
# validation, role assignments through role_assign/role_revoke (audited), and a wrong single
# sign-on binding removed through sso.identity_unlink (audited).
WRITABLE = {
    "accounts.ExternalIdentity": {"delete"},
    "accounts.User": {"add", "change"},
    "accounts.City": {"add", "change"},
    "accounts.Organisation": {"add", "change"},
    "accounts.RoleAssignment": {"add", "delete"},
}


@pytest.fixture
def superuser_request(demo):
    request = RequestFactory().get("/admin/")
    request.user = demo.user("admin")
    return request


def test_the_admin_writes_only_what_is_declared(superuser_request):
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OURS:
            continue
        allowed = {
            verb
            for verb, check in (
                ("add", model_admin.has_add_permission),
                ("change", model_admin.has_change_permission),
                ("delete", model_admin.has_delete_permission),
            )
            if check(superuser_request)
        }
        assert allowed == WRITABLE.get(model._meta.label, set()), model._meta.label
        for inline in model_admin.get_inline_instances(superuser_request):
            assert not inline.has_add_permission(superuser_request, None), inline
            assert not inline.has_change_permission(superuser_request), inline
            assert not inline.has_delete_permission(superuser_request), inline


def test_no_model_with_a_state_is_writable_in_the_admin():
    for model in admin.site._registry:
        if model._meta.app_label in OURS and any(
            f.name in ("status", "state") for f in model._meta.fields
        ):
            assert model._meta.label not in WRITABLE, model._meta.label


def test_the_beat_schedule_is_code_not_admin_rows():
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    assert not admin.site.is_registered(CrontabSchedule)
    assert not admin.site.is_registered(PeriodicTask)


def test_role_assignments_in_the_admin_go_through_the_services(demo, client):
    client.force_login(demo.user("admin"))
    teacher = demo.user("lz_teacher")
    school = demo.org("liucheng-zx")
    response = client.post(
        reverse("admin:accounts_roleassignment_add"),
        {"user": teacher.pk, "role": Role.SCHOOL_ADMIN, "organisation": school.pk},
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=teacher, role=Role.SCHOOL_ADMIN)
    entry = AuditEntry.objects.get(verb="accounts.role.assigned", object_id=str(assignment.pk))
    assert entry.actor == demo.user("admin") and entry.organisation == school
    response = client.post(
        reverse("admin:accounts_roleassignment_delete", args=[assignment.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEntry.objects.filter(
        verb="accounts.role.revoked", object_id=str(assignment.pk)
    ).exists()


@pytest.mark.parametrize(
    "url_name, data",
    [
        # An unknown kind, no city: clean() used to look the kind up and fail.
        ("admin:accounts_organisation_add", {"kind": "", "name": "某校", "code": "x"}),
        ("admin:accounts_organisation_add", {"kind": "nonsense", "school_stages": "{}"}),
        ("admin:accounts_organisation_add", {"kind": "school", "school_stages": '[{"a": 1}]'}),
        # An unknown role: clean() used to look the role up and fail.
        ("admin:accounts_roleassignment_add", {"role": "nonsense", "user": "", "organisation": ""}),
        ("admin:accounts_roleassignment_add", {"role": "", "user": "abc", "organisation": "-1"}),
    ],
)
def test_add_forms_answer_bad_values_with_their_errors(demo, client, url_name, data):
    client.force_login(demo.user("admin"))
    before = RoleAssignment.objects.count(), AuditEntry.objects.count()
    response = client.post(reverse(url_name), data)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert (RoleAssignment.objects.count(), AuditEntry.objects.count()) == before


def test_a_policy_is_not_edited_in_the_admin(demo, client):
    client.force_login(demo.user("admin"))
    assert client.get(reverse("admin:policies_policy_add")).status_code == 403
    assert client.get(reverse("admin:policies_policy_changelist")).status_code == 200
