"""Both presets load, validate, say exactly what the seeds say, and reload without change."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from policies.models import ActivityQuota, Policy, TeamRule
from policies.rules import team_rule
from policies.services import PolicyError, policy_load_preset, preset_codes

pytestmark = pytest.mark.django_db


def test_both_presets_are_shipped():
    assert preset_codes() == ["liuzhou-2024", "suizhou"]


@pytest.mark.parametrize("code", ["liuzhou-2024", "suizhou"])
def test_preset_loads_and_every_record_validates(code):
    policy = policy_load_preset(actor=None, code=code)
    policy.full_clean()
    for rule in policy.team_rules.all():
        rule.full_clean()
    for quota in policy.activity_quotas.all():
        quota.full_clean()
    assert team_rule(policy, "host").min_count == team_rule(policy, "host").max_count == 1


def test_liuzhou_2024_rules_are_the_notices():
    policy = policy_load_preset(actor=None, code="liuzhou-2024")
    assert policy.city.name == "柳州市"
    assert policy.planned_studio_count == 20
    assert policy.term_years == 3
    members = team_rule(policy, "member")
    assert (members.min_count, members.max_count, members.min_head_teacher_years) == (15, 15, 5)
    assert (policy.members_recruited_by_host, policy.members_assigned_by_bureau) == (5, 10)
    advisors = team_rule(policy, "advisor")
    assert (advisors.min_count, advisors.max_count) == (1, 2)
    assistant = team_rule(policy, "assistant")
    assert (assistant.min_count, assistant.max_count, assistant.from_paired_county) == (1, 1, True)
    assert team_rule(policy, "host").min_head_teacher_years == 5
    assert team_rule(policy, "shadow") is None
    assert (policy.quota_per_county_per_stage, policy.quota_per_affiliated_school) == (1, 1)
    assert policy.plan_max_length == 3000
    assert (policy.funding_min, policy.funding_max) == (Decimal("10000"), Decimal("20000"))
    assert [c["name"] for c in policy.expenditure_categories] == [
        "交通",
        "食宿",
        "培训",
        "讲课及指导",
        "研讨会务",
        "图书资料",
        "设备器材",
    ]
    assert set(policy.pairing_counties.values_list("name", flat=True)) == {
        "柳城县",
        "鹿寨县",
        "融安县",
        "融水苗族自治县",
        "三江侗族自治县",
        "柳江区",
    }
    quotas = {q.code: (q.min_count, q.period, set(q.kinds)) for q in policy.activity_quotas.all()}
    assert quotas["training"] == (2, "year", {"training"})
    assert quotas["monthly-seminar"] == (1, "month", {"thematic_seminar", "online_salon"})
    assert quotas["onsite-seminar"] == (1, "semester", {"onsite_seminar"})
    assert quotas["pairing"][:2] == (4, "school_year")
    assert policy.activity_quotas.get(code="pairing").in_paired_county
    assert not policy.public_notice
    assert (policy.annual_assessor, policy.annual_assessment_scale) == (
        "municipal_bureau",
        "scored",
    )
    assert not policy.rectification_on_fail


def test_suizhou_rules_are_the_measures():
    policy = policy_load_preset(actor=None, code="suizhou")
    members = team_rule(policy, "member")
    assert (members.min_count, members.max_count) == (7, 9)
    assert (members.max_age, members.min_head_teacher_years) == (50, 3)
    assert members.must_be_serving_head_teacher
    host = team_rule(policy, "host")
    assert host.min_head_teacher_years == 5 and host.must_serve_through_term
    assert team_rule(policy, "advisor").max_count is None
    assert team_rule(policy, "shadow").max_count is None
    assert team_rule(policy, "assistant") is None
    assert policy.public_notice and not policy.pairing_required
    assert (policy.annual_assessor, policy.annual_assessment_scale) == ("ce_centre", "pass_fail")
    assert policy.rectification_on_fail and policy.failed_term_excludes_next_cycle
    assert policy.special_account_required and policy.equipment_becomes_fixed_asset
    assert "kindergarten" in policy.school_stages
    quotas = {q.code: q for q in policy.activity_quotas.all()}
    assert quotas["cross-studio-exchange"].period == "semester"
    assert quotas["member-school-report"].per_member


def test_loading_again_changes_nothing():
    call_command("load_policy", stdout=io.StringIO())

    def snapshot():
        return (
            list(Policy.objects.order_by("pk").values()),
            list(TeamRule.objects.order_by("pk").values()),
            list(ActivityQuota.objects.order_by("pk").values()),
        )

    before = snapshot()
    call_command("load_policy", stdout=io.StringIO())
    assert snapshot() == before


def test_unknown_preset_is_refused():
    with pytest.raises(PolicyError):
        policy_load_preset(actor=None, code="nowhere")


def test_an_inconsistent_policy_does_not_validate():
    from django.core.exceptions import ValidationError

    policy = policy_load_preset(actor=None, code="liuzhou-2024")
    policy.funding_min = Decimal("30000")
    with pytest.raises(ValidationError):
        policy.full_clean()
    rule = team_rule(policy, "advisor")
    rule.min_count = 3
    with pytest.raises(ValidationError):
        rule.full_clean()


CITY_WORDS = ("柳州", "随州", "liuzhou", "suizhou", "Liuzhou", "Suizhou")


def test_no_city_appears_in_product_code():
    """Cities' rules are data: only the presets and the demo data may name a city."""
    root = Path(__file__).resolve().parents[2]
    allowed = {root / "accounts" / "demo.py"}
    offenders = []
    for app in ("accounts", "studios", "applications", "assessments", "funding", "config"):
        for path in (root / app).rglob("*.py"):
            if path in allowed or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            offenders += [f"{path.relative_to(root)}: {w}" for w in CITY_WORDS if w in text]
    assert offenders == []


@pytest.mark.parametrize("code", ["liuzhou-2024", "suizhou"])
def test_each_checklist_adds_up_to_a_hundred_points(code):
    from policies.models import IndicatorScope

    policy = policy_load_preset(actor=None, code=code)
    for scope in IndicatorScope.values:
        points = sum(i.max_points for i in policy.indicators.filter(scope=scope))
        assert points == 100, scope
    term = list(policy.indicators.filter(scope="term").values_list("name", flat=True))
    assert term == ["教学管理科研成果", "主持人及成员成长情况", "影响和辐射能力"]
