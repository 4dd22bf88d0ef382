"""The demo studios' money, through the services: a finance officer and a special account at
each host school, an allocation for every year of the term so far, spending across the policy's
categories (some for activities, most confirmed, a few waiting, one reversed), and — where the
policy makes equipment a state fixed asset — two assets, one disposed of.

Idempotent: accounts, allocations, entries and assets that exist are left alone.
"""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role, User
from accounts.services import role_assign, user_ensure
from policies.models import Policy
from studios.models import Studio, StudioStatus

from . import services
from .models import Allocation, SpecialAccount

AMOUNTS = [Decimal("1280.00"), Decimal("356.50"), Decimal("2400.00"), Decimal("860.40")]
PAYEES = ["市公交集团", "新华书店", "市教育会议中心", "县第一招待所"]
PURPOSES = ["送教下乡交通费", "班主任工作专业书籍", "专题研讨会场地及资料", "跨区域交流住宿费"]
OFFICERS = ["周会计", "吴会计", "郑会计", "冯会计", "陈会计", "褚会计"]


def seed_funding(
    policy: Policy, prefix: str, today: date, *, password_hash: str | None = None
) -> None:
    bureau = User.objects.filter(username=f"{prefix}_city").first()
    if bureau is None:
        return
    studios = Studio.objects.filter(policy=policy, status=StudioStatus.ACTIVE).order_by(
        "plaque_number"
    )
    password_hash = password_hash or make_password(settings.MINGSHI_DEMO_PASSWORD)
    for index, studio in enumerate(studios.select_related("school", "host", "policy")):
        officer = _finance_officer(studio, prefix, index, password_hash)
        if not SpecialAccount.objects.filter(school=studio.school).exists():
            services.special_account_save(
                actor=officer,
                school=studio.school,
                bank="中国工商银行",
                account_name=studio.school.name,
                account_number=f"6222{studio.school_id:012d}",
            )
        years = _allocate(studio, bureau, today)
        if years and not studio.expenditures.exists():
            _spend(studio, officer, years, today)
        if policy.equipment_becomes_fixed_asset and not studio.fixed_assets.exists():
            _assets(studio, today)


def _finance_officer(studio: Studio, prefix: str, index: int, password_hash: str) -> User:
    username = f"{prefix}_finance" if index == 0 else f"{prefix}_finance{index + 1}"
    user = user_ensure(
        username=username,
        full_name=OFFICERS[index % len(OFFICERS)],
        email=f"{username}@example.org",
        password_hash=password_hash,
    )
    role_assign(actor=None, user=user, role=Role.FINANCE_OFFICER, organisation=studio.school)
    return user


def _yearly_amount(policy: Policy) -> Decimal:
    low, high = policy.funding_min, policy.funding_max
    if low is not None and high is not None:
        return ((low + high) / 2).quantize(Decimal("0.01"))
    return low if low is not None else high if high is not None else Decimal("15000.00")


def _allocate(studio: Studio, bureau: User, today: date) -> list[tuple[int, date]]:
    """Allocations for each year of the term so far; returns (year, approved_on) of each."""
    amount = _yearly_amount(studio.policy)
    years = []
    for year in range(studio.term_start.year, min(today.year, studio.term_end.year) + 1):
        approved_on = (
            studio.term_start + timedelta(days=14)
            if year == studio.term_start.year
            else date(year, 3, 15)
        )
        if approved_on > today:
            continue
        years.append((year, approved_on))
        if Allocation.objects.filter(studio=studio, year=year).exists():
            continue
        services.allocation_save(
            actor=bureau,
            studio=studio,
            year=year,
            amount=amount,
            document_number=f"教经〔{year}〕{10 + studio.pk}号",
            approved_on=approved_on,
            today=today,
        )
    return years


def _receipt(n: int) -> SimpleUploadedFile:
    """A one-page PDF (blank, A5): receipts are parsed as PDFs, so the demo's must be real."""

    from pypdf import PdfWriter  # noqa: PLC0415  (see core.uploads: pypdf loads when used)

    writer = PdfWriter()
    writer.add_blank_page(width=420, height=595)
    buffer = BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(f"receipt-{n}.pdf", buffer.getvalue(), content_type="application/pdf")


def _spend(studio: Studio, officer: User, years: list[tuple[int, date]], today: date) -> None:
    codes = [c["code"] for c in studio.policy.expenditure_categories]
    activities = list(studio.activities.order_by("held_on"))
    entries = []
    n = 0
    for year, approved_on in years:
        for step in range(3):
            day = approved_on + timedelta(days=20 + 35 * step)
            if day > today or day > studio.term_end or day.year != year:
                continue
            served = [a for a in activities if a.held_on <= day]
            entry = services.expenditure_record(
                actor=studio.host,
                studio=studio,
                category=codes[n % len(codes)],
                amount=AMOUNTS[n % len(AMOUNTS)],
                spent_on=day,
                payee=PAYEES[n % len(PAYEES)],
                purpose=PURPOSES[n % len(PURPOSES)],
                receipt=_receipt(n),
                today=today,
                activity=served[-1] if served and n % 2 == 0 else None,
            )
            entries.append(entry)
            n += 1
    waiting = entries[-2:] if len(entries) > 3 else []
    for entry in entries:
        if entry not in waiting:
            services.expenditure_decide(actor=officer, expenditure=entry, confirm=True)
    if len(entries) > 3:
        first = entries[0]
        reversal = services.expenditure_reverse(
            actor=studio.host,
            expenditure=first,
            reason="发票金额录入有误，冲销后重新登记",
            today=entries[-3].spent_on,
        )
        services.expenditure_decide(actor=officer, expenditure=reversal, confirm=True)


def _assets(studio: Studio, today: date) -> None:
    code = studio.school.code.upper()
    acquired = min(today, studio.term_start + timedelta(days=60))
    services.asset_register(
        actor=studio.host,
        studio=studio,
        asset_number=f"{code}-{studio.pk:03d}-01",
        description="工作室投影仪",
        value=Decimal("4680.00"),
        acquired_on=acquired,
        location="工作室活动室",
        custodian=studio.host.full_name or studio.host.username,
        today=today,
    )
    printer = services.asset_register(
        actor=studio.host,
        studio=studio,
        asset_number=f"{code}-{studio.pk:03d}-02",
        description="彩色激光打印机",
        value=Decimal("2350.00"),
        acquired_on=acquired,
        location="工作室办公室",
        custodian=studio.host.full_name or studio.host.username,
        today=today,
    )
    services.asset_dispose(
        actor=studio.host, asset=printer, day=today, reason="设备损坏，经学校审批报废"
    )
