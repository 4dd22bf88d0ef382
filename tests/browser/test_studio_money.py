"""Money in the browser, every button of it: Suizhou's school keeps a special account, the
bureau allocates to the batch and corrects one allocation, the host records spending, the
finance officer confirms one entry and sends another back, the host reverses the confirmed one
and registers a projector as a fixed asset, then records its disposal."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from playwright.sync_api import expect

from accounts.models import Role, User
from accounts.services import role_assign
from funding.models import Allocation, Expenditure, FixedAsset, SpecialAccount
from tests.applications.factories import PNG
from tests.studios.factories import suizhou_studio


def _finance_officer(studio) -> User:
    user = User.objects.create_user(
        "sz_fin_zengdu", full_name="曾都财务", email="fin@zd.example.cn"
    )
    user.set_password(settings.MINGSHI_DEMO_PASSWORD)
    user.save()
    role_assign(actor=None, user=user, role=Role.FINANCE_OFFICER, organisation=studio.school)
    return user


def _record(host, base, studio, tmp_path, *, category, amount, payee) -> None:
    host.goto(f"{base}/studios/{studio.pk}/funding/?year=2025")
    host.select_option("#id_category", category)
    host.fill("#id_amount", amount)
    host.fill("#id_spent_on", "2025-03-01")
    host.fill("#id_payee", payee)
    host.fill("#id_purpose", "工作室活动")
    scan = tmp_path / f"{payee}.png"
    scan.write_bytes(PNG)
    host.set_input_files("#id_receipt", str(scan))
    host.locator("[data-testid=expenditure-form] button[type=submit]").click()
    expect(host.locator(".ms-messages")).to_be_visible()


def test_allocate_spend_decide_reverse_and_keep_assets(demo_site, as_user, clock, tmp_path):
    base = demo_site.url
    clock.day = date(2025, 3, 10)
    studio = suizhou_studio("sz_host")
    officer = _finance_officer(studio)

    # The school's special account, which Suizhou's policy requires before any allocation.
    finance = as_user(officer.username)
    finance.goto(f"{base}/schools/{studio.school_id}/account/")
    finance.fill("#id_bank", "中国农业银行随州曾都支行")
    finance.fill("#id_account_name", "曾都区实验小学名班主任工作室专户")
    finance.fill("#id_account_number", "17-123456040012345")
    finance.locator("main form button[type=submit]").click()
    expect(finance.locator(".ms-messages")).to_be_visible()
    assert SpecialAccount.objects.filter(school=studio.school).exists()

    # The bureau allocates to the whole batch, then corrects the amount of this studio.
    bureau = as_user("sz_city")
    bureau.goto(f"{base}/allocations/?year=2025")
    batch = bureau.locator(
        f"[data-testid=bulk-form]:has(input[name=call][value='{studio.call_id}'])"
    )
    batch.locator("input[name=amount]").fill("30000")
    batch.locator("input[name=document_number]").fill("随教〔2025〕5号")
    batch.locator("button[type=submit]").click()
    expect(bureau.locator(".ms-messages")).to_be_visible()
    assert Allocation.objects.get(studio=studio, year=2025).amount == Decimal("30000")
    row = bureau.locator(f"tr:has(a[href^='/studios/{studio.pk}/funding/'])")
    row.locator("summary").click()
    row.locator("input[name=amount]").fill("32000")
    row.locator("button[type=submit]").click()
    expect(bureau.locator(".ms-messages")).to_be_visible()
    assert Allocation.objects.get(studio=studio, year=2025).amount == Decimal("32000")

    # The host records two entries; the finance officer confirms one and sends one back.
    host = as_user("sz_host")
    _record(host, base, studio, tmp_path, category="research", amount="1200", payee="随州书城")
    _record(host, base, studio, tmp_path, category="daily", amount="88.50", payee="文具店")
    books = Expenditure.objects.get(studio=studio, payee="随州书城")
    stationery = Expenditure.objects.get(studio=studio, payee="文具店")
    finance.goto(f"{base}/finance/")
    finance.locator(
        f"form[action$='/expenditures/{books.pk}/decide/'] button[value=confirm]"
    ).click()
    expect(finance.locator(".ms-messages")).to_be_visible()
    refused = finance.locator(f"form[action$='/expenditures/{stationery.pk}/decide/']")
    refused.locator("input[name=reason]").fill("发票抬头不是学校")
    refused.locator("button[value=reject]").click()
    expect(finance.locator(".ms-messages")).to_be_visible()
    books.refresh_from_db()
    stationery.refresh_from_db()
    assert books.status == "confirmed" and stationery.status == "rejected"

    # A confirmed entry is corrected by a reversal, never edited.
    host.goto(f"{base}/studios/{studio.pk}/funding/?year=2025")
    entry = host.locator(f"tr:has(input[name=expenditure][value='{books.pk}'])")
    entry.locator("summary").click()
    entry.locator("input[name=reason]").fill("重复报销，予以冲销")
    entry.locator("button[type=submit]").click()
    expect(host.locator(".ms-messages")).to_be_visible()
    assert Expenditure.objects.filter(reverses=books, amount=Decimal("-1200")).exists()

    # Equipment becomes a fixed asset of the school; its disposal is recorded.
    host.locator("details:has(input[value=asset_register]) summary").click()
    host.fill("#id_asset_number", "ZD-2025-007")
    host.fill("#id_value", "3999")
    host.fill("#id_description", "投影仪")
    host.fill("#id_location", "工作室活动室")
    host.fill("#id_custodian", "张老师")
    host.locator("form:has(input[value=asset_register]) button[type=submit]").click()
    expect(host.locator(".ms-messages")).to_be_visible()
    asset = FixedAsset.objects.get(asset_number="ZD-2025-007")
    host.locator("details:has(input[value=asset_dispose]) summary").click()
    host.locator("form:has(input[value=asset_dispose]) input[name=reason]").fill("损坏报废")
    host.locator("form:has(input[value=asset_dispose]) button[type=submit]").click()
    expect(host.locator(".ms-messages")).to_be_visible()
    asset.refresh_from_db()
    assert asset.disposed_on == clock.day
