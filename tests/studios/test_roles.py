"""The assistant and the advisors do their jobs (Liuzhou's notice: the assistant organises the
pairing activities and the liaison, the advisors guide): the assistant logs the policy's
pairing activities and keeps the liaison log of their own studio; advisors comment on its
plans, activities and members' growth files. Nobody reaches another studio's."""

from datetime import date

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Notification, Organisation, Role, RoleAssignment, User
from accounts.permissions import can
from policies.models import ActivityKind, TeamRole
from studios.errors import StudioError
from studios.models import Activity, LiaisonEntry, Membership, Studio, StudioComment
from studios.permissions import pairing_kinds
from studios.services import activities, comments, growth, liaison, plans, team

from .factories import published_studios, suizhou_studio

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 20)
HELD = date(2025, 3, 14)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("core.clock.today", lambda: TODAY)
    return TODAY


@pytest.fixture
def two_studios(demo) -> tuple[Studio, Studio]:
    return tuple(
        published_studios(
            "liuzhou-2024", [("liucheng-sx", "host_a"), ("luzhai-sx", "host_b")], city="liuzhou"
        )
    )


def assistant_for(studio: Studio, username: str) -> User:
    """An administrator of the paired county, added by the host as the studio's assistant."""
    user = User.objects.create_user(
        username, password=settings.MINGSHI_DEMO_PASSWORD, full_name=f"助理{username}", email=""
    )
    RoleAssignment.objects.create(user=user, role=Role.TEACHER, organisation=studio.paired_county)
    team.membership_add(
        actor=studio.host,
        studio=studio,
        role=TeamRole.ASSISTANT,
        user=user,
        start_date=date(2024, 9, 2),
    )
    return user


def advisor_of(studio: Studio) -> User:
    return studio.memberships.get(role=TeamRole.ADVISOR).user


def member_of(studio: Studio, n: int = 0) -> User:
    return list(studio.memberships.filter(role=TeamRole.MEMBER).order_by("pk"))[n].user


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pairing_visit(studio: Studio, actor: User, **overrides) -> Activity:
    values = {
        "actor": actor,
        "studio": studio,
        "kind": ActivityKind.PAIRING_VISIT,
        "title": "送教下乡",
        "held_on": HELD,
        "place": "柳城县实验小学",
        "attendance": {
            m.pk: ("present", "") for m in studio.memberships.filter(role=TeamRole.MEMBER)
        },
        "today": TODAY,
    }
    values.update(overrides)
    return activities.activity_log(**values)


# --- which activities are the assistant's: the policy's -----------------------------------------


def test_pairing_kinds_are_the_policys_paired_county_quotas(two_studios):
    policy = two_studios[0].policy
    expected = [k for q in policy.activity_quotas.filter(in_paired_county=True) for k in q.kinds]
    assert pairing_kinds(policy) == expected
    assert ActivityKind.PAIRING_VISIT in expected and ActivityKind.TRAINING not in expected
    # Changing the policy changes the answer: nothing is hard-coded.
    quota = policy.activity_quotas.get(in_paired_county=True)
    quota.kinds = [ActivityKind.LECTURE]
    quota.save()
    assert pairing_kinds(policy) == [ActivityKind.LECTURE]


def test_a_policy_without_paired_county_quotas_gives_the_assistant_nothing(demo):
    studio = suizhou_studio()
    assert pairing_kinds(studio.policy) == []


# --- the assistant logs pairing activities ------------------------------------------------------


def test_the_assistant_logs_and_changes_a_pairing_activity(two_studios):
    a, _b = two_studios
    assistant = assistant_for(a, "assist_a")
    assert can(assistant, "studios.log_activity", a)
    activity = pairing_visit(a, assistant)
    assert activity.created_by == assistant
    assert activity.served_county == a.paired_county
    assert activity.attendance.count() == a.memberships.filter(role=TeamRole.MEMBER).count()
    assert can(assistant, "studios.change_activity", activity)
    activities.activity_update(
        actor=assistant,
        activity=activity,
        kind=ActivityKind.LECTURE,
        title="名班主任专题讲座",
        held_on=HELD,
        place="柳城县实验小学",
        today=TODAY,
    )
    activity.refresh_from_db()
    assert activity.kind == ActivityKind.LECTURE and activity.attendance.count() == 0


def test_the_assistant_may_not_log_or_change_the_hosts_other_activities(two_studios):
    a, _b = two_studios
    assistant = assistant_for(a, "assist_a")
    with pytest.raises(StudioError):
        pairing_visit(a, assistant, kind=ActivityKind.TRAINING, title="培训")
    seminar = pairing_visit(a, a.host, kind=ActivityKind.THEMATIC_SEMINAR, title="专题研讨")
    assert not can(assistant, "studios.change_activity", seminar)
    with pytest.raises(StudioError):
        activities.activity_update(
            actor=assistant,
            activity=seminar,
            kind=ActivityKind.PAIRING_VISIT,
            title="改成帮扶",
            held_on=HELD,
            place="x",
            today=TODAY,
        )
    visit = pairing_visit(a, assistant)
    with pytest.raises(StudioError):  # nor turn a pairing activity into another kind
        activities.activity_update(
            actor=assistant,
            activity=visit,
            kind=ActivityKind.TRAINING,
            title="培训",
            held_on=HELD,
            place="x",
            today=TODAY,
        )


def test_the_assistant_is_no_host(two_studios):
    a, _b = two_studios
    assistant = assistant_for(a, "assist_a")
    for rule in ("studios.manage_studio", "studios.change_team", "studios.view_studio_growth"):
        assert not can(assistant, rule, a), rule
    client = client_of(assistant)
    assert client.get(reverse("studios:plan_edit", args=[a.pk])).status_code == 403
    response = client.post(reverse("studios:studio_team", args=[a.pk]), {"action": "add"})
    assert response.status_code == 403
    with pytest.raises(StudioError):
        plans.plan_save(
            actor=assistant, studio=a, kind="three_year", school_year=None, title="", text="x"
        )


def test_the_assistants_pages_offer_pairing_kinds_only_and_other_studios_are_404(
    two_studios, today
):
    a, b = two_studios
    assistant = assistant_for(a, "assist_a")
    client = client_of(assistant)
    page = client.get(reverse("studios:activity_create", args=[a.pk]))
    assert page.status_code == 200
    offered = [value for value, _label in page.context["form"].fields["kind"].choices]
    assert offered == [k for k in pairing_kinds(a.policy) if k in offered]
    assert ActivityKind.PAIRING_VISIT in offered and ActivityKind.TRAINING not in offered
    member = a.memberships.filter(role=TeamRole.MEMBER).first()
    response = client.post(
        reverse("studios:activity_create", args=[a.pk]),
        {
            "kind": ActivityKind.PAIRING_VISIT,
            "title": "送教下乡",
            "held_on": HELD.isoformat(),
            "place": "柳城县实验小学",
            f"att-{member.pk}": "present",
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get(studio=a, title="送教下乡")
    assert activity.attendance.get().membership == member
    edit = reverse("studios:activity_edit", args=[a.pk, activity.pk])
    assert client.get(edit).status_code == 200
    # Not a kind the assistant may log: the form refuses it, nothing is logged.
    refused = client.post(
        reverse("studios:activity_create", args=[a.pk]),
        {"kind": ActivityKind.TRAINING, "title": "培训", "held_on": HELD.isoformat(), "place": "x"},
    )
    assert refused.status_code == 400
    assert not Activity.objects.filter(title="培训").exists()
    # The host's own seminar: 403 for the assistant; the other studio: 404.
    seminar = pairing_visit(a, a.host, kind=ActivityKind.THEMATIC_SEMINAR, title="专题研讨")
    assert client.get(reverse("studios:activity_edit", args=[a.pk, seminar.pk])).status_code == 403
    other = pairing_visit(b, b.host)
    assert client.get(reverse("studios:activity_create", args=[b.pk])).status_code == 404
    assert client.get(reverse("studios:activity_edit", args=[b.pk, other.pk])).status_code == 404
    assert client.get(reverse("studios:liaison_list", args=[b.pk])).status_code == 404


# --- the liaison log ---------------------------------------------------------------------------


def test_the_assistant_keeps_the_liaison_log_and_who_reads_it(two_studios, today):
    a, b = two_studios
    assistant = assistant_for(a, "assist_a")
    url = reverse("studios:liaison_list", args=[a.pk])
    county = a.paired_county
    response = client_of(assistant).post(
        url,
        {
            "happened_on": "2025-03-18",
            "organisation": county.pk,
            "contact": "柳城县教育局德育股 李老师",
            "subject": "商定四月送教下乡的学校与时间。",
            "follow_up": "四月初发通知。",
        },
    )
    assert response.status_code == 302
    entry = LiaisonEntry.objects.get(studio=a)
    assert (entry.organisation, entry.created_by) == (county, assistant)
    # Host, assistant, advisor and the bureau read it; a member does not.
    for reader in (a.host, assistant, advisor_of(a), User.objects.get(username="lz_city")):
        page = client_of(reader).get(url)
        assert page.status_code == 200, reader
        assert "李老师" in page.content.decode()
    assert client_of(member_of(a)).get(url).status_code == 403
    # Only the assistant and the host write it.
    assert client_of(advisor_of(a)).post(url, {"contact": "x"}).status_code == 403
    edit = reverse("studios:liaison_edit", args=[a.pk, entry.pk])
    assert client_of(advisor_of(a)).get(edit).status_code == 403
    response = client_of(a.host).post(
        edit,
        {
            "happened_on": "2025-03-18",
            "organisation": "",
            "contact": "李老师",
            "subject": entry.subject,
            "follow_up": "已发通知。",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.follow_up == "已发通知。" and entry.organisation is None
    # The other studio's assistant: 404, however the id is guessed.
    other = assistant_for(b, "assist_b")
    assert client_of(other).get(url).status_code == 404
    assert client_of(other).get(edit).status_code == 404
    assert (
        client_of(other).get(reverse("studios:liaison_edit", args=[b.pk, entry.pk])).status_code
        == 404
    )


def test_a_liaison_entry_is_checked(two_studios):
    a, _b = two_studios
    assistant = assistant_for(a, "assist_a")
    elsewhere = Organisation.objects.get(code="zengdu-sx", city__code="suizhou")
    cases = [
        {"happened_on": date(2025, 4, 1)},  # not yet happened
        {"happened_on": date(2024, 1, 1)},  # before the term
        {"organisation": elsewhere},  # another city's school
        {"contact": " "},
        {"subject": ""},
    ]
    for case in cases:
        values = {
            "actor": assistant,
            "studio": a,
            "happened_on": date(2025, 3, 1),
            "organisation": None,
            "contact": "李老师",
            "subject": "联络",
            "today": TODAY,
        } | case
        with pytest.raises(StudioError):
            liaison.liaison_record(**values)
    with pytest.raises(StudioError):
        liaison.liaison_record(
            actor=member_of(a),
            studio=a,
            happened_on=date(2025, 3, 1),
            organisation=None,
            contact="x",
            subject="y",
            today=TODAY,
        )
    assert not LiaisonEntry.objects.exists()


# --- the advisors' comments --------------------------------------------------------------------


def test_an_advisor_comments_on_a_plan_an_activity_and_a_growth_file(two_studios, today):
    a, _b = two_studios
    advisor, member = advisor_of(a), member_of(a)
    plan = plans.plan_save(
        actor=a.host, studio=a, kind="three_year", school_year=None, title="", text="三年规划"
    )
    activity = pairing_visit(a, a.host)
    growth.growth_plan_save(actor=member, studio=a, text="成为研究型班主任。")
    client = client_of(advisor)
    url = reverse("studios:comment_add", args=[a.pk])
    pages = {
        "plan": reverse("studios:plan_version", args=[a.pk, plan.pk]),
        "activity": reverse("studios:activity_detail", args=[a.pk, activity.pk]),
        "person": reverse("studios:growth_file", args=[member.pk]),
    }
    targets = {"plan": plan.pk, "activity": activity.pk, "person": member.pk}
    for key, pk in targets.items():
        context = client.get(pages[key]).context
        form = context["comment_groups"][0]["form"] if key == "person" else context["comment_form"]
        assert form is not None, key
        response = client.post(url, {key: pk, "text": f"关于{key}的建议：第一条。"})
        assert response.status_code == 302 and response["Location"] == pages[key]
    assert StudioComment.objects.filter(studio=a, author=advisor).count() == 3
    # The host is told of each; the member of the comment on their file.
    assert Notification.objects.filter(recipient=a.host, verb="studios.comment.added").count() == 3
    assert Notification.objects.filter(recipient=member, verb="studios.comment.added").count() == 1
    # Shown in order, with the author.
    client.post(url, {"plan": plan.pk, "text": "第二条。"})
    page = client_of(a.host).get(pages["plan"]).content.decode()
    assert page.index("关于plan的建议") < page.index("第二条。")
    assert advisor.full_name in page
    # The member sees the comments on their own file; another member cannot open it.
    own = client_of(member).get(pages["person"])
    assert "关于person的建议" in own.content.decode()
    assert own.context["comment_groups"][0]["form"] is None  # members read, not write
    assert client_of(member_of(a, 1)).get(pages["person"]).status_code == 404


def test_members_and_other_studios_advisors_may_not_comment(two_studios, today):
    a, b = two_studios
    plan = plans.plan_save(
        actor=a.host, studio=a, kind="three_year", school_year=None, title="", text="三年规划"
    )
    url = reverse("studios:comment_add", args=[a.pk])
    member, other_member = member_of(a), member_of(a, 1)
    # A member may not comment on another's file, nor on their own, nor on a plan.
    for data in ({"person": other_member.pk}, {"person": member.pk}, {"plan": plan.pk}):
        assert client_of(member).post(url, data | {"text": "x"}).status_code == 403
    with pytest.raises(StudioError):
        comments.comment_add(actor=member, studio=a, text="x", person=other_member)
    # The other studio's advisor: 404 on this studio, and this studio's ids from theirs too.
    outsider = advisor_of(b)
    assert client_of(outsider).post(url, {"plan": plan.pk, "text": "x"}).status_code == 404
    theirs = reverse("studios:comment_add", args=[b.pk])
    assert client_of(outsider).post(theirs, {"plan": plan.pk, "text": "x"}).status_code == 404
    assert client_of(outsider).post(theirs, {"person": member.pk, "text": "x"}).status_code == 404
    assert (
        client_of(outsider).get(reverse("studios:growth_file", args=[member.pk])).status_code == 404
    )
    # The assistant reads comments but does not write them.
    assistant = assistant_for(a, "assist_a")
    assert client_of(assistant).post(url, {"plan": plan.pk, "text": "x"}).status_code == 403
    assert not StudioComment.objects.exists()


def test_an_empty_or_targetless_comment_is_a_message_not_an_error(two_studios, today):
    a, _b = two_studios
    plan = plans.plan_save(
        actor=a.host, studio=a, kind="three_year", school_year=None, title="", text="三年规划"
    )
    client = client_of(advisor_of(a))
    url = reverse("studios:comment_add", args=[a.pk])
    response = client.post(url, {"plan": plan.pk, "text": "   "})
    assert response.status_code == 302
    assert response["Location"] == reverse("studios:plan_version", args=[a.pk, plan.pk])
    assert client.post(url, {"text": "x"}).status_code == 302
    both = client.post(url, {"plan": plan.pk, "person": member_of(a).pk, "text": "x"})
    assert both.status_code == 302
    assert client.post(url, {"plan": "abc", "text": "x"}).status_code == 302
    assert not StudioComment.objects.exists()


def test_an_advisor_reads_the_members_growth_files_of_their_studio(two_studios):
    a, b = two_studios
    advisor = advisor_of(a)
    assert can(advisor, "studios.view_studio_growth", a)
    assert not can(advisor, "studios.view_studio_growth", b)
    assert can(advisor, "studios.view_growth_file", member_of(a))
    assert not can(advisor, "studios.view_growth_file", member_of(b))
    assert growth.growth_person_for(advisor, member_of(a).pk) is not None
    assert growth.growth_person_for(advisor, member_of(b).pk) is None
    # An advisor whose membership ended reads no more.
    Membership.objects.filter(user=advisor, studio=a).update(end_date=date(2025, 1, 1))
    assert not can(advisor, "studios.view_growth_file", member_of(a))
    assert growth.growth_person_for(advisor, member_of(a).pk) is None
