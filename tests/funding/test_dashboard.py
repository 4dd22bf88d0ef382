"""The funding dashboard: figures equal to the database to the fen, scoped to the user's city or
county, the same number of queries for 2 studios or 12, and the page (charts, tables, empty)."""

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, User
from applications.models import Application
from funding.dashboard import BUREAU_AFFILIATED, dashboard_years, funding_dashboard
from funding.models import Allocation, Expenditure, ExpenditureStatus
from studios.models import Studio
from tests.studios.factories import liuzhou_studio, suizhou_studio

pytestmark = pytest.mark.django_db

YEAR = 2025


def clone(template: Studio, school_code: str, *, prefix: str, count: int = 1) -> list[Studio]:
    """More studios like ``template`` at another school of its city, as plain ORM rows."""
    school = Organisation.objects.get(city=template.school.city, code=school_code)
    studios = []
    for i in range(count):
        host = User.objects.create(username=f"{prefix}{i}", full_name=f"主持人{prefix}{i}")
        application = Application.objects.create(
            call=template.call,
            applicant=host,
            school=school,
            county=school.county,
            school_stage=template.school_stage,
            status=template.application.status,
            host_name=host.full_name,
        )
        studios.append(
            Studio.objects.create(
                policy=template.policy,
                call=template.call,
                application=application,
                name=f"{host.full_name}工作室",
                host=host,
                school=school,
                county=school.county,
                school_stage=template.school_stage,
                term_start=template.term_start,
                term_end=template.term_end,
                plaque_number=f"{prefix}-{i:03d}",
                published_on=template.published_on,
            )
        )
    return studios


def allocate(studio, amount, approved_on, *, year=YEAR):
    return Allocation.objects.create(
        studio=studio,
        year=year,
        amount=Decimal(amount),
        document_number=f"教发〔{year}〕{studio.pk}号",
        approved_on=approved_on,
        bank="中国农业银行",
        account_name=studio.school.name,
        account_number="6228480000000001",
        created_by=User.objects.get(username="lz_city"),
    )


def spend(studio, category, amount, spent_on, status=ExpenditureStatus.CONFIRMED, reverses=None):
    admin = User.objects.get(username="lz_city")
    return Expenditure.objects.create(
        studio=studio,
        category=category,
        amount=Decimal(amount),
        spent_on=spent_on,
        payee="某某公司",
        purpose="支出",
        status=status,
        reverses=reverses,
        recorded_by=admin,
        decided_by=admin if status != ExpenditureStatus.PENDING else None,
        decided_at=timezone.make_aware(datetime(2025, 12, 1, 9, 0)),
    )


@pytest.fixture
def money(demo):
    """Three Liuzhou studios (柳城县, 鹿寨县, bureau-affiliated) and one in Suizhou."""
    liucheng = liuzhou_studio()
    [luzhai] = clone(liucheng, "luzhai-sx", prefix="lzh")
    [affiliated] = clone(liucheng, "lzgz", prefix="lzgz")
    suizhou = suizhou_studio()

    allocate(liucheng, "50000.00", date(2025, 3, 1))
    allocate(liucheng, "10000.00", date(2024, 3, 1), year=2024)  # another year
    spend(liucheng, "transport", "1200.50", date(2025, 4, 2))
    wrong = spend(liucheng, "books", "300.25", date(2025, 6, 15))
    spend(liucheng, "books", "-300.25", date(2025, 7, 1), reverses=wrong)  # the correction
    spend(liucheng, "books", "999.00", date(2025, 8, 1), status=ExpenditureStatus.PENDING)
    spend(liucheng, "books", "888.00", date(2025, 8, 2), status=ExpenditureStatus.REJECTED)
    spend(liucheng, "transport", "100.00", date(2024, 12, 31))  # last year

    allocate(luzhai, "30000.00", date(2024, 12, 20))  # 2025's money, approved the year before
    spend(luzhai, "transport", "5000.00", date(2025, 4, 30))
    spend(luzhai, "equipment", "0.01", date(2025, 11, 30))

    allocate(affiliated, "20000.00", date(2025, 5, 10))

    allocate(suizhou, "99999.00", date(2025, 3, 1))
    spend(suizhou, "research", "777.77", date(2025, 4, 1))
    return {"liucheng": liucheng, "luzhai": luzhai, "affiliated": affiliated, "suizhou": suizhou}


def db_totals(studios, year=YEAR):
    """The figures straight from the rows, independently of the dashboard's queries."""
    allocated = Allocation.objects.filter(studio__in=studios, year=year).aggregate(t=Sum("amount"))
    spent = Expenditure.objects.filter(
        studio__in=studios, status=ExpenditureStatus.CONFIRMED, spent_on__year=year
    ).aggregate(t=Sum("amount"))
    return allocated["t"] or Decimal("0"), spent["t"] or Decimal("0")


def test_city_figures_equal_the_database(money):
    board = funding_dashboard(user=User.objects.get(username="lz_auditor"), year=YEAR)
    lines = {line.key: line for line in board.by_county}
    assert list(lines) == ["liucheng", "luzhai", BUREAU_AFFILIATED]
    for key, studio in (
        ("liucheng", money["liucheng"]),
        ("luzhai", money["luzhai"]),
        (BUREAU_AFFILIATED, money["affiliated"]),
    ):
        assert (lines[key].allocated, lines[key].spent) == db_totals([studio])
    assert lines["liucheng"].label == "柳城县"
    assert (lines["liucheng"].allocated, lines["liucheng"].spent) == (
        Decimal("50000.00"),
        Decimal("1200.50"),
    )
    assert lines["luzhai"].spent == Decimal("5000.01")
    assert lines[BUREAU_AFFILIATED].spent == Decimal("0")
    assert lines["luzhai"].percent_spent == Decimal("16.7")
    liuzhou = [money["liucheng"], money["luzhai"], money["affiliated"]]
    assert (
        (board.allocated, board.spent)
        == db_totals(liuzhou)
        == (
            Decimal("100000.00"),
            Decimal("6200.51"),
        )
    )
    assert all(isinstance(line.spent, Decimal) for line in board.by_county)

    categories = {line.key: line for line in board.by_category}
    # Every category of the policy, in its order, named as the policy names it.
    codes = [c["code"] for c in money["liucheng"].policy.expenditure_categories]
    assert list(categories) == codes
    assert categories["transport"].label == "交通"
    assert categories["transport"].spent == Decimal("6200.50")
    assert categories["books"].spent == Decimal("0.00")  # reversed
    assert categories["equipment"].spent == Decimal("0.01")
    assert categories["transport"].share_of_allocation == Decimal("6.2")
    assert sum(line.spent for line in board.by_category) == board.spent

    months = board.by_month
    assert [m.month for m in months] == list(range(1, 13))
    assert months[0].allocated == Decimal("30000.00")  # approved in December 2024
    assert months[2].allocated == Decimal("50000.00")
    assert months[4].allocated == Decimal("20000.00")
    assert months[3].spent == Decimal("6200.50")
    assert months[5].spent == Decimal("300.25") and months[6].spent == Decimal("-300.25")
    assert months[7].spent == Decimal("0")  # pending and rejected are not spending
    assert months[-1].allocated_to_date == board.allocated
    assert months[-1].spent_to_date == board.spent

    data = board.chart_data()
    assert data["county"]["allocated"] == ["50000.00", "30000.00", "20000.00"]
    assert data["county"]["spent"][0] == "1200.50"


def test_a_county_auditor_sees_only_their_county(money):
    for username in ("lz_auditor_liucheng", "lz_county"):
        board = funding_dashboard(user=User.objects.get(username=username), year=YEAR)
        assert [line.key for line in board.by_county] == ["liucheng"]
        assert (board.allocated, board.spent) == db_totals([money["liucheng"]])
        assert board.by_month[3].spent == Decimal("1200.50")
    other_year = funding_dashboard(user=User.objects.get(username="lz_auditor_liucheng"), year=2024)
    assert (other_year.allocated, other_year.spent) == (Decimal("10000.00"), Decimal("100.00"))
    assert dashboard_years(user=User.objects.get(username="lz_auditor_liucheng")) == [2025, 2024]


def test_another_citys_money_never_shows(money):
    suizhou = funding_dashboard(user=User.objects.get(username="sz_auditor"), year=YEAR)
    assert (suizhou.allocated, suizhou.spent) == db_totals([money["suizhou"]])
    assert [line.label for line in suizhou.by_category][:1] == ["工作室基础建设"]
    liuzhou = funding_dashboard(user=User.objects.get(username="lz_city"), year=YEAR)
    assert Decimal("99999.00") not in [line.allocated for line in liuzhou.by_county]


def test_the_page_charts_and_tables(money, client_for):
    client = client_for("lz_auditor_liucheng")
    response = client.get(reverse("funding:funding_dashboard"), {"year": YEAR})
    assert response.status_code == 200
    page = response.content.decode()
    for chart in ("chart-county", "chart-category", "chart-month"):
        assert f'id="{chart}"' in page
    assert "vendor/chartjs/chart.umd.min.js" in page and "js/funding_dashboard.js" in page
    assert "cdn" not in page.lower()
    data = response.context["chart_data"]
    embedded = page.split('id="funding-dashboard-data" type="application/json">')[1]
    assert json.loads(embedded.split("</script>")[0]) == json.loads(json.dumps(data))
    assert data["county"] == {"labels": ["柳城县"], "allocated": ["50000.00"], "spent": ["1200.50"]}
    assert 'data-allocated="50000.00"' in page and 'data-spent="1200.50"' in page
    assert "鹿寨县" not in page.split('data-testid="table-county"')[1].split("</table>")[0]


def test_the_default_year_and_the_empty_state(demo, client_for):
    client = client_for("lz_auditor")
    response = client.get(reverse("funding:funding_dashboard"))
    assert response.status_code == 200
    assert response.context["dashboard"].year == timezone.localdate().year
    assert 'data-testid="dashboard-empty"' in response.content.decode()
    assert "chart.umd.min.js" not in response.content.decode()
    assert client.get(reverse("funding:funding_dashboard"), {"year": "abc"}).status_code == 200


def test_the_latest_year_with_money_is_shown_by_default(money, client_for):
    response = client_for("lz_auditor").get(reverse("funding:funding_dashboard"))
    # This year when it has money (it has none here unless this year is YEAR), else YEAR.
    assert response.context["dashboard"].year == YEAR


@pytest.mark.parametrize("username", ["lz_teacher", "lz_school", "lz_expert"])
def test_who_may_not_see_the_dashboard(demo, client_for, username):
    assert client_for(username).get(reverse("funding:funding_dashboard")).status_code == 403


@pytest.mark.parametrize("username", ["lz_city", "lz_ce", "lz_county", "lz_auditor"])
def test_who_may_see_the_dashboard(demo, client_for, username):
    assert client_for(username).get(reverse("funding:funding_dashboard")).status_code == 200


def test_queries_stay_constant_for_2_or_12_studios(demo, client_for):
    template = liuzhou_studio()
    schools = ["luzhai-sx", "lzgz", "liunan-xx", "rongan-sx"]

    def add_money(studios):
        for i, studio in enumerate(studios):
            allocate(studio, "10000.00", date(2025, 1 + i % 12, 1))
            spend(studio, "transport", "10.00", date(2025, 1 + i % 12, 2))
            spend(studio, "lodging", "20.00", date(2025, 12 - i % 12, 3))

    add_money([template, *clone(template, "luzhai-sx", prefix="a")])
    client = client_for("lz_auditor")
    url = reverse("funding:funding_dashboard")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"year": YEAR}).status_code == 200
    add_money(
        [
            s
            for i, code in enumerate(schools)
            for s in clone(template, code, prefix=f"b{i}-", count=3)
        ][:10]
    )
    board = funding_dashboard(user=User.objects.get(username="lz_auditor"), year=YEAR)
    assert board.allocated == Decimal("120000.00") and board.spent == Decimal("360.00")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url, {"year": YEAR}).status_code == 200
    assert len(many) == len(few) <= 12
