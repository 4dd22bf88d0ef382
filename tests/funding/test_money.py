"""Studio money: allocations within the policy's range paid to the school's special account
(one studio or a whole batch), expenditures in the policy's categories confirmed by the host
school's finance officer, balances exact to the fen with carry-over inside the term, reversals
instead of edits, fixed assets, and what a revoked studio returns."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEntry, Notification, Role, User
from accounts.services import role_assign
from funding import selectors, services
from funding.errors import FundingError
from funding.models import Allocation, Expenditure, ExpenditureStatus, FixedAsset, FundReturn
from tests.core import files
from tests.studios.factories import liuzhou_studio, published_studios, suizhou_studio

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_messages():
    """The refusals are matched on their English wording (the catalogue has their Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


TODAY = date(2025, 6, 1)


@pytest.fixture(autouse=True)
def media_and_today(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr("core.clock.today", lambda: TODAY)


def receipt(name="receipt.pdf"):
    content = files.PDF if name.endswith(".pdf") else files.png()
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def finance_officer(studio, username="fin"):
    user = User.objects.create_user(username, full_name="财务", email=f"{username}@x.cn")
    role_assign(actor=None, user=user, role=Role.FINANCE_OFFICER, organisation=studio.school)
    return user


def allocate(studio, year, amount, bureau):
    return services.allocation_save(
        actor=bureau,
        studio=studio,
        year=year,
        amount=amount,
        document_number=f"柳教〔{year}〕1号",
        approved_on=date(year, 1, 10) if year > 2024 else date(2024, 9, 10),
    )


def spend(studio, amount, *, day=date(2025, 3, 1), category="transport", **extra):
    return services.expenditure_record(
        actor=studio.host,
        studio=studio,
        category=category,
        amount=amount,
        spent_on=day,
        payee="柳州公交",
        purpose="送教下乡交通费",
        receipt=extra.pop("receipt", None) or receipt(),
        today=TODAY,
        **extra,
    )


def confirmed(entry, officer):
    return services.expenditure_decide(actor=officer, expenditure=entry, confirm=True)


# --- allocations ------------------------------------------------------------------------------


def test_an_allocation_stays_within_the_policy_range_and_copies_the_account(demo):
    studio = liuzhou_studio()
    bureau, officer = demo.user("lz_city"), finance_officer(studio)
    for amount in ("9999.99", "20000.01", "15000.001"):
        with pytest.raises(FundingError):
            allocate(studio, 2025, amount, bureau)
    with pytest.raises(FundingError):  # outside the term
        allocate(studio, 2028, "15000", bureau)
    with pytest.raises(FundingError):  # the host does not allocate
        allocate(studio, 2025, "15000", studio.host)
    services.special_account_save(
        actor=officer,
        school=studio.school,
        bank="中国工商银行柳城支行",
        account_name="柳城县实验小学",
        account_number="2105 0000 1234",
    )
    allocation = allocate(studio, 2025, "20000", bureau)
    assert allocation.amount == Decimal("20000.00")
    assert (allocation.bank, allocation.account_number) == ("中国工商银行柳城支行", "210500001234")
    assert Notification.objects.filter(verb="funding.allocation.made", recipient=studio.host)
    # The school changes banks later: the allocation keeps the account it was paid to.
    services.special_account_save(
        actor=bureau, school=studio.school, bank="柳州银行", account_name="x", account_number="9"
    )
    allocation.refresh_from_db()
    assert allocation.bank == "中国工商银行柳城支行"


def test_a_policy_that_requires_a_special_account_refuses_without_one(demo):
    studio = suizhou_studio()
    bureau = demo.user("sz_city")
    with pytest.raises(FundingError, match="special account"):
        allocate(studio, 2025, "30000", bureau)
    services.special_account_save(
        actor=finance_officer(studio),
        school=studio.school,
        bank="湖北银行",
        account_name="曾都区实验小学",
        account_number="88",
    )
    assert allocate(studio, 2025, "30000", bureau).account_number == "88"


def test_a_long_bank_and_account_name_are_saved_and_audited(demo, client):
    """Name and bank together past 40 characters answered 500: the audit record's state column
    held the whole account. The account's before and after now go in the comment."""
    studio = liuzhou_studio()
    officer = finance_officer(studio)
    client.force_login(officer)
    url = reverse("funding:special_account", args=[studio.school_id])
    data = {
        "bank": "中国工商银行股份有限公司柳州分行营业部城中支行鱼峰路分理处",
        "account_name": "柳州市某某中学名班主任工作室建设专项资金专户",
        "account_number": "2105 0000 1234 5678 901",
    }
    assert client.post(url, data).status_code == 302
    entry = AuditEntry.objects.get(verb="funding.special_account.saved")
    assert data["bank"] in entry.comment and entry.comment.endswith("(2105000012345678901)")
    # A value past the column is refused with the field's message, not a server error.
    response = client.post(url, {**data, "bank": "银" * 121})
    assert response.status_code == 400
    assert AuditEntry.objects.filter(verb="funding.special_account.saved").count() == 1


def test_a_finance_officer_keeps_only_their_own_schools_account(demo):
    studio = liuzhou_studio()
    other = demo.org("luzhai-sx")
    with pytest.raises(FundingError):
        services.special_account_save(
            actor=finance_officer(studio),
            school=other,
            bank="b",
            account_name="n",
            account_number="1",
        )


def test_bulk_allocation_is_all_or_nothing_and_names_each_problem(demo):
    first, second = published_studios(
        "suizhou", [("zengdu-sx", "sz_h1"), ("suixian-sx", "sz_h2")], city="suizhou"
    )
    bureau = demo.user("sz_city")
    services.special_account_save(
        actor=bureau, school=first.school, bank="湖北银行", account_name="a", account_number="1"
    )
    args = {
        "actor": bureau,
        "call": first.call,
        "year": 2025,
        "amount": "30000",
        "document_number": "随教〔2025〕8号",
        "approved_on": date(2025, 2, 1),
    }
    with pytest.raises(FundingError) as refused:
        services.allocations_bulk(**args)
    assert len(refused.value.problems) == 1 and second.name in refused.value.problems[0]
    assert not Allocation.objects.exists()
    services.special_account_save(
        actor=bureau, school=second.school, bank="湖北银行", account_name="b", account_number="2"
    )
    result = services.allocations_bulk(**args)
    assert len(result.created) == 2
    assert services.allocations_bulk(**args).skipped == [first, second]
    assert Allocation.objects.filter(document_number="随教〔2025〕8号").count() == 2


# --- expenditures and balances -------------------------------------------------------------------


def test_money_sums_are_exact_to_the_fen(demo):
    studio = liuzhou_studio()
    bureau, officer = demo.user("lz_city"), finance_officer(studio)
    allocate(studio, 2024, "10000.10", bureau)
    allocate(studio, 2025, "15000.20", bureau)
    for amount in ("0.10", "0.20", "1234.56", "999.99"):
        confirmed(spend(studio, amount), officer)
    spend(studio, "0.07")  # waiting
    confirmed(spend(studio, "100.01", day=date(2024, 10, 1)), officer)
    b2024, b2025 = selectors.balance(studio, 2024), selectors.balance(studio, 2025)
    assert b2024.remaining == Decimal("9900.09")
    assert b2025.carried_in == Decimal("9900.09")
    assert b2025.spent_in_year == Decimal("2234.85")
    assert (b2025.allocated, b2025.spent, b2025.pending) == (
        Decimal("25000.30"),
        Decimal("2334.86"),
        Decimal("0.07"),
    )
    assert b2025.remaining == Decimal("22665.37")
    rows = {r["code"]: r for r in selectors.by_category(studio, 2025)}
    assert rows["transport"]["confirmed"] == Decimal("2234.85")
    assert rows["transport"]["pending"] == Decimal("0.07")
    with pytest.raises(FundingError):
        spend(studio, "1.005")
    with pytest.raises(TypeError):
        services.money(0.1)


def test_spending_over_the_allocation_is_refused_and_what_is_left_carries_over(demo):
    studio = liuzhou_studio()
    bureau, officer = demo.user("lz_city"), finance_officer(studio)
    with pytest.raises(FundingError, match="more than the studio has left"):
        spend(studio, "1.00")  # nothing allocated yet
    allocate(studio, 2024, "10000", bureau)
    with pytest.raises(FundingError, match="10,000.01"):
        spend(studio, "10000.01", day=date(2024, 11, 1))
    confirmed(spend(studio, "6000", day=date(2024, 11, 1)), officer)
    spend(studio, "4000", day=date(2025, 2, 1))  # 2024's remainder carries over, waiting
    with pytest.raises(FundingError):  # waiting entries count
        spend(studio, "0.01", day=date(2025, 2, 2))
    allocate(studio, 2025, "10000", bureau)
    with pytest.raises(FundingError, match="4,000.00"):  # 2025's money does not pay for 2024
        spend(studio, "4000.01", day=date(2024, 12, 1))
    assert spend(studio, "10000", day=date(2025, 3, 1)).amount == Decimal("10000.00")
    assert selectors.balance(studio, 2025).remaining == Decimal("0.00")


def test_spending_outside_the_categories_the_term_or_today_is_refused(demo):
    studio = liuzhou_studio()
    allocate(studio, 2025, "15000", demo.user("lz_city"))
    with pytest.raises(FundingError, match="交通"):
        spend(studio, "10", category="gifts")
    with pytest.raises(FundingError):
        spend(studio, "10", day=date(2025, 6, 2))  # after today
    with pytest.raises(FundingError):
        spend(studio, "10", day=date(2024, 8, 31))  # before the term
    with pytest.raises(FundingError):
        services.expenditure_record(
            actor=studio.host,
            studio=studio,
            category="books",
            amount="10",
            spent_on=TODAY,
            payee="新华书店",
            purpose="图书",
            receipt=SimpleUploadedFile("r.exe", b"MZ"),
            today=TODAY,
        )
    other = liuzhou_studio("lz_other")
    with pytest.raises(FundingError):  # another studio's host
        services.expenditure_record(
            actor=other.host,
            studio=studio,
            category="books",
            amount="10",
            spent_on=TODAY,
            payee="新华书店",
            purpose="图书",
            receipt=receipt(),
            today=TODAY,
        )
    activity = studio.activities.create(kind="training", title="培训", held_on=TODAY)
    entry = spend(studio, "10", category="training", day=TODAY, activity=activity)
    assert entry.activity == activity and entry.status == ExpenditureStatus.PENDING


def test_the_finance_officer_is_told_and_the_host_hears_the_decision(demo):
    studio = liuzhou_studio()
    allocate(studio, 2025, "15000", demo.user("lz_city"))
    officer = finance_officer(studio)
    entry = spend(studio, "300")
    assert Notification.objects.filter(verb="funding.expenditure.recorded", recipient=officer)
    with pytest.raises(FundingError):  # a rejection says why
        services.expenditure_decide(actor=officer, expenditure=entry, confirm=False)
    services.expenditure_decide(actor=officer, expenditure=entry, confirm=False, reason="无发票")
    entry.refresh_from_db()
    assert entry.status == ExpenditureStatus.REJECTED and entry.rejection_reason == "无发票"
    assert Notification.objects.filter(verb="funding.expenditure.rejected", recipient=studio.host)
    with pytest.raises(FundingError, match="already been decided"):
        confirmed(entry, officer)
    assert selectors.balance(studio, 2025).remaining == Decimal("15000.00")


def test_a_finance_officer_of_another_school_cannot_decide(demo):
    studio, other = liuzhou_studio(), liuzhou_studio("lz_other")
    allocate(studio, 2025, "15000", demo.user("lz_city"))
    finance_officer(studio)
    stranger = User.objects.create_user("fin_other", full_name="他校财务")
    role_assign(
        actor=None, user=stranger, role=Role.FINANCE_OFFICER, organisation=demo.org("luzhai-sx")
    )
    assert other.school != stranger.role_assignments.get().organisation
    entry = spend(studio, "300")
    with pytest.raises(FundingError):
        services.expenditure_decide(actor=stranger, expenditure=entry, confirm=True)
    with pytest.raises(FundingError):  # nor does the host decide their own spending
        services.expenditure_decide(actor=studio.host, expenditure=entry, confirm=True)
    entry.refresh_from_db()
    assert entry.status == ExpenditureStatus.PENDING


def test_a_confirmed_entry_is_never_edited_only_reversed_once(demo):
    studio = liuzhou_studio()
    officer = finance_officer(studio)
    allocate(studio, 2025, "15000", demo.user("lz_city"))
    entry = spend(studio, "500")
    edit = {
        "actor": studio.host,
        "category": "lodging",
        "amount": "450",
        "spent_on": date(2025, 3, 2),
        "payee": "酒店",
        "purpose": "住宿",
        "today": TODAY,
    }
    services.expenditure_update(expenditure=entry, **edit)  # still waiting: may be corrected
    entry.refresh_from_db()
    assert (entry.category, entry.amount) == ("lodging", Decimal("450.00"))
    with pytest.raises(FundingError, match="confirmed"):  # a waiting one is not reversed
        services.expenditure_reverse(actor=studio.host, expenditure=entry, reason="x", today=TODAY)
    confirmed(entry, officer)
    with pytest.raises(FundingError, match="reversal"):
        services.expenditure_update(expenditure=entry, **edit | {"amount": "400"})
    entry.refresh_from_db()
    assert entry.amount == Decimal("450.00") and entry.status == ExpenditureStatus.CONFIRMED
    reversal = services.expenditure_reverse(
        actor=studio.host, expenditure=entry, reason="金额有误", today=TODAY
    )
    assert reversal.amount == Decimal("-450.00") and reversal.reverses == entry
    assert reversal.status == ExpenditureStatus.PENDING
    # A waiting reversal gives nothing back until it is confirmed.
    assert selectors.balance(studio, 2025).remaining == Decimal("14550.00")
    with pytest.raises(FundingError, match="already been reversed"):
        services.expenditure_reverse(actor=studio.host, expenditure=entry, reason="x", today=TODAY)
    confirmed(reversal, officer)
    with pytest.raises(FundingError):
        services.expenditure_reverse(
            actor=studio.host, expenditure=reversal, reason="x", today=TODAY
        )
    assert selectors.balance(studio, 2025).remaining == Decimal("15000.00")
    assert AuditEntry.objects.filter(verb="funding.expenditure.reversed").count() == 1


# --- fixed assets -------------------------------------------------------------------------------


def test_equipment_becomes_a_fixed_asset_of_the_school_disposed_never_deleted(demo):
    studio = suizhou_studio()
    args = {
        "actor": studio.host,
        "studio": studio,
        "asset_number": "ZD-2025-001",
        "description": "投影仪",
        "value": "4999.50",
        "acquired_on": date(2025, 3, 1),
        "location": "工作室活动室",
        "custodian": "张老师",
        "today": TODAY,
    }
    asset = services.asset_register(**args)
    assert asset.school == studio.school and asset.value == Decimal("4999.50")
    with pytest.raises(FundingError, match="ZD-2025-001"):
        services.asset_register(**args)
    services.asset_dispose(actor=studio.host, asset=asset, day=TODAY, reason="报废")
    with pytest.raises(FundingError):
        services.asset_dispose(actor=studio.host, asset=asset, day=TODAY, reason="again")
    asset.refresh_from_db()
    assert asset.disposed_on == TODAY and FixedAsset.objects.count() == 1
    liuzhou = liuzhou_studio()
    with pytest.raises(FundingError):  # the policy does not make assets of equipment
        services.asset_register(**args | {"actor": liuzhou.host, "studio": liuzhou})


# --- revocation ---------------------------------------------------------------------------------


def test_a_revoked_studios_remainder_is_recorded_as_returned_once(demo):
    from assessments.services import studio_revoke

    studio = suizhou_studio()
    bureau, officer = demo.user("sz_city"), finance_officer(studio)
    services.special_account_save(
        actor=officer, school=studio.school, bank="湖北银行", account_name="a", account_number="1"
    )
    allocate(studio, 2024, "20000", bureau)
    confirmed(spend(studio, "1234.56", category="research"), officer)
    waiting = spend(studio, "65.44", category="daily")
    studio_revoke(actor=demo.user("sz_ce"), studio=studio, day=TODAY, reason="整改不力")
    record = FundReturn.objects.get(studio=studio)
    assert record.amount == Decimal("18700.00") and record.returned_on == TODAY
    assert services.funds_return_on_revocation(studio, TODAY) == record
    assert FundReturn.objects.count() == 1
    services.expenditure_decide(actor=officer, expenditure=waiting, confirm=False, reason="无票")
    record.refresh_from_db()
    assert record.amount == Decimal("18765.44")
    with pytest.raises(FundingError):
        spend(studio, "1", category="daily")


# --- pages ---------------------------------------------------------------------------------------


def test_the_host_sees_the_balance_and_records_spending(demo, client):
    studio = liuzhou_studio()
    allocate(studio, 2025, "15000", demo.user("lz_city"))
    client.force_login(studio.host)
    url = reverse("funding:studio_funding", args=[studio.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "15,000.00" in page.content.decode()
    response = client.post(
        url,
        {
            "action": "record",
            "category": "books",
            "amount": "1234.50",
            "spent_on": "2025-05-20",
            "payee": "新华书店",
            "purpose": "班主任工作用书",
            "receipt": receipt("scan.png"),
        },
    )
    assert response.status_code == 302
    entry = Expenditure.objects.get(studio=studio)
    assert entry.amount == Decimal("1234.50")
    files.assert_served(
        client.get(reverse("funding:receipt_file", args=[entry.pk])), "image/png", inline=True
    )
    too_much = client.post(
        url,
        {
            "action": "record",
            "category": "books",
            "amount": "20000",
            "spent_on": "2025-05-20",
            "payee": "x",
            "purpose": "y",
            "receipt": receipt(),
        },
    )
    assert too_much.status_code == 400
    assert (
        "more than the studio has left" in too_much.content.decode()
        or Expenditure.objects.count() == 1
    )


def test_another_studios_host_gets_404_and_the_finance_officer_decides_from_the_queue(demo, client):
    studio, other = liuzhou_studio(), liuzhou_studio("lz_other")
    allocate(studio, 2025, "15000", demo.user("lz_city"))
    officer = finance_officer(studio)
    entry = spend(studio, "88.80")
    client.force_login(other.host)
    assert client.get(reverse("funding:studio_funding", args=[studio.pk])).status_code == 404
    assert client.get(reverse("funding:receipt_file", args=[entry.pk])).status_code == 404
    assert client.post(reverse("funding:expenditure_decide", args=[entry.pk])).status_code == 404
    stranger = User.objects.create_user("fin_other", full_name="他校财务")
    role_assign(
        actor=None, user=stranger, role=Role.FINANCE_OFFICER, organisation=demo.org("luzhai-sx")
    )
    client.force_login(stranger)
    assert (
        client.post(
            reverse("funding:expenditure_decide", args=[entry.pk]), {"decision": "confirm"}
        ).status_code
        == 404
    )
    assert entry.pk not in [
        e.pk for e in client.get(reverse("funding:finance_queue")).context["entries"]
    ]
    client.force_login(demo.user("lz_city"))  # the bureau reads, but does not decide
    assert client.get(reverse("funding:studio_funding", args=[studio.pk])).status_code == 200
    assert (
        client.post(
            reverse("funding:expenditure_decide", args=[entry.pk]), {"decision": "confirm"}
        ).status_code
        == 403
    )
    client.force_login(officer)
    queue = client.get(reverse("funding:finance_queue"))
    assert [e.pk for e in queue.context["entries"]] == [entry.pk]
    assert "88.80" in queue.content.decode()
    assert client.get(reverse("funding:receipt_file", args=[entry.pk])).status_code == 200
    # A ``next`` that is not a path (it answered 500) sends the officer back to the queue.
    response = client.post(
        reverse("funding:expenditure_decide", args=[entry.pk]),
        {"decision": "confirm", "next": "NaN"},
    )
    assert (response.status_code, response["Location"]) == (302, reverse("funding:finance_queue"))
    entry.refresh_from_db()
    assert entry.status == ExpenditureStatus.CONFIRMED and entry.decided_by == officer
    client.force_login(studio.host)
    assert client.get(reverse("funding:finance_queue")).status_code == 403


def test_the_bureau_allocates_a_whole_batch_from_one_page(demo, client):
    first, second = published_studios(
        "liuzhou-2024", [("liucheng-sx", "lz_h1"), ("luzhai-sx", "lz_h2")], city="liuzhou"
    )
    client.force_login(demo.user("lz_city"))
    page = client.get(reverse("funding:allocations"), {"year": 2025})
    assert page.status_code == 200 and first.name in page.content.decode()
    client.post(
        reverse("funding:allocations"),
        {
            "action": "bulk",
            "call": first.call_id,
            "year": 2025,
            "amount": "25000",
            "document_number": "柳教〔2025〕3号",
            "approved_on": "2025-03-01",
        },
    )
    assert not Allocation.objects.exists()  # over the range: nothing at all
    client.post(
        reverse("funding:allocations"),
        {
            "action": "bulk",
            "call": first.call_id,
            "year": 2025,
            "amount": "15000",
            "document_number": "柳教〔2025〕3号",
            "approved_on": "2025-03-01",
        },
    )
    assert Allocation.objects.filter(year=2025, amount=Decimal("15000")).count() == 2
    client.force_login(first.host)
    assert client.get(reverse("funding:allocations")).status_code == 403
    assert (
        client.get(reverse("funding:special_account", args=[second.school_id])).status_code == 404
    )


def test_home_panels_show_what_waits(demo):
    from accounts.home import panels_for

    studio = liuzhou_studio()
    officer = finance_officer(studio)

    def counts(user):
        with translation.override("en"):
            return {str(i.label): i.count for p in panels_for(user) for i in p.items}

    assert counts(demo.user("lz_city"))["Studios without this year's allocation"] == 1
    allocate(studio, 2025, "15000", demo.user("lz_city"))
    spend(studio, "10")
    assert counts(demo.user("lz_city"))["Studios without this year's allocation"] == 0
    assert counts(officer)["Entries waiting for your confirmation"] == 1


def test_a_receipt_is_stored_re_encoded_and_a_pdf_must_be_one(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    studio = liuzhou_studio()
    allocate(studio, 2025, "15000", demo.user("lz_city"))
    scan = files.png() + b"<html><script>alert(1)</script></html>"
    entry = spend(studio, "10", receipt=files.upload("发票.png", scan))
    with entry.receipt.open("rb") as handle:
        assert b"<script>" not in handle.read()
    for name, content in (
        ("发票.pdf", b"%PDF-1.4\n% not really\n"),
        ("发票.pdf", files.pdf(javascript="app.alert(1)")),
        ("发票.png", files.PDF),
        ("发票.svg", b"<svg/>"),
    ):
        with pytest.raises(FundingError, match=name):
            spend(studio, "10", receipt=files.upload(name, content))
    assert Expenditure.objects.count() == 1
