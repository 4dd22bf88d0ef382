"""Who sees a teacher's phone number and birth date in full (the person, their reviewers up
the chain, the municipal bureau, superusers) and who sees them masked (experts, auditors, the
continuing-education centre): on the application page, in its official PDF, in a bureau's
recruitment list and in the auditors' workbook."""

import io
import shutil
import subprocess
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.permissions import can
from applications.experts import experts_assign
from core.privacy import mask_date, mask_phone
from tests.applications.factories import advance, open_call, submitted

pytestmark = pytest.mark.django_db

HOST_PHONE, HOST_BIRTH = "13800000000", date(1980, 5, 1)
MEMBER_PHONE = "13900000000"  # the first member row's (tests/applications/factories.py)


def test_masked_forms():
    assert mask_phone("13800001234") == "138****1234"
    assert mask_phone("0772-1234567") == "077*****4567"
    assert mask_phone("12345") == "***45"
    assert mask_phone("") == ""
    assert mask_date(date(1980, 5, 1)) == "1980-**"
    assert mask_date(date(1980, 5, 1), "Y年n月") == "1980年**月"
    assert mask_date(date(1980, 5, 17), "Y-m-d") == "1980-**-**"
    assert mask_date(None) == ""


@pytest.fixture
def application(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call = open_call()
    app = advance(submitted(call, demo.user("lz_teacher")))  # in expert review
    experts_assign(
        actor=demo.user("lz_city"), call=call, experts=[demo.user("lz_expert")], applications=[app]
    )
    return app


FULL = ["lz_teacher", "lz_school", "lz_county", "lz_city", "admin"]
MASKED = ["lz_expert", "lz_auditor", "lz_auditor_liucheng", "lz_ce"]


def reader(demo, username):
    return demo.user(username)


@pytest.mark.parametrize("username", FULL + MASKED)
def test_the_rule_per_role(demo, application, username):
    user = reader(demo, username)
    assert can(user, "accounts.view_personal_details", application) is (username in FULL)


def test_other_counties_reviewers_do_not_see_them(demo, application):
    # Not in their scope at all: they cannot open the application, and the rule says no.
    for username in ("lz_county_luzhai", "sz_city", "sz_county"):
        assert not can(demo.user(username), "accounts.view_personal_details", application)


@pytest.mark.parametrize("username", FULL + MASKED)
def test_the_application_page_shows_the_birth_month_as_the_rule_says(
    demo, application, client, username
):
    client.force_login(reader(demo, username))
    page = client.get(reverse("applications:application_detail", args=[application.pk]))
    assert page.status_code == 200, username
    html = page.content.decode()
    if username in FULL:
        assert "1980年5月" in html and "1980年**月" not in html
        assert "1985年1月" in html  # the team's too (as the form prints it)
    else:
        assert "1980年**月" in html and "1980年5月" not in html
        assert "1985年**月" in html and "1985年1月" not in html


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext")


@needs_poppler
@pytest.mark.parametrize("username", ["lz_city", "lz_teacher", "lz_expert", "lz_auditor"])
def test_the_official_pdf_is_complete_for_those_who_may_see_it(
    demo, application, client, username, tmp_path
):
    client.force_login(reader(demo, username))
    response = client.get(reverse("applications:application_pdf", args=[application.pk]))
    assert response.status_code == 200
    source = tmp_path / "form.pdf"
    source.write_bytes(response.getvalue())
    text = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"], check=True, capture_output=True, text=True
    ).stdout
    if username in FULL:
        assert HOST_PHONE in text and MEMBER_PHONE in text and "1980年5月" in text
    else:
        assert HOST_PHONE not in text and MEMBER_PHONE not in text and "1980年5月" not in text
        assert mask_phone(HOST_PHONE) in text and "1980年**月" in text


def test_the_auditors_workbook_masks_birth_months_for_auditors(demo, client_for, settings):
    from funding import exports
    from studios.models import Membership

    if not Membership.objects.exists():
        from demo.seed import seed_demo

        seed_demo()  # studios with members
    area = {"city": "liuzhou"}
    for username, masked in (("lz_auditor", True), ("lz_city", False)):
        scope = exports.scope_for_user(demo.user(username), **area)
        assert scope.reveal_personal is not masked
        buffer = io.BytesIO()
        exports.write_workbook(scope, buffer, sheets=["memberships"])
        sheet = load_workbook(io.BytesIO(buffer.getvalue()), read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        column = rows[0].index("出生年月")
        births = [row[column] for row in rows[1:] if row[column]]
        assert births, "the demo's members have birth months"
        if masked:
            assert all(isinstance(b, str) and b.endswith("-**") for b in births)
        else:
            assert all(not isinstance(b, str) for b in births)


def test_recruitment_requests_show_birth_months_masked_to_the_centre(demo):
    from studios.models import SeatRequest

    request = SeatRequest(
        teacher=demo.user("lz_teacher"), school=demo.org("liucheng-sx"), birth_month=HOST_BIRTH
    )
    assert can(demo.user("lz_city"), "accounts.view_personal_details", request)
    assert can(demo.user("lz_teacher"), "accounts.view_personal_details", request)
    assert not can(demo.user("lz_ce"), "accounts.view_personal_details", request)
    assert not can(demo.user("lz_auditor"), "accounts.view_personal_details", request)


def test_the_rule_over_an_organisation(demo):
    county = demo.org("liucheng")
    assert can(demo.user("lz_county"), "accounts.view_personal_details", county)
    assert not can(demo.user("lz_county_luzhai"), "accounts.view_personal_details", county)
    assert not can(demo.user("lz_auditor_liucheng"), "accounts.view_personal_details", county)
