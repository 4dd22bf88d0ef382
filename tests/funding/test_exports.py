"""The auditors' workbook: every sheet's headers and totals against the database, scopes that
never widen, money exact to the fen, frozen headers and number formats, the command line and
the page (small at once, large as a job)."""

import dataclasses
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEntry, Job, JobStatus, Organisation, RoleAssignment
from assessments.models import AnnualAssessment, Outcome, Rectification
from funding import exports
from funding.models import Allocation, Expenditure, ExpenditureStatus, FixedAsset, FundReturn
from studios.models import Activity, Attendance, AttendanceStatus, Membership, Studio
from tests.core.files import assert_served
from tests.studios.factories import published_studios, suizhou_studio

pytestmark = pytest.mark.django_db

TODAY = date(2025, 12, 31)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- data ------------------------------------------------------------------------------------


def _money(studio, admin, *, year, amounts, pending=(), rejected=(), asset=None, returned=None):
    """Allocations, expenditures, assets and returns written as rows (their services are new)."""
    Allocation.objects.create(
        studio=studio,
        year=year,
        amount=Decimal("50000.00"),
        document_number=f"柳教发〔{year}〕{studio.pk}号",
        approved_on=date(year, 3, 1),
        bank="中国农业银行",
        account_name=studio.school.name,
        account_number="6228480000000001",
        created_by=admin,
    )
    categories = [c["code"] for c in studio.policy.expenditure_categories]
    for i, amount in enumerate(amounts):
        Expenditure.objects.create(
            studio=studio,
            category=categories[i % len(categories)],
            amount=Decimal(amount),
            spent_on=date(year, 4, 1 + i),
            payee="某某公司",
            purpose=f"支出{i}",
            status=ExpenditureStatus.CONFIRMED,
            recorded_by=admin,
            decided_by=admin,
            decided_at=timezone.make_aware(datetime(year, 4, 10, 9, 30)),
        )
    for status, values in (
        (ExpenditureStatus.PENDING, pending),
        (ExpenditureStatus.REJECTED, rejected),
    ):
        for amount in values:
            Expenditure.objects.create(
                studio=studio,
                category=categories[0],
                amount=Decimal(amount),
                spent_on=date(year, 5, 1),
                payee="某某书店",
                purpose="图书",
                status=status,
                recorded_by=admin,
            )
    if asset:
        FixedAsset.objects.create(
            studio=studio,
            school=studio.school,
            asset_number=f"ZC-{studio.pk}-{year}",
            description="笔记本电脑",
            value=Decimal(asset),
            acquired_on=date(year, 6, 1),
            location="工作室",
            custodian="张老师",
        )
    if returned:
        FundReturn.objects.create(
            studio=studio,
            amount=Decimal(returned),
            returned_on=date(year, 12, 20),
            reason="撤销后结余缴回",
            recorded_by=admin,
        )


def _activities(studio, year, count):
    members = list(studio.memberships.filter(role="member").order_by("pk"))
    for i in range(count):
        activity = Activity.objects.create(
            studio=studio,
            kind="thematic_seminar",
            title=f"{studio.name}专题研讨{i}",
            held_on=date(year, 3 + i, 10),
            place="报告厅",
        )
        for j, membership in enumerate(members):
            Attendance.objects.create(
                activity=activity,
                membership=membership,
                status=[AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT][
                    (i + j) % 3
                ],
                confirmed_at=timezone.make_aware(datetime(year, 3 + i, 11)) if j % 2 else None,
            )


@pytest.fixture
def world(demo):
    """Liuzhou: a studio in 柳城县 and one in 鹿寨县; Suizhou: one in 曾都区. Money, activities,
    assessments for 2025 (and a little 2024 that a 2025 export leaves out)."""
    liucheng, luzhai = published_studios(
        "liuzhou-2024", [("liucheng-sx", "lz_host"), ("luzhai-sx", "lz_host2")], city="liuzhou"
    )
    suizhou = suizhou_studio("sz_host")
    lz_admin, sz_admin = demo.user("lz_city"), demo.user("sz_city")
    # 0.10 + 0.20 is 0.30000000000000004 in floating point: the totals must say 0.30.
    _money(
        liucheng,
        lz_admin,
        year=2025,
        amounts=["0.10", "0.20"],
        pending=["99.99"],
        rejected=["500.00"],
        asset="6999.90",
        returned="12.34",
    )
    _money(liucheng, lz_admin, year=2024, amounts=["1000.00"])
    _money(luzhai, lz_admin, year=2025, amounts=["1234567.89", "0.01"], asset="100.00")
    _money(suizhou, sz_admin, year=2025, amounts=["300.33"], asset="45.67")
    for studio in (liucheng, luzhai, suizhou):
        _activities(studio, 2025, 3)
    _activities(liucheng, 2024, 1)
    failed = AnnualAssessment.objects.create(
        studio=luzhai, year=2025, status="decided", total=Decimal("55.50"), outcome=Outcome.FAIL
    )
    Rectification.objects.create(
        assessment=failed, deadline=date(2026, 3, 1), required_actions="补齐活动记录"
    )
    AnnualAssessment.objects.create(
        studio=liucheng, year=2025, status="decided", total=Decimal("88.25"), outcome=Outcome.PASS
    )
    AnnualAssessment.objects.create(studio=suizhou, year=2025)
    return {"liucheng": liucheng, "luzhai": luzhai, "suizhou": suizhou}


def _workbook(scope) -> tuple:
    buffer = io.BytesIO()
    results = exports.write_workbook(dataclasses.replace(scope, today=TODAY), buffer)
    buffer.seek(0)
    return load_workbook(buffer), results


def _split(ws, sheet):
    """Header, data rows and totals row (None when the sheet has none)."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    has_totals = any(c.total for c in sheet.columns)
    if has_totals:
        assert body and body[-1][0] == sheet.total_label, (sheet.identifier, body[-1:])
        return header, body[:-1], body[-1]
    return header, body, None


def _col(sheet, header):
    return [c.header for c in sheet.columns].index(header)


def _dec(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


# --- the workbook against the database -------------------------------------------------------


def test_every_sheet_header_and_totals_match_the_database(world, demo):
    scope = exports.scope_for_user(demo.user("lz_auditor"), year=2025)
    assert scope.county is None and scope.city.code == "liuzhou"
    book, results = _workbook(scope)
    assert book.sheetnames == [s.title for s in exports.SHEETS.values()]
    assert [r.identifier for r in results] == list(exports.SHEETS)

    lz = Q(studio__school__city__code="liuzhou")
    expected_rows = {
        "studios": Studio.objects.filter(school__city__code="liuzhou").count(),
        "memberships": Membership.objects.filter(lz).count(),
        "activities": Activity.objects.filter(lz, held_on__year=2025).count(),
        "attendance": Attendance.objects.filter(
            activity__studio__school__city__code="liuzhou", activity__held_on__year=2025
        ).count(),
        "allocations": Allocation.objects.filter(lz, year=2025).count(),
        "expenditures": Expenditure.objects.filter(lz, spent_on__year=2025).count(),
        "fixed_assets": FixedAsset.objects.filter(lz).count(),
        "fund_returns": FundReturn.objects.filter(lz).count(),
        "assessments": AnnualAssessment.objects.filter(lz, year=2025).count(),
        "audit_trail": AuditEntry.objects.filter(
            organisation__city__code="liuzhou", created_at__year=2025
        ).count(),
    }
    assert expected_rows["studios"] == 2 and expected_rows["activities"] == 6
    by_id = {r.identifier: r.rows for r in results}
    for identifier, sheet in exports.SHEETS.items():
        ws = book[sheet.title]
        header, body, totals = _split(ws, sheet)
        assert header == [c.header for c in sheet.columns], identifier
        assert len(body) == by_id[identifier], identifier
        if identifier in expected_rows:
            assert len(body) == expected_rows[identifier], identifier
        if totals is not None:
            for index, column in enumerate(sheet.columns):
                if column.total == exports.COUNT and identifier != "expenditures":
                    assert totals[index] == len(body), identifier

    # Studios × quotas for compliance; the quota counts add up to the totals row.
    sheet = exports.SHEETS["compliance"]
    header, body, totals = _split(book[sheet.title], sheet)
    quotas = sum(
        s.policy.activity_quotas.count()
        for s in Studio.objects.filter(school__city__code="liuzhou")
    )
    assert len(body) == quotas > 0
    done, asked = _col(sheet, "已完成"), _col(sheet, "要求")
    assert totals[done] == sum(r[done] for r in body) and totals[asked] == sum(
        r[asked] for r in body
    )

    # Attendance sums per status.
    sheet = exports.SHEETS["activities"]
    _, body, totals = _split(book[sheet.title], sheet)
    for header_text, status in (("出席", "present"), ("请假", "leave"), ("缺勤", "absent")):
        db = Attendance.objects.filter(
            activity__studio__school__city__code="liuzhou",
            activity__held_on__year=2025,
            status=status,
        ).count()
        assert totals[_col(sheet, header_text)] == db > 0
    confirmed = Attendance.objects.filter(
        activity__studio__school__city__code="liuzhou",
        activity__held_on__year=2025,
        confirmed_at__isnull=False,
    ).count()
    assert totals[_col(sheet, "成员已确认")] == confirmed

    # Money: every sum exact to the fen.
    def db_sum(queryset, field):
        return queryset.aggregate(s=Sum(field))["s"]

    checks = [
        ("allocations", "金额（元）", db_sum(Allocation.objects.filter(lz, year=2025), "amount")),
        (
            "expenditures",
            "金额（元）",
            db_sum(
                Expenditure.objects.filter(lz, spent_on__year=2025, status="confirmed"), "amount"
            ),
        ),
        ("fixed_assets", "价值（元）", db_sum(FixedAsset.objects.filter(lz), "value")),
        ("fund_returns", "金额（元）", db_sum(FundReturn.objects.filter(lz), "amount")),
        (
            "expenditure_categories",
            "已确认金额（元）",
            db_sum(
                Expenditure.objects.filter(lz, spent_on__year=2025, status="confirmed"), "amount"
            ),
        ),
        (
            "expenditure_categories",
            "待确认金额（元）",
            db_sum(Expenditure.objects.filter(lz, spent_on__year=2025, status="pending"), "amount"),
        ),
    ]
    for identifier, header_text, expected in checks:
        sheet = exports.SHEETS[identifier]
        _, body, totals = _split(book[sheet.title], sheet)
        assert _dec(totals[_col(sheet, header_text)]) == expected, identifier
    assert checks[1][2] == Decimal("1234568.20")  # 0.10 + 0.20 + 1234567.89 + 0.01

    # The expenditures' totals row counts and sums the confirmed entries only.
    sheet = exports.SHEETS["expenditures"]
    _, body, totals = _split(book[sheet.title], sheet)
    assert totals[0] == "合计（已确认）"
    assert totals[_col(sheet, "用途")] == 4 and len(body) == 6

    # Assessments: the failed year carries its rectification.
    sheet = exports.SHEETS["assessments"]
    _, body, _totals = _split(book[sheet.title], sheet)
    failed = next(r for r in body if r[_col(sheet, "整改期限")] is not None)
    assert _dec(failed[_col(sheet, "总分")]) == Decimal("55.50")
    assert failed[_col(sheet, "整改期限")] == datetime(2026, 3, 1)


def test_money_is_exact_to_the_fen(world, demo):
    """0.10 + 0.20: the cells stay numbers, the total is 0.30 — not 0.30000000000000004."""
    scope = exports.scope_for_user(demo.user("lz_auditor_liucheng"), year=2025)
    book, _results = _workbook(scope)
    sheet = exports.SHEETS["expenditures"]
    _, body, totals = _split(book[sheet.title], sheet)
    amount = _col(sheet, "金额（元）")
    confirmed = [r[amount] for r in body if r[_col(sheet, "状态")] == "已确认"]
    assert sorted(confirmed) == [0.1, 0.2]
    assert sum(confirmed) != 0.3  # what a float sum of the cells would say …
    assert totals[amount] == 0.3 and _dec(totals[amount]) == Decimal("0.30")  # … and the total
    db = Expenditure.objects.filter(
        studio=world["liucheng"], spent_on__year=2025, status="confirmed"
    ).aggregate(s=Sum("amount"))["s"]
    assert db == Decimal("0.30") == _dec(totals[amount])
    alloc = exports.SHEETS["allocations"]
    _, body, totals = _split(book[alloc.title], alloc)
    assert isinstance(body[0][_col(alloc, "金额（元）")], (int, float))  # typed, not text


def test_frozen_header_widths_and_number_formats(world, demo):
    book, _ = _workbook(exports.scope_for_user(demo.user("lz_auditor"), year=2025))
    for sheet in exports.SHEETS.values():
        ws = book[sheet.title]
        assert ws.freeze_panes == "A2", sheet.identifier
        assert ws["A1"].font.bold
        for index, column in enumerate(sheet.columns, start=1):
            letter = ws.cell(row=1, column=index).column_letter
            assert ws.column_dimensions[letter].width == column.width
            if column.number_format and ws.max_row > 2:
                value = ws.cell(row=2, column=index)
                # A masked birth month (the auditor sees "1980-**") is text, not a date.
                if value.value is not None and not isinstance(value.value, str):
                    assert value.number_format == column.number_format, (sheet.identifier, letter)
                elif isinstance(value.value, str):
                    assert value.value.endswith("-**"), (sheet.identifier, letter, value.value)
    ws = book["经费下达"]
    assert ws["E2"].number_format == "#,##0.00" and ws["G2"].number_format == "yyyy-mm-dd"
    assert isinstance(ws["G2"].value, datetime) and isinstance(ws["D2"].value, int)
    last = ws.max_row
    assert ws.cell(row=last, column=1).value == "合计"
    assert ws.cell(row=last, column=5).number_format == "#,##0.00"


def _all_text(book) -> str:
    return "\n".join(
        str(value)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def test_a_county_auditor_exports_their_county_only(world, demo):
    auditor = demo.user("lz_auditor_liucheng")
    scope = exports.scope_for_user(auditor)  # no county named: theirs
    assert scope.county.code == "liucheng"
    book, results = _workbook(scope)
    text = _all_text(book)
    luzhai = world["luzhai"]
    assert "鹿寨县" not in text
    assert luzhai.plaque_number not in text and luzhai.name not in text
    assert world["liucheng"].plaque_number in text
    assert {r.identifier: r.rows for r in results}["studios"] == 1
    # The audit trail keeps to the county as well.
    trail = exports.SHEETS["audit_trail"]
    _, body, _ = _split(book[trail.title], trail)
    in_scope = AuditEntry.objects.filter(
        Q(organisation__county__code="liucheng") | Q(organisation__code="liucheng"),
        organisation__city__code="liuzhou",
    ).count()
    assert len(body) == in_scope > 0

    with pytest.raises(exports.ScopeError):
        exports.scope_for_user(auditor, county="luzhai")
    with pytest.raises(exports.ScopeError):
        exports.scope_for_user(auditor, city="suizhou")


def test_a_suizhou_auditor_sees_no_liuzhou_row(world, demo):
    book, _ = _workbook(exports.scope_for_user(demo.user("sz_auditor")))
    text = _all_text(book)
    for studio in (world["liucheng"], world["luzhai"]):
        assert studio.plaque_number not in text and studio.name not in text
    for name in Organisation.objects.filter(city__code="liuzhou").values_list("name", flat=True):
        assert name not in text
    assert world["suizhou"].plaque_number in text
    with pytest.raises(exports.ScopeError):
        exports.scope_for_user(demo.user("sz_auditor"), city="liuzhou")
    with pytest.raises(exports.ScopeError):
        exports.scope_for_user(demo.user("lz_teacher"))


def test_a_year_and_a_batch_narrow_the_rows(world, demo):
    auditor = demo.user("lz_auditor_liucheng")
    every_year = dict((r.identifier, r.rows) for r in _workbook(exports.scope_for_user(auditor))[1])
    only_2025 = dict(
        (r.identifier, r.rows) for r in _workbook(exports.scope_for_user(auditor, year=2025))[1]
    )
    assert every_year["activities"] == 4 and only_2025["activities"] == 3
    assert every_year["allocations"] == 2 and only_2025["allocations"] == 1
    [later] = published_studios("liuzhou-2024", [("liucheng-zx", "lz_host3")], city="liuzhou")
    first_batch = exports.scope_for_user(auditor, call=world["liucheng"].call_id)
    rows = {r.identifier: r.rows for r in _workbook(first_batch)[1]}
    assert rows["studios"] == 1
    assert {r.identifier: r.rows for r in _workbook(exports.scope_for_user(auditor))[1]}[
        "studios"
    ] == 2
    assert later.call_id != world["liucheng"].call_id


def test_queries_stay_constant_per_sheet(world, demo, django_assert_max_num_queries):
    scope = dataclasses.replace(
        exports.scope_for_user(demo.user("lz_auditor"), year=2025), today=TODAY
    )
    with django_assert_max_num_queries(25):
        exports.write_workbook(scope, io.BytesIO())
    for studio in Studio.objects.filter(school__city__code="liuzhou"):
        _activities(studio, 2025, 5)
    with django_assert_max_num_queries(25):
        exports.write_workbook(scope, io.BytesIO())


# --- the command line ------------------------------------------------------------------------


def test_the_command_writes_the_same_workbook(world, tmp_path):
    out = tmp_path / "audit.xlsx"
    stdout = io.StringIO()
    call_command(
        "export_audit", city="liuzhou", county="liucheng", year=2025, out=str(out), stdout=stdout
    )
    printed = stdout.getvalue()
    assert "工作室" in printed and "rows in" in printed
    book = load_workbook(out)
    assert book.sheetnames == [s.title for s in exports.SHEETS.values()]
    assert "鹿寨县" not in _all_text(book)
    sheet = exports.SHEETS["expenditures"]
    _, _, totals = _split(book[sheet.title], sheet)
    assert _dec(totals[_col(sheet, "金额（元）")]) == Decimal("0.30")

    for bad in ({"city": "nowhere"}, {"city": "liuzhou", "county": "zengdu"}):
        with pytest.raises(CommandError):
            call_command("export_audit", out=str(tmp_path / "x.xlsx"), **bad)


# --- the page --------------------------------------------------------------------------------


def test_the_form_offers_only_the_users_scope(world, client_for):
    client = client_for("lz_auditor_liucheng")
    page = client.get(reverse("funding:audit_export"))
    assert page.status_code == 200
    form = page.context["form"]
    assert [c.code for c in form.fields["county"].queryset] == ["liucheng"]
    assert [c.code for c in form.fields["city"].queryset] == ["liuzhou"]
    refused = client.post(reverse("funding:audit_export"), {"city": "liuzhou", "county": "luzhai"})
    assert refused.status_code == 200 and refused.context["form"].errors
    assert client_for("lz_teacher").get(reverse("funding:audit_export")).status_code == 403


def test_a_small_export_downloads_at_once(world, client_for):
    client = client_for("lz_auditor_liucheng")
    response = client.post(
        reverse("funding:audit_export"), {"city": "liuzhou", "county": "liucheng", "year": "2025"}
    )
    assert_served(response, XLSX)
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert "鹿寨县" not in _all_text(book)
    assert not Job.objects.exists()


def test_a_large_export_runs_as_a_job_that_checks_again(
    world, demo, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "LARGE_EXPORT_ROWS", 1)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 5)
    client = client_for("lz_auditor_liucheng")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("funding:audit_export"), {"city": "liuzhou", "county": "liucheng"}
        )
    job = Job.objects.get()
    assert response.url == reverse("accounts:job_detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.progress == job.total > 0
    assert job.params == {"city": "liuzhou", "county": "liucheng", "call": None, "year": None}
    download = client.get(reverse("accounts:job_download", args=[job.pk]))
    assert_served(download, XLSX)
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert "鹿寨县" not in _all_text(book)

    # The runner asks again: an auditor who lost the role gets a refusal, not a file.
    from accounts.jobs import job_run, job_start

    auditor = demo.user("lz_auditor_liucheng")
    later = job_start(actor=auditor, kind="funding.audit_export", title="t", params=job.params)
    RoleAssignment.objects.filter(user=auditor).delete()
    assert job_run(job_id=later.pk) == "refused"
    # … and a widened scope smuggled into the parameters is refused too.
    city_auditor = demo.user("lz_auditor_liucheng")
    RoleAssignment.objects.create(
        user=city_auditor, role="auditor", organisation=demo.org("liucheng")
    )
    widened = job_start(
        actor=city_auditor,
        kind="funding.audit_export",
        title="t",
        params={**job.params, "county": "luzhai"},
    )
    assert job_run(job_id=widened.pk) == "refused"
