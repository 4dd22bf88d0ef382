"""A year in the life of the demo studios: activities with attendance, plans, growth files,
outputs. Three profiles show the compliance colours: a diligent studio (on track), one that
is behind in the current period, one that missed a closed period.

Everything goes through the services, with the host as the actor. A studio that already has
activities is left alone, so seeding twice changes nothing.
"""

from datetime import date, timedelta

from accounts.models import Organisation, OrganisationKind, Role, RoleAssignment, User
from accounts.services import user_ensure
from policies.models import ActivityKind, Policy, QuotaPeriod, TeamRole
from policies.rules import period_containing, school_year_start, team_rule
from studios.models import AttendanceStatus, Membership, Studio, StudioStatus
from studios.services import activities, comments, growth, liaison, outputs, plans, team

DILIGENT, BEHIND, MISSED = 0, 1, 2
TITLES = {
    ActivityKind.TRAINING: "班主任专业能力培训",
    ActivityKind.THEMATIC_SEMINAR: "主题班会设计专题研讨",
    ActivityKind.ONLINE_SALON: "家校沟通线上沙龙",
    ActivityKind.ONSITE_SEMINAR: "班主任工作现场专题研讨会",
    ActivityKind.CROSS_STUDIO_EXCHANGE: "跨工作室班级文化建设交流",
    ActivityKind.PAIRING_VISIT: "送教下乡结对帮扶活动",
    ActivityKind.LECTURE: "名班主任专题讲座",
    ActivityKind.RESEARCH_MEETING: "德育课题研讨",
    ActivityKind.DEMONSTRATION_CLASS_MEETING: "示范性班会课展示",
}


def seed_studio_life(policy: Policy, prefix: str, password_hash: str, today: date) -> None:
    studios = list(
        Studio.objects.filter(policy=policy, status=StudioStatus.ACTIVE).order_by("plaque_number")
    )
    for index, studio in enumerate(studios):
        give_accounts(studio, prefix, password_hash, first=index == 0)
        if studio.activities.exists():
            continue
        if index == 0:
            staff_assistant_and_advisor(studio, prefix, password_hash)
        profile = index % 3
        log_a_year(studio, profile, today)
        write_plans_and_files(studio, today)
        if index == 0:
            assistant_and_advisor_at_work(studio, prefix, today)


def give_accounts(studio: Studio, prefix: str, password_hash: str, *, first: bool) -> None:
    """Members named in the application get teacher accounts, as they would by signing up."""
    unlinked = studio.memberships.filter(user__isnull=True).exclude(role=TeamRole.ADVISOR)
    for n, membership in enumerate(unlinked.order_by("pk")):
        username = f"{prefix}_member" if first and n == 0 else f"{prefix}_s{studio.pk}m{n + 1}"
        user = user_ensure(
            username=username,
            full_name=membership.name,
            email=f"{username}@example.org",
            password_hash=password_hash,
        )
        RoleAssignment.objects.get_or_create(
            user=user, role=Role.TEACHER, organisation=studio.school
        )
        Membership.objects.filter(pk=membership.pk).update(user=user)


def staff_assistant_and_advisor(studio: Studio, prefix: str, password_hash: str) -> None:
    """The first studio's assistant (where its policy has one: ``{prefix}_assistant``, who works
    in the paired county) and its advisor named in the application (``{prefix}_advisor``) get
    accounts, so that the demo shows their work. Password: the demo password."""
    if team_rule(studio.policy, TeamRole.ASSISTANT) is not None and studio.paired_county_id:
        county = studio.paired_county
        workplace = (
            Organisation.objects.filter(county=county, kind=OrganisationKind.SCHOOL)
            .order_by("code")
            .first()
        )
        assistant = user_ensure(
            username=f"{prefix}_assistant",
            full_name="蓝海燕",
            email=f"{prefix}_assistant@example.org",
            password_hash=password_hash,
        )
        RoleAssignment.objects.get_or_create(
            user=assistant, role=Role.TEACHER, organisation=workplace or county
        )
        team.membership_add(
            actor=studio.host,
            studio=studio,
            role=TeamRole.ASSISTANT,
            user=assistant,
            start_date=studio.term_start,
        )
    advisor = studio.memberships.filter(role=TeamRole.ADVISOR, user__isnull=True).first()
    if advisor is not None:
        user = user_ensure(
            username=f"{prefix}_advisor",
            full_name=advisor.name,
            email=f"{prefix}_advisor@example.org",
            password_hash=password_hash,
        )
        # As give_accounts links the members: the advisor signs up and is recognised.
        Membership.objects.filter(pk=advisor.pk).update(user=user)


def assistant_and_advisor_at_work(studio: Studio, prefix: str, today: date) -> None:
    """One liaison entry by the assistant and one advisor's comment on the yearly plan."""
    assistant = User.objects.filter(
        username=f"{prefix}_assistant", memberships__studio=studio
    ).first()
    if assistant is not None:
        liaison.liaison_record(
            actor=assistant,
            studio=studio,
            happened_on=max(studio.term_start, today - timedelta(days=12)),
            organisation=studio.paired_county,
            contact=f"{studio.paired_county.name}教育局德育股",
            subject="商定本学期送教下乡的学校、时间和示范班会课的主题。",
            follow_up="下周发出活动通知，收集参加教师名单。",
            today=today,
        )
    advisor = User.objects.filter(username=f"{prefix}_advisor", memberships__studio=studio).first()
    plan = studio.plans.filter(kind="yearly").order_by("-version").first()
    if advisor is not None and plan is not None:
        comments.comment_add(
            actor=advisor,
            studio=studio,
            plan=plan,
            text="计划目标清楚。建议把每月的专题研讨与课题研究对应起来，并写明成果形式。",
        )


def periods(policy: Policy, kind: str, start: date, end: date):
    day = start
    while day <= end:
        period = period_containing(policy, kind, day)
        yield period
        day = period.end + timedelta(days=1)


def log_a_year(studio: Studio, profile: int, today: date) -> None:
    policy = studio.policy
    start = studio.term_start
    members = list(studio.memberships.filter(end_date__isnull=True).exclude(role=TeamRole.HOST))
    last_closed_month = period_containing(
        policy, QuotaPeriod.MONTH, today.replace(day=1) - timedelta(days=1)
    )
    for quota in policy.activity_quotas.filter(per_member=False):
        for period in periods(policy, quota.period, start, today):
            current = period.contains(today)
            if profile == BEHIND and current:
                continue  # nothing yet in the period under way: behind
            if profile == MISSED and quota.period in (QuotaPeriod.MONTH, QuotaPeriod.SEMESTER):
                closed = period.end < today
                if closed and (
                    period.start == last_closed_month.start or quota.period == QuotaPeriod.SEMESTER
                ):
                    continue  # the latest closed period went by without one: missed
            first_day = max(period.start, studio.term_start)
            for n in range(quota.min_count):
                held_on = min(first_day + timedelta(days=9 + 20 * n), period.end, today)
                if held_on < studio.term_start:
                    continue
                kind = quota.kinds[n % len(quota.kinds)]
                activities.activity_log(
                    actor=studio.host,
                    studio=studio,
                    kind=kind,
                    title=TITLES.get(kind, str(ActivityKind(kind).label)),
                    held_on=held_on,
                    online=kind == ActivityKind.ONLINE_SALON,
                    place="" if kind == ActivityKind.ONLINE_SALON else studio.school.name,
                    served_county=studio.paired_county if quota.in_paired_county else None,
                    summary="围绕班级管理中的真实问题开展研讨，成员分享案例并形成改进措施。",
                    outputs="研讨纪要一份，优秀案例两篇。",
                    attendance={
                        m.pk: attendance_for(i, held_on)
                        for i, m in enumerate(members)
                        if m.start_date <= held_on
                    },
                    today=today,
                )


def attendance_for(index: int, day: date) -> tuple[str, str]:
    """Most members come; now and then one is on leave; member 3 misses one in five."""
    if index == 2 and day.toordinal() % 5 == 0:
        return AttendanceStatus.ABSENT, ""
    if (index + day.toordinal()) % 11 == 0:
        return AttendanceStatus.LEAVE, "学校期中考试监考"
    return AttendanceStatus.PRESENT, ""


def write_plans_and_files(studio: Studio, today: date) -> None:
    host = studio.host
    year = school_year_start(studio.policy, today).year
    plans.plan_save(
        actor=host,
        studio=studio,
        kind="yearly",
        school_year=year,
        title=f"{year}—{year + 1}学年工作计划",
        text="一、指导思想\n二、工作目标\n三、主要活动安排（按月）\n四、保障措施",
    )
    plans.plan_save(
        actor=host,
        studio=studio,
        kind="training",
        school_year=year,
        title=f"{year}—{year + 1}学年成员培训计划",
        text="专家讲座两次；跟岗学习一周；主题班会展评一次。",
    )
    members = studio.memberships.filter(
        end_date__isnull=True, role=TeamRole.MEMBER, user__isnull=False
    ).select_related("user")
    closed = [
        p
        for p in periods(studio.policy, QuotaPeriod.SEMESTER, studio.term_start, today)
        if p.end < today
    ]
    for n, membership in enumerate(members):
        growth.growth_plan_save(
            actor=membership.user,
            studio=studio,
            text="三年内成长为研究型班主任：完成一项县级课题，形成个人带班育人方略。",
        )
        for semester in closed:
            autumn = semester.start.month == studio.policy.school_year_start_month
            summary = growth.summary_save(
                actor=membership.user,
                studio=studio,
                school_year=school_year_start(studio.policy, semester.start).year,
                semester=1 if autumn else 2,
                summary="本学期参加工作室活动，完成主题班会设计两节，撰写教育案例一篇。",
                report_date=max(semester.end - timedelta(days=5), studio.term_start),
                report_place=f"{membership.work_unit or studio.school.name}会议室",
                today=today,
            )
            if n % 2 == 0:
                growth.summary_review(actor=host, summary=summary, comment="总结扎实，继续保持。")
    outputs.output_save(
        actor=host,
        studio=studio,
        output=None,
        kind="research_topic",
        title="新时代班级文化建设的实践研究",
        authors=host.get_full_name(),
        level="municipal",
        topic_status="ongoing",
        produced_on=studio.term_start + timedelta(days=60),
        description="市级德育课题，工作室全体成员参与。",
        shared=False,
        person=None,
        upload=None,
        today=today,
    )
    outputs.output_save(
        actor=host,
        studio=studio,
        output=None,
        kind="case",
        title="主题班会优秀案例集",
        authors=f"{studio.name}全体成员",
        level="municipal",
        topic_status="",
        produced_on=today - timedelta(days=30),
        description="收录成员原创主题班会案例十二篇，供全市班主任参考。",
        shared=True,
        person=None,
        upload=None,
        today=today,
    )


def first_host(policy: Policy) -> User | None:
    studio = Studio.objects.filter(policy=policy).order_by("plaque_number").first()
    return studio.host if studio else None
