"""The policy editor in the browser's forms: a bureau sets up its policy from a preset or from a
blank page, edits it in place while nothing uses it, and makes a new version once calls do."""

from decimal import Decimal

import lxml.html
import pytest
from django.urls import reverse

from accounts.models import AuditEntry, Organisation, OrganisationKind
from applications.models import Call
from policies.models import Policy
from tests.applications.factories import draft_call
from tests.matrix.forms import forms_on

pytestmark = pytest.mark.django_db


def page_form(client, url: str) -> dict:
    """What the browser sends when the page's editor form is submitted as rendered."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    cases = [
        c
        for c in forms_on("x", url, response.content.decode())
        if c.method == "POST" and "save" in {f.name for f in c.fields}
    ]
    assert len(cases) == 1
    return cases[0].defaults()


def errors_of(response) -> list[str]:
    doc = lxml.html.fromstring(response.content.decode())
    shown = []
    for e in doc.xpath("//*[@role='alert']"):
        names = e.getparent().xpath(".//*[@name]/@name")
        shown.append(
            f"{e.text_content().strip()} ({' '.join(names[:2])})"
            if names
            else e.text_content().strip()
        )
    return shown


def create_from_preset(client, code="liuzhou-2025", name="柳州市第二批名班主任工作室（2025）"):
    url = reverse("policies:policy_create") + "?start=liuzhou-2024"
    data = page_form(client, url)
    data.update(code=code, name=name)
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    return Policy.objects.get(code=code)


def test_the_start_page_offers_a_blank_page_and_the_presets(demo, client_for):
    page = client_for("lz_city").get(reverse("policies:policy_create")).content.decode()
    assert "柳州市首批名班主任工作室（2024）" in page and 'value="blank"' in page
    # The bureau's own city is the only one: no city to choose.
    assert 'name="city"' not in page


def test_a_policy_created_from_a_preset_copies_its_values_into_the_bureaus_city(demo, client_for):
    preset = Policy.objects.get(code="liuzhou-2024")
    policy = create_from_preset(client_for("lz_city"))
    assert policy.city == preset.city and policy.version == 1 and policy.replaces is None
    assert policy.funding_max == preset.funding_max == Decimal("20000")
    assert policy.expenditure_categories == preset.expenditure_categories
    assert sorted(r.role for r in policy.team_rules.all()) == sorted(
        r.role for r in preset.team_rules.all()
    )
    assert policy.activity_quotas.count() == preset.activity_quotas.count()
    assert [(i.scope, i.code, i.max_points) for i in policy.indicators.all()] == [
        (i.scope, i.code, i.max_points) for i in preset.indicators.all()
    ]
    assert set(policy.pairing_counties.all()) == set(preset.pairing_counties.all())
    entry = AuditEntry.objects.get(verb="policies.policy.created", object_id=str(policy.pk))
    assert entry.actor.username == "lz_city"
    assert entry.organisation.kind == OrganisationKind.MUNICIPAL_BUREAU


def test_a_blank_policy_says_what_is_missing_and_creates_nothing(demo, client_for):
    client = client_for("lz_city")
    url = reverse("policies:policy_create") + "?start=blank"
    data = page_form(client, url)
    data.update(code="nanning-2025", name="南宁市名班主任工作室")
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "请更正下面标出的字段" in page
    assert "请至少勾选一个学段" in page  # school stages
    assert "请至少列出一个支出类别" in page
    assert not Policy.objects.filter(code="nanning-2025").exists()

    data.update(
        school_stages=["primary"],
        annual_assessor="municipal_bureau",
        annual_assessment_scale="pass_fail",
        **{"categories-0-code": "books", "categories-0-name": "图书资料"},
    )
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    policy = Policy.objects.get(code="nanning-2025")
    assert policy.school_stages == ["primary"] and policy.team_rules.get().role == "host"
    assert policy.sources == {}
    assert policy.expenditure_categories == [{"code": "books", "name": "图书资料"}]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"annual_commend_score": "50"}, "低于合格分"),
        ({"funding_min": "30000"}, "经费上限低于经费下限"),
        ({"indicators-0-max_points": "5"}, "合计为"),
        ({"team-1-max_count": "0"}, "“最多”小于“至少”"),
        ({"planned_studio_count": "99999999999999999999"}, "1000"),
        ({"quotas-0-kinds": ["levitation"]}, "不在可用的选项中"),
        ({"term_years": "abc"}, "整数"),
        ({"team-1-role": "host"}, "相同"),
    ],
)
def test_an_invalid_edit_changes_nothing_and_says_why(demo, client_for, change, message):
    client = client_for("lz_city")
    policy = create_from_preset(client)
    url = reverse("policies:policy_edit", args=[policy.code])
    data = page_form(client, url)
    before = (
        Policy.objects.count(),
        AuditEntry.objects.count(),
        list(policy.indicators.values_list("max_points", flat=True)),
    )
    data.update(change)
    response = client.post(url, data)
    assert response.status_code == 200
    assert any(message in e for e in errors_of(response)), errors_of(response)
    policy.refresh_from_db()
    assert policy.annual_commend_score == Decimal("90") and policy.funding_min == Decimal("10000")
    assert before == (
        Policy.objects.count(),
        AuditEntry.objects.count(),
        list(policy.indicators.values_list("max_points", flat=True)),
    )


def test_editing_an_unused_policy_edits_it_in_place_and_records_what_changed(demo, client_for):
    client = client_for("lz_city")
    policy = create_from_preset(client)
    url = reverse("policies:policy_edit", args=[policy.code])
    data = page_form(client, url)
    data.update(
        {
            "planned_studio_count": "25",
            "planned_studio_count__source": "第三条",
            "team-3-min_count": "12",
            "team-3-max_count": "12",
            "members_recruited_by_host": "2",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    assert Policy.objects.filter(city=policy.city).count() == 2  # the preset's and this one
    policy.refresh_from_db()
    assert (policy.version, policy.planned_studio_count) == (1, 25)
    assert policy.sources["planned_studio_count"] == "第三条"
    assert policy.team_rules.get(role="member").min_count == 12
    entry = AuditEntry.objects.get(verb="policies.policy.edited", object_id=str(policy.pk))
    assert "20 → 25" in entry.comment and "15 → 12" in entry.comment
    assert "→ 第三条" in entry.comment and "成员 · 至少: 15 → 12" in entry.comment


def test_the_policy_page_shows_each_values_source(demo, client_for):
    client = client_for("lz_city")
    policy = create_from_preset(client)
    url = reverse("policies:policy_edit", args=[policy.code])
    data = page_form(client, url)
    data.update({"term_years__source": "第五条", "team-0-source": "第四条第一款"})
    assert client.post(url, data).status_code == 302
    page = client_for("lz_teacher").get(reverse("policies:policy_detail", args=[policy.code]))
    doc = lxml.html.fromstring(page.content.decode())
    shown = [
        e.text_content().strip() for e in doc.xpath("//*[contains(@class, 'ms-source-shown')]")
    ]
    assert "依据：第五条" in shown and "依据：第四条第一款" in shown
    assert "教育局设定" in shown  # the values no clause was given for
    term = doc.xpath("//dt[text()='任期（年）']/following-sibling::dd[1]")[0].text_content()
    assert "3" in term and "第五条" in term


def test_editing_a_used_policy_makes_a_new_version_and_the_call_keeps_the_old(demo, client_for):
    client = client_for("lz_city")
    v1 = Policy.objects.get(code="liuzhou-2024")
    call = draft_call("liuzhou-2024")
    url = reverse("policies:policy_edit", args=[v1.code])
    data = page_form(client, url)
    data.update({"funding_max": "30000", "quotas-0-min_count": "4"})
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    v2 = Policy.objects.get(replaces=v1)
    assert (v2.code, v2.version, v2.city) == ("liuzhou-2024-v2", 2, v1.city)
    assert response["Location"] == reverse("policies:policy_detail", args=[v2.code])
    v1.refresh_from_db()
    assert v1.funding_max == Decimal("20000") and v2.funding_max == Decimal("30000")
    assert v1.activity_quotas.get(code="training").min_count == 2
    assert v2.activity_quotas.get(code="training").min_count == 4
    # Everything else was copied: the rows, the counties, the form definition.
    assert v2.team_rules.count() == v1.team_rules.count()
    assert v2.indicators.count() == v1.indicators.count()
    assert set(v2.pairing_counties.all()) == set(v1.pairing_counties.all())
    assert v2.application_form == v1.application_form
    call.refresh_from_db()
    assert call.policy == v1
    entry = AuditEntry.objects.get(verb="policies.policy.versioned", object_id=str(v2.pk))
    assert "20000.00 → 30000" in entry.comment and "2 → 4" in entry.comment
    assert (entry.from_state, entry.to_state) == ("v1", "v2")

    # New calls are offered only the newest version; the call keeps its own when edited.
    new_call = client.get(reverse("applications:call_create")).content.decode()
    options = lxml.html.fromstring(new_call).xpath("//select[@name='policy']/option")
    offered = {o.get("value") for o in options}
    assert str(v2.pk) in offered and str(v1.pk) not in offered
    edit_call = client.get(reverse("applications:call_edit", args=[call.pk])).content.decode()
    assert f'value="{v1.pk}" selected' in edit_call

    # The old version's page says it was replaced and lists the versions with their calls.
    page = client.get(reverse("policies:policy_detail", args=[v1.code])).content.decode()
    assert "已被第 2 版取代" in page and call.title in page
    # Editing the old version leads to the newest.
    again = client.get(url)
    assert again.status_code == 302
    assert again["Location"] == reverse("policies:policy_edit", args=[v2.code])
    assert Call.objects.filter(policy=v2).count() == 0


def test_another_citys_administrator_gets_404_and_the_citys_teachers_403(demo, client_for):
    url = reverse("policies:policy_edit", args=["liuzhou-2024"])
    assert client_for("sz_city").get(url).status_code == 404
    assert client_for("sz_city").post(url, {}).status_code == 404
    assert client_for("lz_teacher").get(url).status_code == 403
    assert client_for("lz_county").post(url, {}).status_code == 403
    assert client_for("lz_teacher").get(reverse("policies:policy_create")).status_code == 403


def test_a_preset_copied_into_another_city_keeps_only_that_citys_counties(demo, client_for):
    client = client_for("sz_city")
    url = reverse("policies:policy_create") + "?start=liuzhou-2024"
    data = page_form(client, url)
    data.update(code="suizhou-2025", name="随州市名班主任工作室（2025）")
    response = client.post(url, data)
    assert response.status_code == 200  # Liuzhou's counties are not Suizhou's to choose
    assert any("结对" in e for e in errors_of(response)), errors_of(response)
    counties = Organisation.objects.filter(
        city__code="suizhou", kind=OrganisationKind.COUNTY_BUREAU
    )
    data["pairing_counties"] = [str(c.pk) for c in counties[:1]]
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    policy = Policy.objects.get(code="suizhou-2025")
    assert policy.city.code == "suizhou" and list(policy.pairing_counties.all()) == [counties[0]]


def test_the_application_form_editor_saves_a_custom_field_and_refuses_a_broken_form(
    demo, client_for
):
    client = client_for("lz_city")
    policy = create_from_preset(client)
    url = reverse("policies:policy_form_edit", args=[policy.code])
    data = page_form(client, url)
    extra = int(data["form_host_fields-TOTAL_FORMS"]) - 1  # the empty row shown for adding
    data.update(
        {
            f"form_host_fields-{extra}-field": "custom",
            f"form_host_fields-{extra}-custom_key": "x_motto",
            f"form_host_fields-{extra}-label": "教育格言",
            f"form_host_fields-{extra}-order": "15",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    policy.refresh_from_db()
    keys = [f["key"] for f in policy.application_form["host_fields"]]
    assert keys[:2] == ["host_name", "x_motto"]  # order 15: after the first field (10)
    assert {"key": "x_motto", "label": "教育格言", "kind": "text"} in policy.application_form[
        "host_fields"
    ]
    assert AuditEntry.objects.filter(verb="policies.policy.form_edited").count() == 1

    # Without the host's name the form is refused, with the reason, and nothing changes.
    before = policy.application_form
    data = page_form(client, url)
    data["form_host_fields-0-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 200
    assert any("host_name" in e for e in errors_of(response)), errors_of(response)
    policy.refresh_from_db()
    assert policy.application_form == before


def test_editing_the_form_of_a_used_policy_makes_a_new_version(demo, client_for):
    client = client_for("lz_city")
    v1 = Policy.objects.get(code="liuzhou-2024")
    draft_call("liuzhou-2024")
    before = v1.application_form
    url = reverse("policies:policy_form_edit", args=[v1.code])
    data = page_form(client, url)
    data["title"] = "柳州市名班主任工作室申报表（2025年修订）"
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    v2 = Policy.objects.get(replaces=v1)
    assert v2.application_form["title"] == "柳州市名班主任工作室申报表（2025年修订）"
    v1.refresh_from_db()
    assert v1.application_form == before
    assert v2.team_rules.count() == v1.team_rules.count()


def test_a_superuser_chooses_the_city_of_a_new_policy(demo, client_for):
    client = client_for("admin")
    page = client.get(reverse("policies:policy_create") + "?start=blank")
    assert page.status_code == 200 and 'name="city"' in page.content.decode()
    assert 'name="save"' not in page.content.decode()  # no city yet: still the start page
    suizhou = Organisation.objects.filter(city__code="suizhou").first().city
    url = reverse("policies:policy_create") + f"?start=suizhou&city={suizhou.pk}"
    data = page_form(client, url)
    data.update(code="suizhou-2026", name="随州市名班主任工作室（2026）")
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    assert Policy.objects.get(code="suizhou-2026").city == suizhou
