"""The demo, plus one object of every kind a URL can name, built through the real services.

``seed_demo`` leaves some kinds empty (attachments, evidence, a recruitment round, a call in its
public notice, a finished background job...). The URL × role matrix and the form fuzz need one
of each, so this adds them the way users would, then names them: ``world.ref("call:lz.open")``.
"""

import io
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import AuditEntry, Notification, Organisation, User
from applications.models import Application, ApplicationStatus, Call, CallStatus
from demo.seed import seed_demo

LZ, SZ = "liuzhou", "suizhou"


# Demo logins the matrix does not cover yet: the first studio's assistant and advisors, whose
# expected answers the tables do not state (a known gap, in the issue notes). Their own pages
# are covered by tests/browser/test_studio_roles.py and tests/studios/test_roles.py.
NOT_YET_ROLES = frozenset({"lz_assistant", "lz_advisor", "sz_advisor"})


def real_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def real_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def pdf_upload(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, real_pdf(), content_type="application/pdf")


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, real_png(), content_type="image/png")


@dataclass
class Home:
    """Where an object lives, for the cross-city and cross-county checks."""

    city: str | None
    county: str | None


# Complex by nature: one branch per kind of object a URL can name.
def home_of(obj) -> Home:  # noqa: C901
    organisation = None
    if isinstance(obj, Organisation):
        organisation = obj
    elif isinstance(obj, Application):
        organisation = obj.school
    elif isinstance(obj, User):
        ra = obj.role_assignments.select_related("organisation").first()
        organisation = ra.organisation if ra else None
    elif hasattr(obj, "audit_organisation"):
        organisation = obj.audit_organisation()
    elif hasattr(obj, "studio"):
        organisation = obj.studio.school
    elif hasattr(obj, "application"):
        organisation = obj.application.school
    elif hasattr(obj, "activity"):
        organisation = obj.activity.studio.school
    elif hasattr(obj, "report"):
        organisation = obj.report.studio.school
    elif hasattr(obj, "call"):
        organisation = obj.call.bureau
    elif hasattr(obj, "owner"):
        return home_of(obj.owner)
    elif hasattr(obj, "recipient"):
        return home_of(obj.recipient)
    if organisation is None:
        return Home(None, None)
    county = organisation.county.code if organisation.county_id else None
    if organisation.kind == "county_bureau":
        county = organisation.code
    return Home(organisation.city.code, county)


class World:
    def __init__(self):
        self._refs: dict[str, object] = {}
        self.users: dict[str, User] = {}

    def add(self, name: str, obj) -> None:
        if obj is None:
            raise LookupError(f"the matrix world has no object for {name!r}")
        self._refs[name] = obj

    def obj(self, name: str):
        try:
            return self._refs[name]
        except KeyError:
            raise LookupError(f"the matrix world names no object {name!r}") from None

    def value(self, spec):
        """A URL argument: ``"call:lz.open"`` is that object's pk, anything else stays as is."""
        if isinstance(spec, str) and spec in self._refs:
            obj = self._refs[spec]
            return getattr(obj, "pk", obj)
        return spec

    def home(self, kwargs: dict) -> Home | None:
        """The home of the first named object among a row's arguments."""
        for spec in kwargs.values():
            if isinstance(spec, str) and spec in self._refs:
                obj = self._refs[spec]
                if hasattr(obj, "_meta"):
                    return home_of(obj)
        return None

    @property
    def names(self) -> list[str]:
        return sorted(self._refs)


def build_world() -> World:
    from accounts import jobs
    from applications import experts, publication, services, workflow
    from applications.demo import Seeder
    from applications.models import ExpertAssignment
    from assessments import evaluation
    from assessments import services as assessment_services
    from assessments.models import AnnualAssessment, AnnualReport
    from funding.models import Expenditure, ExpenditureStatus, SpecialAccount
    from policies.models import Policy, TeamRole
    from studios.models import (
        Activity,
        Attendance,
        GrowthPlan,
        LiaisonEntry,
        Membership,
        SemesterSummary,
        Studio,
        StudioPlan,
    )
    from studios.services import activities, growth, outputs, recruitment

    today = timezone.localdate()
    logins = seed_demo()
    world = World()
    for login in logins:
        if login.username in NOT_YET_ROLES:
            continue
        world.users[login.username] = User.objects.get(username=login.username)
    u = world.users

    def app_of(username: str) -> Application:
        return Application.objects.exclude(call__status=CallStatus.PUBLISHED).get(
            applicant__username=username
        )

    # --- organisations, people, policies ------------------------------------------------------
    world.add("org:lz.bureau", Organisation.objects.get(city__code=LZ, kind="municipal_bureau"))
    world.add("org:lz.liucheng", Organisation.objects.get(city__code=LZ, code="liucheng"))
    world.add("org:lz.liucheng-sx", Organisation.objects.get(city__code=LZ, code="liucheng-sx"))
    world.add("org:lz.lzgz", Organisation.objects.get(city__code=LZ, code="lzgz"))
    world.add("org:sz.zengdu-sx", Organisation.objects.get(city__code=SZ, code="zengdu-sx"))
    world.add("policy:lz", Policy.objects.get(code="liuzhou-2024").code)
    world.add("policy:sz", Policy.objects.get(code="suizhou").code)
    for name in ("lz_p1", "lz_p2", "lz_member", "sz_p1", "sz_member"):
        world.add(f"user:{name}", User.objects.get(username=name))

    # --- calls and applications ----------------------------------------------------------------
    # The call still taking applications (the demo also has one whose closing date just passed).
    lz_open = Call.objects.get(bureau__city__code=LZ, status=CallStatus.OPEN, closes_on__gte=today)
    sz_open = Call.objects.get(bureau__city__code=SZ, status=CallStatus.OPEN, closes_on__gte=today)
    lz_past = Call.objects.get(bureau__city__code=LZ, status=CallStatus.PUBLISHED)
    sz_past = Call.objects.get(bureau__city__code=SZ, status=CallStatus.PUBLISHED)
    world.add("call:lz.open", lz_open)
    world.add("call:sz.open", sz_open)
    world.add("call:lz.published", lz_past)
    world.add("call:sz.published", sz_past)
    draft_call = services.call_save(
        actor=u["lz_city"],
        policy=lz_open.policy,
        title="柳州市名班主任工作室申报（筹备中）",
        studio_count=2,
        opens_on=today + timedelta(days=30),
        closes_on=today + timedelta(days=60),
        school_stages=list(lz_open.policy.school_stages),
        score_aggregation="mean",
        notice_days=None,
        criteria=[services.CriterionInput("研究成果", 100)],
    )
    world.add("call:lz.draft", draft_call)
    services.call_attach(
        actor=u["lz_city"], call=lz_open, title="申报通知", upload=pdf_upload("notice.pdf")
    )
    world.add("call_attachment:lz.open", lz_open.attachments.get())

    for key in ("draft", "at_school", "at_county", "at_city", "returned", "expert_review"):
        status = getattr(ApplicationStatus, key.upper())
        world.add(
            f"application:lz.{key}",
            Application.objects.get(call=lz_open, status=status, applicant__username__contains="_")
            if key != "draft"
            else app_of("lz_teacher"),
        )
    world.add("application:sz.at_city", app_of("sz_c_city"))
    world.add("application:lz.published", Application.objects.get(applicant__username="lz_p2"))
    returned = world.obj("application:lz.returned")
    services.application_attach(
        actor=returned.applicant, application=returned, title="证明材料", upload=pdf_upload()
    )
    world.add("application_attachment:lz.returned", returned.attachments.get())
    # The school's stamped page (盖章扫描件) on the application at the city: the seed decided
    # its steps without scans, so the file is put on the step as the review would have.
    from django.core.files.base import ContentFile

    school_step = world.obj("application:lz.at_city").review_steps.filter(level="school").last()
    school_step.stamped_scan_name = "学校盖章页.pdf"
    school_step.stamped_scan.save("stamped.pdf", ContentFile(real_pdf()))
    world.add("review_step:lz.at_city", school_step)
    world.add(
        "assignment:lz.expert",
        ExpertAssignment.objects.filter(expert=u["lz_expert"], application__call=lz_open)
        .order_by("pk")
        .first(),
    )
    # One application still waiting for lz_expert's scores (the demo's are all scored).
    lz_seeder = Seeder(lz_open.policy, "lz", make_password("x"))
    waiting = lz_seeder.approve_to(
        lz_seeder.submit(lz_seeder.application(lz_open, "lzyz", "m_scoring", today), today),
        ApplicationStatus.EXPERT_REVIEW,
    )
    (open_assignment,), _skipped = experts.experts_assign(
        actor=u["lz_city"], call=lz_open, experts=[u["lz_expert"]], applications=[waiting]
    )
    world.add("assignment:lz.expert.open", open_assignment)

    # A Suizhou call in its public notice, with one objection on file.
    seeder = Seeder(lz_open.policy.__class__.objects.get(code="suizhou"), "sz", make_password("x"))
    notice_call = seeder.call(
        title="随州市名班主任工作室申报（公示中）",
        opens_on=today - timedelta(days=60),
        closes_on=today - timedelta(days=30),
        studio_count=1,
    )
    during = today - timedelta(days=40)
    candidate = seeder.approve_to(
        seeder.submit(seeder.application(notice_call, "zengdu-cz", "n_notice", during), during),
        ApplicationStatus.EXPERT_REVIEW,
    )
    workflow.call_close(actor=None, call=notice_call, today=today - timedelta(days=29))
    notice_call.refresh_from_db()
    seeder.score(notice_call, [candidate], ["expert", "expert2", "expert3"])
    experts.selection_save(actor=u["sz_city"], call=notice_call, application_ids=[candidate.pk])
    notice_call.refresh_from_db()
    publication.notice_start(actor=u["sz_city"], call=notice_call, today=today - timedelta(days=1))
    notice_call.refresh_from_db()
    candidate.refresh_from_db()
    publication.objection_file(
        application=candidate,
        name="张先生",
        contact="13900000000",
        text="该申报人近五年的获奖情况与公示不符，请核实。",
        today=today,
    )
    world.add("call:sz.notice", notice_call)
    world.add("application:sz.notice", candidate)
    world.add("objection:sz.notice", candidate.objections.get())

    # --- studios --------------------------------------------------------------------------------
    lz_host_studio = Studio.objects.get(host__username="lz_p1")
    lz_county_studio = Studio.objects.get(host__username="lz_p2")
    sz_host_studio = Studio.objects.get(host__username="sz_p1")
    world.add("studio:lz.p1", lz_host_studio)
    world.add("studio:lz.p2", lz_county_studio)
    world.add("studio:sz.p1", sz_host_studio)
    activity = Activity.objects.filter(studio=lz_host_studio).order_by("-held_on").first()
    world.add("activity:lz.p1", activity)
    activities.activity_update(
        actor=u["lz_p1"],
        activity=activity,
        kind=activity.kind,
        title=activity.title,
        held_on=activity.held_on,
        online=activity.online,
        place=activity.place,
        served_county=activity.served_county,
        summary=activity.summary,
        outputs=activity.outputs,
        evidence=[("photo", "现场照片", png_upload())],
        today=today,
    )
    world.add("evidence:lz.p1", activity.evidence.get())
    attendance = (
        Attendance.objects.filter(membership__user=u["lz_member"], confirmed_at__isnull=True)
        .order_by("-activity__held_on")
        .first()
    )
    world.add("attendance:lz.member", attendance)
    world.add("plan:lz.p1", StudioPlan.objects.filter(studio=lz_host_studio).order_by("pk").first())
    world.add("policy_obj:lz", Policy.objects.get(code="liuzhou-2024"))
    unreviewed = SemesterSummary.objects.filter(
        person=u["lz_member"], studio=lz_host_studio, reviewed_at__isnull=True
    ).first()
    if unreviewed is None:
        school_year, semester = growth.current_semester(lz_host_studio, today)
        unreviewed = growth.summary_save(
            actor=u["lz_member"],
            studio=lz_host_studio,
            school_year=school_year,
            semester=semester,
            summary="本学期参加工作室活动，学习班级管理方法。",
            report_date=None,
            report_place="",
            today=today,
        )
    world.add("summary:lz.member", unreviewed)
    world.add(
        "growth_plan:lz.member",
        GrowthPlan.objects.filter(person=u["lz_member"]).first(),
    )
    output = outputs.output_save(
        actor=u["lz_p1"],
        studio=lz_host_studio,
        kind="paper",
        title="班级文化建设的实践与思考",
        authors="吴春梅",
        level="municipal",
        produced_on=today - timedelta(days=10),
        shared=True,
        upload=pdf_upload("paper.pdf"),
        today=today,
    )
    world.add("output:lz.p1", output)
    # The demo's assistant recorded one liaison of the first studio (studios.demo).
    world.add("liaison:lz.p1", LiaisonEntry.objects.filter(studio=lz_host_studio).first())

    # A recruitment round for the bureau's seats of the running batch, with one request.
    round_ = recruitment.round_open(
        actor=u["lz_city"],
        call=lz_past,
        title="柳州市名班主任工作室成员招募",
        opens_on=today - timedelta(days=3),
        closes_on=today + timedelta(days=20),
    )
    world.add("round:lz", round_)
    recruitment.seat_request_file(
        actor=u["lz_teacher"],
        round=round_,
        studio=lz_county_studio,
        birth_month=date(1988, 3, 1),
        head_teacher_years=8,
        statement="希望加入工作室，提升班级管理能力。",
        today=today,
        professional_title="一级教师",
    )
    world.add("seat_request:lz", round_.requests.get())

    # --- assessments ----------------------------------------------------------------------------
    world.add("report:lz.p1", AnnualReport.objects.filter(studio=lz_host_studio).first())
    report, _created = assessment_services.report_open(
        studio=lz_host_studio, year=today.year, today=today
    )
    assessment_services.report_attach(
        actor=u["lz_p1"], report=report, title="年度总结", upload=pdf_upload("summary.pdf")
    )
    world.add("report:lz.p1.open", report)
    world.add("report_attachment:lz.p1", report.attachments.get())
    world.add("assessment:lz.p1", AnnualAssessment.objects.filter(studio=lz_host_studio).first())
    world.add(
        "assessment:lz.p1.open",
        assessment_services.assessment_open(
            actor=u["lz_city"], studio=lz_host_studio, year=today.year
        ),
    )
    # Three-year evaluations: lz.p2's open with lz_expert to score, lz.p1's decided.
    opened = evaluation.evaluation_open(lz_county_studio, lz_county_studio.term_end - timedelta(20))
    evaluation.evaluation_assign_experts(
        actor=u["lz_city"], evaluation=opened, experts=[u["lz_expert"]]
    )
    world.add("evaluation:lz.p2", opened)
    # Deciding ends the term, so a Suizhou studio that no other row needs running.
    decided = evaluation.evaluation_open(sz_host_studio, sz_host_studio.term_end - timedelta(20))
    evaluation.evaluation_assign_experts(
        actor=u["sz_city"], evaluation=decided, experts=[u["sz_expert"]]
    )
    evaluation.evaluation_score(
        actor=u["sz_expert"],
        evaluation=decided,
        scores={i.code: str(i.max_points) for i in evaluation.term_indicators(sz_open.policy)},
        comment="成效显著。",
    )
    evaluation.evaluation_decide(
        actor=u["sz_city"], evaluation=decided, today=sz_host_studio.term_end + timedelta(1)
    )
    decided.refresh_from_db()
    world.add("evaluation:sz.p1.decided", decided)

    # --- funding --------------------------------------------------------------------------------
    world.add(
        "expenditure:lz.p1",
        Expenditure.objects.filter(studio=lz_host_studio, status=ExpenditureStatus.PENDING)
        .exclude(receipt="")
        .first(),
    )
    world.add("account:lz.lzgz", SpecialAccount.objects.get(school__code="lzgz").school)
    world.add("import_kind:teachers", "teachers")
    world.add("import_job:lz_city", _import_job(u["lz_city"], world.obj("org:lz.bureau")))

    # --- accounts ------------------------------------------------------------------------------
    world.add(
        "audit_entry:lz.liucheng",
        AuditEntry.objects.filter(organisation=world.obj("org:lz.liucheng-sx")).first(),
    )
    world.add(
        "notification:lz_city",
        Notification.objects.filter(recipient=u["lz_city"]).order_by("pk").first(),
    )
    # A group robot of 柳城县实验小学, stored as-is: its address (a closed port on 127.0.0.1) is
    # not among the robot hosts, so the fuzz's test button is refused before any network.
    from accounts.models import ChatRobot

    world.add(
        "robot:lz.liucheng-sx",
        ChatRobot.objects.create(
            organisation=world.obj("org:lz.liucheng-sx"),
            kind="wecom",
            name="柳城县实验小学班主任群",
            webhook_url="http://127.0.0.1:9/cgi-bin/webhook/send?key=matrix-world",
            notice_kinds=["tasks", "reminders"],
        ),
    )
    # Two teachers of 柳城县实验小学 as an import leaves them (no password yet), one with an
    # e-mail address: the people page then shows the invitation and code forms.
    from accounts import services as account_services

    for username, email in (("lz_new_mail", "new@example.org"), ("lz_new_paper", "")):
        person = account_services.user_ensure(
            username=username, full_name="新老师", email=email, must_change_password=True
        )
        account_services.role_assign(
            actor=None, user=person, role="teacher", organisation=world.obj("org:lz.liucheng-sx")
        )
        world.add(f"user:{username}", person)
    job = jobs.job_start(
        actor=u["lz_city"],
        kind="applications.call_packet",
        title="申报材料汇编",
        params={"call": lz_past.pk},
    )
    jobs.job_run(job_id=job.pk)
    job.refresh_from_db()
    world.add("job:lz_city", job)
    world.add(
        "membership:lz.member",
        Membership.objects.filter(user=u["lz_member"], role=TeamRole.MEMBER).first(),
    )
    # The code in lz.p1's plaque QR code, and lz_member's calendar address (its secret: the
    # feeds are read with it by calendar apps, which have no session).
    from studios.services.calendars import calendar_feed_make

    world.add("plaque_code:lz.p1", lz_host_studio.verification_code)
    world.add("calendar:lz_member", calendar_feed_make(actor=u["lz_member"]))
    # A personal access token of the bureau's (the token page then shows its revoke form).
    from accounts.tokens import token_create

    token, _secret = token_create(actor=u["lz_city"], name="公众号", scopes=["calls:read"], days=30)
    world.add("token:lz_city", token)
    return world


def _import_job(actor, bureau):
    """A teachers' import waiting for its background check (its worker never runs here)."""
    from openpyxl import Workbook

    from accounts.imports import IMPORT_RESOURCES
    from funding import imports

    workbook = Workbook()
    workbook.active.append(IMPORT_RESOURCES["teachers"].column_names())
    out = io.BytesIO()
    workbook.save(out)
    content = out.getvalue()
    name = imports.upload_store(actor, content)
    return imports.import_job_start(
        actor=actor, kind="teachers", bureau=bureau, name=name, content=content, save=False
    )
