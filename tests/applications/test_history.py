"""An application's history in words: who did what, with the states by their labels."""

from django.urls import reverse
from django.utils import translation

from accounts.history import history_rows
from accounts.selectors import audit_entries_for_object
from applications.models import ApplicationStatus
from tests.applications.factories import advance, open_call, submitted, teacher_at


def test_an_application_history_names_people_and_states(demo):
    call = open_call()
    teacher = teacher_at("liucheng-sx", "hist_teacher")
    application = advance(submitted(call, teacher), to=ApplicationStatus.AT_COUNTY)
    with translation.override("zh-hans"):
        rows = history_rows(audit_entries_for_object(application).order_by("created_at", "id"))
        sentences = [row.sentence for row in rows]
        school = teacher.role_assignments.get().organisation.name
        assert f"hist_teacher老师（{school}） 提交了申报表" in sentences
        approved = next(row for row in rows if row.verb == "applications.application.approved")
        assert approved.sentence.startswith("学校管理员 ")
        assert "待县区审核" in approved.sentence or approved.to_label in approved.sentence
        assert approved.from_label == str(ApplicationStatus.AT_SCHOOL.label)
    for row in rows:
        assert "applications." not in row.sentence
        assert "at_school" not in row.sentence and "at_county" not in row.sentence


def test_the_detail_page_shows_no_raw_verbs_or_states(demo, client_for):
    call = open_call()
    teacher = teacher_at("liucheng-sx", "hist_teacher2")
    application = advance(submitted(call, teacher), to=ApplicationStatus.AT_COUNTY)
    page = client_for("hist_teacher2").get(
        reverse("applications:application_detail", args=[application.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    text = page.content.decode()
    visible = text.replace('data-verb="applications.application.', "")
    assert "applications.application." not in visible
    assert ">at_school<" not in text and ">at_county<" not in text
    assert "提交了申报表" in text
