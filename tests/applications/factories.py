"""Build calls and applications through the real services (on top of the ``demo`` fixture)."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Organisation, Role, RoleAssignment, User
from applications import completeness, services, workflow
from applications.models import Application, ApplicationStatus, Call
from policies.application_form import definition_for
from policies.models import Policy
from tests.core import files

# Real files: uploads are decoded (images) and parsed (PDFs), not judged by their first bytes.
PNG = files.png(size=(60, 80))
PDF = files.PDF
OPENS, CLOSES = date(2024, 7, 1), date(2024, 7, 28)
DURING = date(2024, 7, 20)
BUREAU_ADMIN = {"liuzhou-2024": "lz_city", "suizhou": "sz_city"}
CRITERIA = [("育人理念与工作成效", "30"), ("研究成果", "40"), ("三年发展规划", "30")]


def photo(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def pdf_file(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def draft_call(policy_code: str = "liuzhou-2024", **fields) -> Call:
    """A call being prepared by its bureau, with the rubric, not yet open."""
    policy = Policy.objects.get(code=policy_code)
    actor = User.objects.get(username=BUREAU_ADMIN[policy_code])
    values = {
        "title": f"{policy.name} 申报",
        "studio_count": 2,
        "opens_on": OPENS,
        "closes_on": CLOSES,
        "school_stages": list(policy.school_stages),
        "score_aggregation": "mean",
        "notice_days": 5 if policy.public_notice else None,
    }
    values.update(fields)
    return services.call_save(
        actor=actor,
        policy=policy,
        criteria=[services.CriterionInput(n, Decimal(m)) for n, m in CRITERIA],
        **values,
    )


def open_call(policy_code: str = "liuzhou-2024", **fields) -> Call:
    actor = User.objects.get(username=BUREAU_ADMIN[policy_code])
    return workflow.call_open(actor=actor, call=draft_call(policy_code, **fields))


def teacher_at(school_code: str, username: str, city: str = "liuzhou") -> User:
    school = Organisation.objects.get(code=school_code, city__code=city)
    user, created = User.objects.get_or_create(
        username=username, defaults={"full_name": f"{username}老师", "email": f"{username}@x.cn"}
    )
    if created:  # the demo password, so that browser journeys can log in as them
        user.set_password(settings.MINGSHI_DEMO_PASSWORD)
        user.save(update_fields=["password"])
    RoleAssignment.objects.get_or_create(user=user, role=Role.TEACHER, organisation=school)
    if not RoleAssignment.objects.filter(role=Role.SCHOOL_ADMIN, organisation=school).exists():
        admin = User.objects.create_user(f"{school_code}_admin", full_name=f"{school.name}管理员")
        RoleAssignment.objects.create(user=admin, role=Role.SCHOOL_ADMIN, organisation=school)
    return user


def team_rows(policy: Policy, role: str, count: int, **overrides) -> list[dict]:
    rows = []
    for i in range(count):
        row = {
            "name": f"{'成员' if role == 'member' else '导师'}{i + 1}",
            "gender": "female" if i % 2 else "male",
            "birth_month": date(1985, 1 + i % 12, 1),
            "work_unit": "某某学校",
            "post": "班主任",
            "professional_title": "一级教师",
            "research_direction": "班级管理",
            "phone": f"1390000{i:04d}",
            "head_teacher_years": 8,
        }
        row.update(overrides)
        rows.append(row)
    return rows


def fill(
    application: Application,
    *,
    members: int | None = None,
    advisors: int | None = None,
    with_photo: bool = True,
    **host,
) -> Application:
    policy = application.call.policy
    if members is None:
        members = completeness.member_rows_allowed(policy)[0]
    if advisors is None:
        advisors = 1
    values = {
        "host_name": application.applicant.full_name or "主持人",
        "gender": "female",
        "birth_month": date(1980, 5, 1),
        "party_member": True,
        "professional_title": "高级教师",
        "post": "德育主任",
        "head_teacher_years": 15,
        "research_direction": "班级文化建设",
        "phone": "13800000000",
        "work_unit": application.school.name,
        "paired_county": policy.pairing_counties.order_by("code").first(),
        "achievements": "近五年获市级优秀班主任称号，主持市级德育课题一项。",
        "plan": "指导思想：立德树人。工作目标：培养骨干班主任。",
    }
    values.update(host)
    return services.application_save_draft(
        actor=application.applicant,
        application=application,
        host=values,
        advisors=team_rows(policy, "advisor", advisors),
        members=team_rows(policy, "member", members),
        answers=answers_for(policy),
        photo=photo() if with_photo else None,
    )


def answers_for(policy: Policy) -> dict:
    """Filled-in answers to the parts of the city's form without a column of their own."""
    form = definition_for(policy)
    answers = {f.key: f"{f.label}（示例）" for f in form.host_fields if not f.builtin}
    answers.update({s.key: f"{s.title}：示例内容。" for s in form.sections if not s.builtin})
    answers["undertakings"] = {u.key: True for u in form.undertakings}
    return answers


def draft(call: Call, teacher: User, **host) -> Application:
    application = services.application_start(actor=teacher, call=call)
    return fill(application, **host)


def submitted(call: Call, teacher: User, **host) -> Application:
    return workflow.submit(actor=teacher, application=draft(call, teacher, **host), today=DURING)


def reviewer(application: Application) -> User:
    return workflow.reviewers_for(application)[0]


def advance(application: Application, to: str = ApplicationStatus.EXPERT_REVIEW) -> Application:
    """Approve step by step (school, county if any, city) until ``to`` is reached."""
    while application.status != to:
        application = workflow.approve(
            actor=reviewer(application), application=application, opinion="同意推荐。"
        )
    return application
