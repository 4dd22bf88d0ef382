"""Demo calls with applications in every state, built through the real services.

Per city: a past batch that went all the way to published studios, and a current batch with
applications at every step (draft, each review level, returned, rejected, scored, selected).
A call that already exists is left alone, so seeding twice changes nothing.
"""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image

from accounts.models import Organisation, OrganisationKind, Role, User
from accounts.services import role_assign, user_ensure
from policies.application_form import definition_for
from policies.models import Policy
from policies.rules import school_year_start

from . import completeness, experts, publication, services, workflow
from .models import Application, ApplicationStatus, Call


def _photo() -> bytes:
    """A plain 3:4 portrait placeholder drawn by Pillow: uploads are decoded, so it must be a
    real image (the 1×1 PNG kept here before had a broken data stream)."""

    buffer = BytesIO()
    Image.new("RGB", (120, 160), (222, 231, 240)).save(buffer, "PNG")
    return buffer.getvalue()


CRITERIA = [
    ("育人理念与工作成效", "30", "班主任工作事迹、典型教育案例"),
    ("研究成果", "30", "课题、论文、获奖"),
    ("示范引领与影响力", "20", "辐射带动、结对帮扶"),
    ("三年发展规划", "20", "目标、制度、研究内容、进度"),
]
SURNAMES = "韦覃蓝莫黄梁潘吴廖陆谢罗唐邓李张王刘陈杨赵周孙"
GIVEN = [
    "雅琴",
    "春梅",
    "建华",
    "丽萍",
    "志刚",
    "海涛",
    "玉兰",
    "卫东",
    "秀珍",
    "晓东",
    "婷",
    "立军",
]


class Seeder:
    def __init__(self, policy: Policy, prefix: str, password_hash: str):
        self.policy = policy
        self.prefix = prefix
        self.password_hash = password_hash
        self.bureau = Organisation.objects.get(
            city=policy.city, kind=OrganisationKind.MUNICIPAL_BUREAU
        )
        self.admin = User.objects.get(username=f"{prefix}_city")
        self.counter = 0 if prefix == "lz" else 7  # different names in the two cities

    def person(self, role: Role, organisation: Organisation, key: str) -> User:
        """A working demo user (teachers, school admins, reviewers) at ``organisation``."""
        self.counter += 1
        name = SURNAMES[(self.counter * 7) % len(SURNAMES)] + GIVEN[self.counter % len(GIVEN)]
        user = user_ensure(
            username=f"{self.prefix}_{key}",
            full_name=name,
            email=f"{self.prefix}_{key}@example.org",
            password_hash=self.password_hash,
        )
        role_assign(actor=None, user=user, role=role, organisation=organisation)
        return user

    def ensure_reviewers(self, school: Organisation) -> None:
        if not school.role_assignments.filter(role=Role.SCHOOL_ADMIN).exists():
            self.person(Role.SCHOOL_ADMIN, school, f"admin_{school.code}")
        county = school.county
        if county and not county.role_assignments.filter(role=Role.COUNTY_REVIEWER).exists():
            self.person(Role.COUNTY_REVIEWER, county, f"county_{county.code}")

    def call(self, *, title: str, opens_on: date, closes_on: date, studio_count: int) -> Call:
        call = services.call_save(
            actor=self.admin,
            policy=self.policy,
            title=title,
            studio_count=studio_count,
            opens_on=opens_on,
            closes_on=closes_on,
            school_stages=list(self.policy.school_stages),
            description=self.policy.source_document,
            score_aggregation="trimmed_mean" if self.policy.public_notice else "mean",
            notice_days=7 if self.policy.public_notice else None,
            criteria=[services.CriterionInput(n, Decimal(m), d) for n, m, d in CRITERIA],
        )
        return workflow.call_open(actor=self.admin, call=call)

    def application(self, call: Call, school_code: str, key: str, day: date) -> Application:
        school = Organisation.objects.get(city=self.policy.city, code=school_code)
        teacher = User.objects.filter(username=f"{self.prefix}_{key}").first()
        teacher = teacher or self.person(Role.TEACHER, school, key)
        self.ensure_reviewers(school)
        application = services.application_start(actor=teacher, call=call)
        low, _high = completeness.member_rows_allowed(self.policy)
        rows = [
            {
                "name": SURNAMES[(i + 3) % len(SURNAMES)] + GIVEN[(i + 5) % len(GIVEN)],
                "gender": "female" if i % 2 else "male",
                "birth_month": date(1982 + i % 10, 1 + i % 12, 1),
                "work_unit": school.name,
                "post": "班主任",
                "professional_title": "一级教师",
                "research_direction": "班级管理与家校共育",
                "phone": f"1397720{i:04d}",
                "head_teacher_years": 6 + i % 5,
            }
            for i in range(low)
        ]
        advisor = {
            "name": "黄教授",
            "gender": "male",
            "birth_month": date(1966, 3, 1),
            "work_unit": "广西师范大学教育学部",
            "post": "教授",
            "professional_title": "教授",
            "research_direction": "德育原理",
        }
        photo = ContentFile(_photo(), name="photo.png")
        return services.application_save_draft(
            actor=teacher,
            application=application,
            host={
                "host_name": teacher.full_name,
                "gender": "female",
                "birth_month": date(1979, 9, 1),
                "party_member": True,
                "professional_title": "高级教师",
                "post": "德育主任",
                "head_teacher_years": 16,
                "research_direction": "班级文化建设与学生心理健康",
                "phone": "13977200000",
                "work_unit": school.name,
                "paired_county": self.policy.pairing_counties.order_by("code").first(),
                "achievements": "近五年获市级优秀班主任称号；主持市级德育课题一项，"
                "论文获省级二等奖；所带班级获市级先进班集体。",
                "plan": "指导思想：坚持立德树人根本任务。\n工作目标：三年培养骨干班主任15名。\n"
                "工作室制度：例会、学习、考勤、档案。\n研究内容：班级文化建设。\n"
                "进度安排：第一年建章立制，第二年课题研究，第三年成果推广。",
            },
            advisors=[advisor],
            members=rows,
            answers=self.form_answers(),
            photo=photo,
        )

    def form_answers(self) -> dict:
        """Answers to the parts of the city's form without a column (its own sections, the
        host's undertakings), so that both cities' demo forms are complete."""
        form = definition_for(self.policy)
        answers = {f.key: f"{f.label}：示例" for f in form.host_fields if not f.builtin}
        answers.update(
            {
                s.key: f"{s.title}：近五年主持市级德育课题一项，论文获省级二等奖。"
                for s in form.sections
                if not s.builtin
            }
        )
        answers["undertakings"] = {u.key: True for u in form.undertakings}
        return answers

    def submit(self, application: Application, day: date) -> Application:
        return workflow.submit(actor=application.applicant, application=application, today=day)

    def approve_to(self, application: Application, status: str) -> Application:
        while application.status != status:
            application = workflow.approve(
                actor=workflow.reviewers_for(application)[0],
                application=application,
                opinion="经审核，申报材料真实完整，同意推荐。",
            )
        return application

    def score(self, call: Call, applications: list[Application], expert_keys: list[str]):
        pool = [
            User.objects.filter(username=f"{self.prefix}_{key}").first()
            or self.person(Role.EXPERT, self.bureau, key)
            for key in expert_keys
        ]
        experts.experts_assign(actor=self.admin, call=call, experts=pool, applications=applications)
        criteria = list(call.criteria.all())
        for n, application in enumerate(applications):
            for e, expert in enumerate(pool):
                assignment = application.expert_assignments.filter(expert=expert).first()
                if assignment is None:
                    continue
                values = {
                    c.pk: min(
                        c.max_score, (c.max_score * Decimal("0.9") - n - e).quantize(Decimal("0.1"))
                    )
                    for c in criteria
                }
                experts.scores_submit(
                    actor=expert, assignment=assignment, values=values, comment="材料扎实。"
                )


def seed_applications(policy: Policy, prefix: str, password_hash: str, today: date) -> None:
    seeder = Seeder(policy, prefix, password_hash)
    # The running batch was decided last summer, so its studios have about a year behind them.
    year = school_year_start(policy, today).year - 1
    past_title = f"{policy.city.name}首批名班主任工作室申报（{year}年）"
    if not Call.objects.filter(bureau=seeder.bureau, title=past_title).exists():
        seed_published_batch(seeder, past_title, year)
    current_title = f"{policy.city.name}{today.year}年名班主任工作室申报"
    if not Call.objects.filter(bureau=seeder.bureau, title=current_title).exists():
        seed_current_batch(seeder, current_title, today)
    # Calls at each later step, dated from today, so that every step the bureau takes can be
    # shown on the day the demo is seeded (no need to move the clock with run_jobs).
    for title, seed in later_steps(policy, today):
        if not Call.objects.filter(bureau=seeder.bureau, title=title).exists():
            seed(seeder, title, today)


PAST_SCHOOLS = {
    "lz": [("lzgz", "p1"), ("liucheng-zx", "p2"), ("luzhai-sx", "p3")],
    "sz": [("szyz", "p1"), ("zengdu-cz", "p2"), ("suixian-sx", "p3")],
}
CURRENT = {
    # (school, user key, target state)
    "lz": [
        ("liucheng-sx", "teacher", ApplicationStatus.DRAFT),
        ("liucheng-sx", "c_school", ApplicationStatus.AT_SCHOOL),
        ("liucheng-zx", "c_county", ApplicationStatus.AT_COUNTY),
        ("rongan-sx", "c_city", ApplicationStatus.AT_CITY),
        ("liunan-xx", "c_returned", ApplicationStatus.RETURNED),
        ("yufeng-cz", "c_rejected", ApplicationStatus.REJECTED),
        ("liubei-cz", "c_scored", ApplicationStatus.EXPERT_REVIEW),
        ("chengzhong-sy", "c_selected", ApplicationStatus.SELECTED),
        ("lztyz", "c_selected2", ApplicationStatus.SELECTED),
    ],
    "sz": [
        ("zengdu-sx", "teacher", ApplicationStatus.DRAFT),
        ("zengdu-sx", "c_school", ApplicationStatus.AT_SCHOOL),
        ("zengdu-yey", "c_county", ApplicationStatus.AT_COUNTY),
        ("guangshui-sx", "c_city", ApplicationStatus.AT_CITY),
        ("suixian-zx", "c_returned", ApplicationStatus.RETURNED),
        ("gaoxin-xx", "c_rejected", ApplicationStatus.REJECTED),
        ("guangshui-yz", "c_scored", ApplicationStatus.EXPERT_REVIEW),
        ("szez", "c_selected", ApplicationStatus.SELECTED),
        ("dahongshan-xx", "c_selected2", ApplicationStatus.SELECTED),
    ],
}


def seed_published_batch(seeder: Seeder, title: str, year: int) -> None:
    """A batch decided a while ago: its studios are running now."""
    opens = date(year, 7, 1)
    call = seeder.call(title=title, opens_on=opens, closes_on=date(year, 7, 28), studio_count=3)
    during = date(year, 7, 20)
    chosen = []
    for school, key in PAST_SCHOOLS[seeder.prefix]:
        application = seeder.submit(seeder.application(call, school, key, during), during)
        chosen.append(seeder.approve_to(application, ApplicationStatus.EXPERT_REVIEW))
    workflow.call_close(actor=None, call=call, today=date(year, 7, 29))
    call.refresh_from_db()
    seeder.score(call, chosen, ["expert", "expert2", "expert3"])
    experts.selection_save(actor=seeder.admin, call=call, application_ids=[a.pk for a in chosen])
    call.refresh_from_db()
    published_on = date(year, 9, 1)
    if seeder.policy.public_notice:
        publication.notice_start(actor=seeder.admin, call=call, today=date(year, 8, 20))
        call.refresh_from_db()
        published_on = call.notice_ends_on + timedelta(days=1)
    publication.call_publish(actor=seeder.admin, call=call, today=published_on)


def seed_current_batch(seeder: Seeder, title: str, today: date) -> None:
    call = seeder.call(
        title=title,
        opens_on=today - timedelta(days=20),
        closes_on=today + timedelta(days=30),
        studio_count=2,
    )
    to_select, to_score = [], []
    for school, key, target in CURRENT[seeder.prefix]:
        application = seeder.application(call, school, key, today)
        if target == ApplicationStatus.DRAFT:
            continue
        application = seeder.submit(application, today)
        if target == ApplicationStatus.RETURNED:
            workflow.return_for_revision(
                actor=workflow.reviewers_for(application)[0],
                application=application,
                opinion="请补充近五年主要业绩的证明材料后重新提交。",
            )
        elif target == ApplicationStatus.REJECTED:
            workflow.reject(
                actor=workflow.reviewers_for(application)[0],
                application=application,
                opinion="从事班主任工作年限证明不足，本次不予推荐。",
            )
        elif target == ApplicationStatus.SELECTED:
            to_select.append(seeder.approve_to(application, ApplicationStatus.EXPERT_REVIEW))
        elif target == ApplicationStatus.EXPERT_REVIEW:
            to_score.append(application)
        else:
            seeder.approve_to(application, target)
    seeder.score(call, to_select, ["expert", "expert2", "expert3"])
    experts.selection_save(actor=seeder.admin, call=call, application_ids=[a.pk for a in to_select])
    # Scored after the selection, so that one application still shows the scoring stage.
    scored = [seeder.approve_to(a, ApplicationStatus.EXPERT_REVIEW) for a in to_score]
    seeder.score(call, scored, ["expert", "expert2"])


# --- calls at later steps, dated from today -----------------------------------------------------

LATER = {
    # (school, user key, target state) per step; one county per stage and call, within quotas.
    "lz": {
        "just_closed": [
            ("luzhai-zx", "j_school", ApplicationStatus.AT_SCHOOL),
            ("liucheng-sx", "j_county", ApplicationStatus.AT_COUNTY),
            ("liubei-cz", "j_city", ApplicationStatus.AT_CITY),
        ],
        "expert_review": [
            ("liujiang-zx", "e_scored", ApplicationStatus.SELECTED),
            ("rongshui-mz", "e_scored2", ApplicationStatus.SELECTED),
            ("sanjiang-gy", "e_waiting", ApplicationStatus.EXPERT_REVIEW),
        ],
    },
    "sz": {
        "just_closed": [
            ("guangshui-yz", "j_school", ApplicationStatus.AT_SCHOOL),
            ("suixian-zx", "j_county", ApplicationStatus.AT_COUNTY),
            ("zengdu-cz", "j_city", ApplicationStatus.AT_CITY),
        ],
        "expert_review": [
            ("suixian-sx", "e_scored", ApplicationStatus.SELECTED),
            ("gaoxin-xx", "e_scored2", ApplicationStatus.SELECTED),
            ("dahongshan-xx", "e_waiting", ApplicationStatus.EXPERT_REVIEW),
        ],
        "notice_ended": [
            ("guangshui-sx", "n_ended", ApplicationStatus.SELECTED),
            ("szyz", "n_ended2", ApplicationStatus.SELECTED),
        ],
        "in_notice": [("zengdu-sx", "n_running", ApplicationStatus.SELECTED)],
    },
}


def later_steps(policy: Policy, today: date):
    """(title, seeding function) of each later-step call the city's demo has."""
    city, year = policy.city.name, today.year
    steps = [
        (f"{city}{year}年名班主任工作室补充申报", seed_just_closed),
        (f"{city}{year}年名班主任工作室申报（第二批）", seed_in_expert_review),
    ]
    if policy.public_notice:
        steps += [
            (f"{city}{year}年名班主任工作室申报（第三批）", seed_notice_ended),
            (f"{city}{year}年名班主任工作室申报（第四批）", seed_in_notice),
        ]
    return steps


def _submitted(seeder: Seeder, call: Call, step: str, day: date) -> list[Application]:
    """The step's applications, submitted on ``day`` and moved on to their target states; a
    selected one is left in expert review (the caller scores and selects), one bound for expert
    review at the school (the caller moves it on after the selection, which would otherwise
    mark it not selected)."""
    done = []
    for school, key, target in LATER[seeder.prefix][step]:
        application = seeder.submit(seeder.application(call, school, key, day), day)
        if target == ApplicationStatus.SELECTED:
            application = seeder.approve_to(application, ApplicationStatus.EXPERT_REVIEW)
        elif target != ApplicationStatus.EXPERT_REVIEW:
            application = seeder.approve_to(application, target)
        done.append((application, target))
    return done


def seed_just_closed(seeder: Seeder, title: str, today: date) -> None:
    """Closed yesterday, and the daily job has not run: the bureau closes it today (截止申报)
    while applications still wait at the school, the county and the city."""
    call = seeder.call(
        title=title,
        opens_on=today - timedelta(days=30),
        closes_on=today - timedelta(days=1),
        studio_count=2,
    )
    _submitted(seeder, call, "just_closed", today - timedelta(days=5))


def _scored_and_selected(seeder: Seeder, call: Call, step: str, closes_on: date) -> Call:
    """Applications submitted before ``closes_on``, the call closed, the selected ones scored by
    three experts and selected; the rest wait in expert review without experts."""
    done = _submitted(seeder, call, step, closes_on - timedelta(days=5))
    workflow.call_close(actor=None, call=call, today=closes_on + timedelta(days=1))
    call.refresh_from_db()
    chosen = [a for a, target in done if target == ApplicationStatus.SELECTED]
    seeder.score(call, chosen, ["expert", "expert2", "expert3"])
    experts.selection_save(actor=seeder.admin, call=call, application_ids=[a.pk for a in chosen])
    for application, target in done:
        if target == ApplicationStatus.EXPERT_REVIEW:
            seeder.approve_to(application, ApplicationStatus.EXPERT_REVIEW)
    call.refresh_from_db()
    return call


def _closed_call(
    seeder: Seeder, title: str, today: date, *, days_ago: int, studio_count: int = 2
) -> tuple[Call, date]:
    closes_on = today - timedelta(days=days_ago)
    call = seeder.call(
        title=title,
        opens_on=closes_on - timedelta(days=30),
        closes_on=closes_on,
        studio_count=studio_count,
    )
    return call, closes_on


def seed_in_expert_review(seeder: Seeder, title: str, today: date) -> None:
    """Closed a fortnight ago: two applications scored and selected, a third in expert review
    without experts (room is left for it). The bureau assigns experts, selects and publishes
    today (or, under a policy with a notice, starts the notice)."""
    call, closes_on = _closed_call(seeder, title, today, days_ago=14, studio_count=3)
    _scored_and_selected(seeder, call, "expert_review", closes_on)


def seed_notice_ended(seeder: Seeder, title: str, today: date) -> None:
    """Its public notice ran for its days and ended yesterday: the bureau publishes today."""
    call, closes_on = _closed_call(seeder, title, today, days_ago=40)
    call = _scored_and_selected(seeder, call, "notice_ended", closes_on)
    days = publication.notice_days(call)
    publication.notice_start(actor=seeder.admin, call=call, today=today - timedelta(days=days))


def seed_in_notice(seeder: Seeder, title: str, today: date) -> None:
    """Its public notice started two days ago: anyone may object, nobody may publish yet."""
    call, closes_on = _closed_call(seeder, title, today, days_ago=30)
    call = _scored_and_selected(seeder, call, "in_notice", closes_on)
    publication.notice_start(actor=seeder.admin, call=call, today=today - timedelta(days=2))
