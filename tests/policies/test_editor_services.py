"""The editor's services and selectors: the checks of a policy as a whole, versions, and who may
edit what."""

import dataclasses
from decimal import Decimal

import pytest

from accounts.models import AuditEntry, City
from accounts.permissions import can
from applications.models import Call
from policies import selectors, services
from policies.models import Policy
from policies.services import PolicyError, policy_as_edit
from tests.applications.factories import draft_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def liuzhou(demo):
    return Policy.objects.get(code="liuzhou-2024")


def with_values(edit, **values):
    return dataclasses.replace(edit, values={**edit.values, **values})


def test_a_scored_checklist_must_add_up_to_100_and_the_message_gives_the_total(liuzhou):
    edit = policy_as_edit(liuzhou)
    rows = [dict(r) for r in edit.indicators]
    first_annual = next(r for r in rows if r["scope"] == "annual")
    first_annual["max_points"] = first_annual["max_points"] - Decimal("7")
    edit = dataclasses.replace(edit, indicators=rows)
    with pytest.raises(PolicyError) as refused:
        services.policy_save(actor=None, policy=liuzhou, edit=edit)
    (message,) = refused.value.problems["indicators"]
    assert "93" in message
    # A pass/fail assessment may weigh its annual checklist as it likes.
    services.policy_save(
        actor=None,
        policy=liuzhou,
        edit=with_values(
            edit, annual_assessment_scale="pass_fail", annual_pass_score=None,
            annual_commend_score=None,
        ),
    )  # fmt: skip


def test_the_member_sources_must_fit_the_member_rule(liuzhou):
    edit = with_values(policy_as_edit(liuzhou), members_recruited_by_host=9)
    with pytest.raises(PolicyError) as refused:
        services.policy_save(actor=None, policy=liuzhou, edit=edit)
    assert "19" in refused.value.problems["members_recruited_by_host"][0]


def test_a_team_without_a_host_or_with_a_role_twice_is_refused(liuzhou):
    edit = policy_as_edit(liuzhou)
    no_host = dataclasses.replace(
        edit, team_rules=[r for r in edit.team_rules if r["role"] != "host"]
    )
    with pytest.raises(PolicyError) as refused:
        services.policy_save(actor=None, policy=liuzhou, edit=no_host)
    assert "team_rules" in refused.value.problems
    twice = dataclasses.replace(edit, team_rules=[*edit.team_rules, dict(edit.team_rules[0])])
    with pytest.raises(PolicyError):
        services.policy_save(actor=None, policy=liuzhou, edit=twice)
    assert liuzhou.team_rules.count() == len(edit.team_rules)


def test_an_unused_policy_is_edited_in_place(liuzhou):
    assert not selectors.policy_in_use(liuzhou)
    saved = services.policy_save(
        actor=None, policy=liuzhou, edit=with_values(policy_as_edit(liuzhou), term_years=4)
    )
    assert saved.pk == liuzhou.pk and saved.version == 1 and saved.term_years == 4
    assert not Policy.objects.filter(replaces=liuzhou).exists()


def test_a_used_policy_gets_versions_and_only_the_newest_is_offered(liuzhou, demo):
    draft_call("liuzhou-2024")
    assert selectors.policy_in_use(liuzhou)
    v2 = services.policy_save(
        actor=None, policy=liuzhou, edit=with_values(policy_as_edit(liuzhou), term_years=4)
    )
    assert (v2.code, v2.version, v2.replaces_id, v2.term_years) == (
        "liuzhou-2024-v2",
        2,
        liuzhou.pk,
        4,
    )
    liuzhou.refresh_from_db()
    assert liuzhou.term_years == 3
    # The replaced version cannot be edited again (a second click, a stale page).
    with pytest.raises(PolicyError):
        services.policy_save(actor=None, policy=liuzhou, edit=policy_as_edit(liuzhou))
    assert Policy.objects.filter(replaces=liuzhou).count() == 1
    # v2 is unused: edited in place; once used, the next version is v3 of the same root.
    services.policy_save(actor=None, policy=v2, edit=with_values(policy_as_edit(v2), term_years=5))
    assert Policy.objects.get(pk=v2.pk).version == 2
    second = draft_call("liuzhou-2024", title="第二批")
    Call.objects.filter(pk=second.pk).update(policy=v2)  # a call pinned to version 2
    v3 = services.policy_save(actor=None, policy=v2, edit=policy_as_edit(v2))
    assert (v3.code, v3.version) == ("liuzhou-2024-v3", 3)
    assert [p.version for p in selectors.policy_versions(liuzhou)] == [1, 2, 3]
    assert selectors.newest_version(liuzhou) == v3

    bureau = demo.user("lz_city")
    offered = set(selectors.current_policies_for(bureau))
    assert v3 in offered and liuzhou not in offered and v2 not in offered
    assert liuzhou in set(selectors.current_policies_for(bureau, keep=liuzhou))
    versioned = AuditEntry.objects.filter(verb="policies.policy.versioned")
    assert versioned.count() == 2


def test_only_the_citys_municipal_administrator_may_edit(liuzhou, demo):
    assert can(demo.user("lz_city"), "policies.manage_policy", liuzhou)
    assert not can(demo.user("sz_city"), "policies.manage_policy", liuzhou)
    assert not can(demo.user("lz_ce"), "policies.manage_policy", liuzhou)
    assert not can(demo.user("lz_teacher"), "policies.manage_policies")
    assert can(demo.user("sz_city"), "policies.manage_policies")


def test_a_preset_or_a_blank_page_as_a_start(demo):
    suizhou = City.objects.get(code="suizhou")
    edit = services.preset_as_edit("liuzhou-2024", suizhou)
    assert edit.pairing_counties == []  # Liuzhou's counties are not Suizhou's
    assert edit.values["funding_max"] == Decimal("20000.00")
    assert {r["role"] for r in edit.team_rules} >= {"host", "member"}
    blank = services.blank_edit()
    assert blank.values["school_stages"] == [] and blank.team_rules[0]["role"] == "host"
    with pytest.raises(PolicyError) as refused:
        services.policy_create(actor=None, city=suizhou, code="blank-x", edit=blank)
    assert {"school_stages", "annual_assessor"} <= set(refused.value.problems)
    assert not Policy.objects.filter(code="blank-x").exists()
