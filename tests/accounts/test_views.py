"""Pages: every demo user logs in to a role-specific home; scope holds on every page."""

import pytest
from django.urls import reverse

from accounts.models import Notification, OrganisationKind
from accounts.services import audit_record, notify

from .factories import SchoolFactory

pytestmark = pytest.mark.django_db

ROLE_HOMES = {
    "lz_teacher": "柳城县实验小学",
    "lz_school": "柳城县实验小学",
    "lz_county": "柳城县",
    "lz_city": "柳州市教育局",
    "lz_ce": "继续教育中心",
    "lz_expert": "柳州市教育局",
    "lz_auditor": "柳州市教育局",
    "lz_auditor_liucheng": "柳城县",
    "sz_teacher": "曾都区实验小学",
    "sz_ce": "随州市中小学教师（校长）继续教育中心",
}


@pytest.mark.parametrize("username", sorted(ROLE_HOMES))
def test_each_role_logs_in_and_sees_its_own_home(demo, client, settings, username):
    response = client.post(
        reverse("accounts:login"),
        {"username": username, "password": settings.MINGSHI_DEMO_PASSWORD},
    )
    assert response.status_code == 302 and response.url == reverse("accounts:home")
    page = client.get(reverse("accounts:home")).content.decode()
    assert ROLE_HOMES[username] in page
    assert demo.user(username).full_name in page


def test_home_differs_by_role(demo, client_for):
    teacher_page = client_for("lz_teacher").get("/").content.decode()
    assert "审计记录" not in teacher_page
    auditor_page = client_for("lz_auditor").get("/").content.decode()
    assert "审计记录" in auditor_page


def test_anonymous_users_are_sent_to_login(db, client):
    for name in (
        "accounts:home",
        "accounts:inbox",
        "accounts:organisation_list",
        "accounts:audit_trail",
        "accounts:preferences",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_county_reviewer_list_holds_only_their_county(demo, client_for):
    page = client_for("lz_county").get(reverse("accounts:organisation_list")).content.decode()
    assert "柳城县实验小学" in page
    assert "鹿寨县实验小学" not in page
    assert "柳州高级中学" not in page


def test_other_county_object_is_404_not_data(demo, client_for):
    client = client_for("lz_county")
    own = client.get(reverse("accounts:organisation_detail", args=[demo.org("liucheng-sx").pk]))
    assert own.status_code == 200
    other = client.get(reverse("accounts:organisation_detail", args=[demo.org("luzhai-sx").pk]))
    assert other.status_code == 404
    assert "鹿寨县" not in other.content.decode()
    other_city = client.get(
        reverse("accounts:organisation_detail", args=[demo.org("zengdu-sx", "suizhou").pk])
    )
    assert other_city.status_code == 404


@pytest.mark.parametrize("username", ["lz_teacher", "sz_teacher"])
def test_teachers_get_403_on_oversight_pages(demo, client_for, username):
    client = client_for(username)
    assert client.get(reverse("accounts:organisation_list")).status_code == 403
    assert client.get(reverse("accounts:audit_trail")).status_code == 403


def test_audit_trail_page_is_scoped(demo, client_for):
    audit_record(actor=None, obj=demo.org("liucheng-sx"), verb="test.liucheng", to_state="a")
    audit_record(actor=None, obj=demo.org("luzhai-sx"), verb="test.luzhai", to_state="b")
    page = client_for("lz_county").get(reverse("accounts:audit_trail")).content.decode()
    assert "test.liucheng" in page and "test.luzhai" not in page
    page = client_for("lz_auditor").get(reverse("accounts:audit_trail")).content.decode()
    assert "test.liucheng" in page and "test.luzhai" in page
    page = client_for("sz_auditor").get(reverse("accounts:audit_trail")).content.decode()
    assert "test.liucheng" not in page


def test_organisation_filters(demo, client_for):
    client = client_for("lz_city")
    page = client.get(
        reverse("accounts:organisation_list"), {"county": "affiliated"}
    ).content.decode()
    assert "柳州高级中学" in page and "柳城县实验小学" not in page
    page = client.get(
        reverse("accounts:organisation_list"), {"stage": "vocational"}
    ).content.decode()
    assert "柳州市第一职业技术学校" in page and "柳州高级中学" not in page
    page = client.get(reverse("accounts:organisation_list"), {"q": "鹿寨"}).content.decode()
    assert "鹿寨县中学" in page and "柳城县中学" not in page


def test_organisation_list_runs_a_constant_number_of_queries(
    demo, client_for, django_assert_max_num_queries
):
    client = client_for("lz_city")
    county = demo.org("liucheng")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("accounts:organisation_list"), {"kind": OrganisationKind.SCHOOL})
    SchoolFactory.create_batch(30, parent=county, city=county.city)
    with django_assert_max_num_queries(len(few)):
        response = client.get(
            reverse("accounts:organisation_list"), {"kind": OrganisationKind.SCHOOL}
        )
    assert response.context["paginator"].count > 25


def test_home_runs_a_constant_number_of_queries(demo, client_for, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("lz_city")
    user = demo.user("lz_city")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for i in range(20):
        notify([user], verb="t", title=f"事项{i}")
    with django_assert_max_num_queries(len(few)):
        client.get("/")


def test_inbox_open_marks_read_and_follows_the_link(demo, client_for):
    user = demo.user("lz_teacher")
    [note] = notify([user], verb="t", title="去看看", url=reverse("accounts:preferences"))
    client = client_for("lz_teacher")
    assert "去看看" in client.get(reverse("accounts:inbox")).content.decode()
    response = client.get(reverse("accounts:notification_open", args=[note.pk]))
    assert response.status_code == 302 and response.url == reverse("accounts:preferences")
    assert Notification.objects.get(pk=note.pk).read_at is not None


def test_someone_elses_notification_is_404(demo, client_for):
    [note] = notify([demo.user("lz_school")], verb="t", title="不是你的")
    response = client_for("lz_teacher").get(reverse("accounts:notification_open", args=[note.pk]))
    assert response.status_code == 404


def test_mark_all_read(demo, client_for):
    user = demo.user("lz_teacher")
    notify([user], verb="t", title="一")
    notify([user], verb="t", title="二")
    client_for("lz_teacher").post(reverse("accounts:notifications_read"))
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()


def test_preferences_are_saved_and_bad_input_is_explained(demo, client_for):
    client = client_for("lz_teacher")
    response = client.post(
        reverse("accounts:preferences"), {"notification_delivery": "digest", "language": "en"}
    )
    assert response.status_code == 302
    user = demo.user("lz_teacher")
    assert (user.notification_delivery, user.language) == ("digest", "en")
    response = client.post(
        reverse("accounts:preferences"), {"notification_delivery": "hourly", "language": "en"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_language_switch_changes_the_interface(demo, client_for):
    client = client_for("lz_teacher")
    assert "通知" in client.get("/").content.decode()
    client.post(reverse("accounts:language_switch"), {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Notifications" in page and 'lang="en"' in page
    client.post(reverse("accounts:language_switch"), {"language": "zh-hans", "next": "/"})
    assert 'lang="zh-CN"' in client.get("/").content.decode()


@pytest.mark.parametrize("next_value", ["0", "NaN", "home", "//evil.example/", "/x/\r\ny"])
def test_language_switch_with_a_next_that_is_not_a_path_goes_home(demo, client, next_value):
    """``redirect("0")`` took the bare word for a view name and answered 500."""
    response = client.post(
        reverse("accounts:language_switch"), {"language": "en", "next": next_value}
    )
    assert (response.status_code, response["Location"]) == (302, "/")


def test_password_change(demo, client_for, settings):
    client = client_for("lz_teacher")
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": settings.MINGSHI_DEMO_PASSWORD,
            "new_password1": "a-new-longer-pass-9",
            "new_password2": "a-new-longer-pass-9",
        },
    )
    assert response.status_code == 302
    assert demo.user("lz_teacher").check_password("a-new-longer-pass-9")


def test_policy_page_shows_the_citys_rules_and_hides_other_cities(demo, client_for):
    client = client_for("lz_teacher")
    page = client.get(reverse("policies:policy_detail", args=["liuzhou-2024"])).content.decode()
    assert "柳教思政〔2024〕35号" in page and "融水苗族自治县" in page
    assert client.get(reverse("policies:policy_detail", args=["suizhou"])).status_code == 404


def test_every_model_of_ours_is_in_the_admin():
    from django.apps import apps
    from django.contrib import admin

    ours = {"accounts", "studios", "applications", "assessments", "funding"}
    missing = [
        m._meta.label
        for m in apps.get_models()
        if m._meta.app_label in ours and m not in admin.site._registry
    ]
    assert missing == []


def test_admin_lists_every_model_with_search(demo, client):
    from django.contrib import admin

    client.force_login(demo.user("admin"))
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {"accounts", "studios", "applications"}:
            continue
        assert model_admin.search_fields, model
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url, {"q": "柳"}).status_code == 200, url


def test_chinese_first_whatever_the_browser_asks(db, client):
    page = client.get(
        reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    ).content.decode()
    assert "登录" in page and 'lang="zh-CN"' in page
