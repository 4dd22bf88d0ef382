"""The pages of the journey through the test client: form, queue, decisions, scope."""

import pytest
from django.urls import reverse

from applications.models import Application, ApplicationStatus

from .factories import advance, draft, open_call, photo, submitted, teacher_at

pytestmark = pytest.mark.django_db


def form_data(application, **overrides):
    """What the browser posts for a complete Liuzhou form (5 members, 1 advisor)."""
    data = {
        "school_stage": "primary",
        "host_name": "韦丽华",
        "gender": "female",
        "birth_month": "1980-05",
        "party_member": "true",
        "professional_title": "高级教师",
        "post": "德育主任",
        "head_teacher_years": "15",
        "research_direction": "班级文化建设",
        "phone": "13800000000",
        "work_unit": "柳城县实验小学",
        "paired_county": str(application.call.policy.pairing_counties.order_by("code")[0].pk),
        "achievements": "获市级优秀班主任。",
        "existing_studio_name": "",
        "existing_studio_department": "",
        "plan": "指导思想：立德树人。",
        "advisors-TOTAL_FORMS": "1",
        "advisors-INITIAL_FORMS": "0",
        "advisors-0-name": "覃教授",
        "advisors-0-work_unit": "广西师范大学",
        "members-TOTAL_FORMS": "5",
        "members-INITIAL_FORMS": "0",
    }
    for i in range(5):
        data[f"members-{i}-name"] = f"成员{i + 1}"
        data[f"members-{i}-birth_month"] = "1988-03"
        data[f"members-{i}-head_teacher_years"] = "6"
    data.update(overrides)
    return data


def test_teacher_fills_saves_and_submits_the_form(demo, client_for, monkeypatch):

    monkeypatch.setattr("core.clock.today", lambda: __import__("datetime").date(2024, 7, 20))
    call = open_call()
    client = client_for("lz_teacher")
    response = client.post(reverse("applications:application_start", args=[call.pk]))
    application = Application.objects.get(call=call)
    assert response.url == reverse("applications:application_edit", args=[application.pk])
    # a half-typed draft is kept as typed
    response = client.post(
        reverse("applications:application_edit", args=[application.pk]),
        {**form_data(application, plan="", head_teacher_years="3"), "save": "1"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.head_teacher_years == 3 and application.team.count() == 6
    # submitting names what is wrong, in Chinese, and keeps what was typed
    response = client.post(
        reverse("applications:application_edit", args=[application.pk]),
        {**form_data(application, plan="", head_teacher_years="3"), "submit": "1"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "主持人从事班主任工作年限须不少于5年" in page
    assert "成员5" in page
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT
    response = client.post(
        reverse("applications:application_edit", args=[application.pk]),
        {**form_data(application), "photo": photo(), "submit": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.AT_SCHOOL
    # no more editing once submitted
    assert (
        client.get(reverse("applications:application_edit", args=[application.pk])).status_code
        == 403
    )


def test_member_table_errors_name_the_row(demo, client_for, monkeypatch):

    monkeypatch.setattr("core.clock.today", lambda: __import__("datetime").date(2024, 7, 20))
    call = open_call()
    client = client_for("lz_teacher")
    client.post(reverse("applications:application_start", args=[call.pk]))
    application = Application.objects.get(call=call)
    data = form_data(application, **{"members-2-name": ""})
    response = client.post(
        reverse("applications:application_edit", args=[application.pk]),
        {**data, "photo": photo(), "submit": "1"},
    )
    page = response.content.decode()
    # Liuzhou's members table has no column for the years (the attachment has none), so the
    # row is named for what the form does ask: the name.
    assert "第3行" in page or "row 3" in page
    assert 'value="成员4"' in page


def test_queue_shows_only_what_waits_for_the_reviewer(demo, client_for):
    call = open_call()
    mine = advance(submitted(call, demo.user("lz_teacher")), ApplicationStatus.AT_COUNTY)
    other = advance(
        submitted(call, teacher_at("luzhai-sx", "luzhai_teacher")), ApplicationStatus.AT_COUNTY
    )
    page = client_for("lz_county").get(reverse("applications:review_queue")).content.decode()
    assert mine.host_name in page and other.host_name not in page


def test_other_county_cannot_open_or_decide(demo, client_for):
    call = open_call()
    application = advance(submitted(call, demo.user("lz_teacher")), ApplicationStatus.AT_COUNTY)
    client = client_for("lz_county_luzhai")
    assert (
        client.get(reverse("applications:application_detail", args=[application.pk])).status_code
        == 404
    )
    response = client.post(
        reverse("applications:application_review", args=[application.pk]),
        {"decision": "approve", "opinion": "越权"},
    )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AT_COUNTY


def test_decision_from_the_application_page(demo, client_for):
    application = submitted(open_call(), demo.user("lz_teacher"))
    client = client_for("lz_school")
    page = client.get(
        reverse("applications:application_detail", args=[application.pk])
    ).content.decode()
    assert 'name="opinion"' in page
    client.post(
        reverse("applications:application_review", args=[application.pk]),
        {"decision": "return", "opinion": "请补充材料"},
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED


def test_bulk_approve_covers_every_page_of_the_filter(demo, client_for):
    call = open_call(studio_count=20)
    teachers = [teacher_at("liucheng-sx", f"bulk{i}") for i in range(27)]
    for teacher in teachers:
        submitted(call, teacher)
    client = client_for("liucheng-sx_admin") if False else client_for("lz_school")
    response = client.post(
        reverse("applications:review_bulk") + "?stage=primary", {"opinion": "同意推荐"}
    )
    assert response.status_code == 302
    assert Application.objects.filter(status=ApplicationStatus.AT_COUNTY).count() == 27


def test_queue_runs_a_constant_number_of_queries(demo, client_for, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call = open_call(studio_count=20)
    submitted(call, demo.user("lz_teacher"))
    client = client_for("lz_school")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("applications:review_queue"))
    for i in range(30):
        submitted(call, teacher_at("liucheng-sx", f"many{i}"))
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("applications:review_queue"))
    assert response.context["paginator"].count == 31


def test_extension_from_the_page(demo, client_for):
    application = draft(open_call(), demo.user("lz_teacher"))
    client = client_for("lz_city")
    response = client.post(
        reverse("applications:application_extension", args=[application.pk]),
        {"until": "2024-08-05", "reason": "住院"},
    )
    assert response.status_code == 404  # a draft is the applicant's alone
    submitted_app = submitted(open_call(title="第二批"), teacher_at("liucheng-zx", "t9"))
    response = client.post(
        reverse("applications:application_extension", args=[submitted_app.pk]),
        {"until": "2024-08-05", "reason": "住院"},
    )
    submitted_app.refresh_from_db()
    assert submitted_app.extension_reason == "住院"
    # An extension to 9999-12-31 was accepted; the page and the service now bound it.
    for until in ("9999-12-31", "2025-07-01"):
        client.post(
            reverse("applications:application_extension", args=[submitted_app.pk]),
            {"until": until, "reason": "再延"},
        )
        submitted_app.refresh_from_db()
        assert submitted_app.extension_reason == "住院"
