"""Every role sees its own scope and nothing else; each rule: allowed, denied, other county."""

import pytest
from guardian.shortcuts import assign_perm

from accounts.models import Role
from accounts.permissions import can, has_role, organisations_in_scope, registered_rules
from accounts.services import audit_record

pytestmark = pytest.mark.django_db

LIUCHENG_SCHOOL = "liucheng-sx"
LUZHAI_SCHOOL = "luzhai-sx"
AFFILIATED_SCHOOL = "lzgz"


def names(queryset):
    return set(queryset.values_list("name", flat=True))


def test_county_reviewer_scope_is_their_county_and_its_schools(demo):
    reviewer = demo.user("lz_county")
    scope = names(organisations_in_scope(reviewer))
    assert scope == {"柳城县", "柳城县实验小学", "柳城县中学"}


def test_county_reviewer_views_own_county_school_but_not_another_county(demo):
    reviewer = demo.user("lz_county")
    assert can(reviewer, "accounts.view_organisation", demo.org(LIUCHENG_SCHOOL))
    assert not can(reviewer, "accounts.view_organisation", demo.org(LUZHAI_SCHOOL))
    assert not can(reviewer, "accounts.view_organisation", demo.org(AFFILIATED_SCHOOL))
    assert not can(reviewer, "accounts.view_organisation", demo.org("zengdu-sx", "suizhou"))


@pytest.mark.parametrize("username", ["lz_city", "lz_ce", "lz_expert", "lz_auditor"])
def test_city_wide_roles_see_every_organisation_of_their_city_only(demo, username):
    user = demo.user(username)
    assert can(user, "accounts.view_organisation", demo.org(LIUCHENG_SCHOOL))
    assert can(user, "accounts.view_organisation", demo.org(LUZHAI_SCHOOL))
    assert can(user, "accounts.view_organisation", demo.org(AFFILIATED_SCHOOL))
    assert not can(user, "accounts.view_organisation", demo.org("zengdu-sx", "suizhou"))
    assert all(org.city.code == "liuzhou" for org in organisations_in_scope(user))


def test_county_auditor_sees_only_their_county(demo):
    auditor = demo.user("lz_auditor_liucheng")
    assert can(auditor, "accounts.view_organisation", demo.org(LIUCHENG_SCHOOL))
    assert not can(auditor, "accounts.view_organisation", demo.org(LUZHAI_SCHOOL))
    assert names(organisations_in_scope(auditor)) == {"柳城县", "柳城县实验小学", "柳城县中学"}


def test_school_admin_sees_own_school_only(demo):
    admin = demo.user("lz_school")
    assert can(admin, "accounts.view_organisation", demo.org(LIUCHENG_SCHOOL))
    assert not can(admin, "accounts.view_organisation", demo.org("liucheng-zx"))
    assert not can(admin, "accounts.view_organisation", demo.org("liucheng"))


def test_teacher_cannot_browse_organisations_or_the_audit_trail(demo):
    teacher = demo.user("lz_teacher")
    assert not can(teacher, "accounts.browse_organisations")
    assert not can(teacher, "accounts.view_audit_trail")
    assert not can(teacher, "accounts.view_organisation", demo.org(LIUCHENG_SCHOOL))


def test_guardian_grant_opens_exactly_one_object(demo):
    teacher = demo.user("lz_teacher")
    school = demo.org(LUZHAI_SCHOOL)
    assign_perm("accounts.view_organisation", teacher, school)
    assert can(teacher, "accounts.view_organisation", school)
    assert not can(teacher, "accounts.view_organisation", demo.org("luzhai-zx"))


def test_audit_entries_follow_the_organisation_scope(demo):
    liucheng_entry = audit_record(
        actor=None, obj=demo.org(LIUCHENG_SCHOOL), verb="test.changed", to_state="x"
    )
    luzhai_entry = audit_record(
        actor=None, obj=demo.org(LUZHAI_SCHOOL), verb="test.changed", to_state="x"
    )
    reviewer = demo.user("lz_county")
    assert can(reviewer, "accounts.view_audit_entry", liucheng_entry)
    assert not can(reviewer, "accounts.view_audit_entry", luzhai_entry)
    city_auditor = demo.user("lz_auditor")
    assert can(city_auditor, "accounts.view_audit_entry", luzhai_entry)
    assert not can(demo.user("sz_auditor"), "accounts.view_audit_entry", luzhai_entry)
    assert not can(demo.user("lz_expert"), "accounts.view_audit_entry", luzhai_entry)


def test_notifications_are_readable_by_their_recipient_only(demo):
    from accounts.services import notify

    [note] = notify([demo.user("lz_teacher")], verb="test", title="hello")
    assert can(demo.user("lz_teacher"), "accounts.read_notification", note)
    assert not can(demo.user("lz_school"), "accounts.read_notification", note)


def test_anonymous_and_inactive_users_are_refused_everything(demo):
    from django.contrib.auth.models import AnonymousUser

    city_admin = demo.user("lz_city")
    city_admin.is_active = False
    for rule_name in registered_rules():
        assert not can(AnonymousUser(), rule_name, demo.org(LIUCHENG_SCHOOL))
        assert not can(city_admin, rule_name, demo.org(LIUCHENG_SCHOOL))


def test_role_checks_use_codes_not_translated_labels(demo, settings):
    from django.utils import translation

    reviewer = demo.user("lz_county")
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert has_role(reviewer, Role.COUNTY_REVIEWER)
            assert has_role(reviewer, "county_reviewer")
            assert can(reviewer, "accounts.view_organisation", demo.org(LIUCHENG_SCHOOL))


def test_unknown_rule_is_an_error_not_a_silent_no(demo):
    with pytest.raises(LookupError):
        can(demo.user("lz_city"), "accounts.no_such_rule")
