"""The applicant reads "under review" until the results are announced; staff read the state."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.home import panels_for
from accounts.models import Notification
from applications import publication
from applications.experts import selection_save
from applications.models import ApplicationStatus
from applications.selectors import application_history, status_for_applicant
from tests.applications.factories import advance, open_call, submitted, teacher_at

PUBLISH_DAY = date(2024, 8, 10)


@pytest.fixture
def selected_and_not(demo):
    call = open_call()
    chosen = advance(submitted(call, demo.user("lz_teacher")))
    left_out = advance(submitted(call, teacher_at("luzhai-sx", "t_status")))
    selection_save(actor=demo.user("lz_city"), call=call, application_ids=[chosen.pk])
    chosen.refresh_from_db()
    left_out.refresh_from_db()
    return call, chosen, left_out


def test_expert_review_and_selection_read_as_under_review_until_announced(selected_and_not):
    _call, chosen, left_out = selected_and_not
    assert (chosen.status, left_out.status) == (
        ApplicationStatus.SELECTED,
        ApplicationStatus.NOT_SELECTED,
    )
    with translation.override("zh-hans"):
        assert status_for_applicant(chosen) == "评审中"
        assert status_for_applicant(left_out) == "评审中"


def test_the_result_shows_once_it_is_announced(demo, selected_and_not):
    call, chosen, left_out = selected_and_not
    # Liuzhou's policy has no public notice: publication announces the results.
    publication.call_publish(actor=demo.user("lz_city"), call=call, today=PUBLISH_DAY)
    chosen.refresh_from_db()
    left_out.refresh_from_db()
    with translation.override("zh-hans"):
        assert status_for_applicant(chosen) == str(ApplicationStatus.PUBLISHED.label)
        assert status_for_applicant(left_out) == "未入选"
    # those left out are told now, in plain words (the selection told them only "reviewed")
    told = Notification.objects.filter(
        recipient=left_out.applicant,
        verb="applications.application.not_selected",
        object_id=str(left_out.pk),
    ).order_by("pk")
    assert told.count() == 2
    assert "未入选" not in told[0].title and "未入选" in told[1].title
    assert told[1].url == left_out.get_absolute_url()


def test_drafts_and_school_review_read_as_they_are(demo):
    call = open_call()
    application = submitted(call, demo.user("lz_teacher"))
    assert status_for_applicant(application) == application.get_status_display()


def test_the_selection_notification_does_not_tell_the_result(selected_and_not):
    _call, chosen, left_out = selected_and_not
    titles = {
        Notification.objects.get(recipient=a.applicant, object_id=str(a.pk), verb=verb).title
        for a, verb in [
            (chosen, "applications.application.selected"),
            (left_out, "applications.application.not_selected"),
        ]
    }
    assert len(titles) == 1  # the same words for both
    assert "not selected" not in titles.pop()


def test_the_applicant_pages_say_under_review_and_staff_pages_say_selected(
    demo, client_for, selected_and_not
):
    call, chosen, _left_out = selected_and_not
    detail = reverse("applications:application_detail", args=[chosen.pk])
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    teacher = client_for("lz_teacher")
    for url in (
        detail,
        reverse("applications:call_detail", args=[call.pk]),
        reverse("applications:call_list"),
    ):
        page = teacher.get(url, **zh).content.decode()
        assert "评审中" in page, url
        assert "拟入选" not in page, url
    assert not application_history(chosen, user=demo.user("lz_teacher")).filter(
        verb="applications.application.selected"
    )
    with translation.override("zh-hans"):
        panel_text = " ".join(
            str(item.detail)
            for panel in panels_for(demo.user("lz_teacher"))
            for item in panel.items
        )
    assert "评审中" in panel_text and "拟入选" not in panel_text

    staff = client_for("lz_city")
    page = staff.get(detail, **zh).content.decode()
    assert "拟入选" in page
    assert application_history(chosen, user=demo.user("lz_city")).filter(
        verb="applications.application.selected"
    )
