"""Uploads in the browser: a disguised file is refused on the form; a real photo is stored
re-encoded and still shows, in the form and opened on its own, under the sandboxing headers;
a PDF receipt opens in Chromium's viewer under the same policy."""

import io
from datetime import date

from PIL import Image
from playwright.sync_api import expect

from tests.applications.factories import draft, open_call
from tests.core import files


def test_a_disguised_photo_is_refused_and_a_real_one_shows(
    demo_site, as_user, clock, settings, tmp_path, demo
):
    settings.MEDIA_ROOT = tmp_path / "media"
    base = demo_site.url
    application = draft(open_call(), demo.user("lz_teacher"))
    before = application.photo.name
    page = as_user("lz_teacher")
    page.goto(f"{base}/applications/{application.pk}/edit/")

    hostile = tmp_path / "x.html.jpg"
    hostile.write_bytes(files.jpeg() + b"<html><script>alert(1)</script></html>")
    page.set_input_files("#id_photo", str(hostile))
    page.click("button[name=save]")
    expect(page.locator("main")).to_contain_text("x.html.jpg")
    application.refresh_from_db()
    assert application.photo.name == before

    photo = tmp_path / "photo.png"
    photo.write_bytes(files.png(size=(60, 80)) + b"<script>alert(1)</script>")
    page.set_input_files("#id_photo", str(photo))
    page.click("button[name=save]")
    expect(page.locator(".ms-messages")).to_be_visible()
    application.refresh_from_db()
    assert application.photo.name != before
    with application.photo.open("rb") as handle:
        assert b"<script>" not in handle.read()
    shown = page.locator("[data-testid=photo]")
    expect(shown).to_be_visible()
    assert shown.evaluate("img => img.complete && img.naturalWidth") == 60

    # opened on its own, under "sandbox; default-src 'none'", the image still displays
    response = page.goto(f"{base}/applications/{application.pk}/photo/")
    assert response.headers["content-security-policy"].startswith("sandbox;")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert page.evaluate("document.images.length && document.images[0].naturalHeight") == 80


def test_a_pdf_receipt_opens_in_the_browsers_viewer(demo_site, as_user, settings, tmp_path):
    from accounts.models import User
    from funding import services as funding
    from tests.studios.factories import liuzhou_studio

    settings.MEDIA_ROOT = tmp_path / "media"
    studio = liuzhou_studio("lz_host")
    funding.allocation_save(
        actor=User.objects.get(username="lz_city"),
        studio=studio,
        year=2025,
        amount="15000",
        document_number="柳教〔2025〕1号",
        approved_on=date(2025, 1, 10),
    )
    entry = funding.expenditure_record(
        actor=studio.host,
        studio=studio,
        category="books",
        amount="10",
        spent_on=date(2025, 3, 1),
        payee="新华书店",
        purpose="图书",
        receipt=files.upload("发票.pdf", files.pdf(pages=2)),
        today=date(2025, 6, 1),
    )
    page = as_user("lz_host")
    url = f"{demo_site.url}/expenditures/{entry.pk}/receipt/"
    headers = page.context.request.get(url).headers  # as sent (Chromium's viewer hides them)
    assert headers["content-type"] == "application/pdf"
    assert headers["content-security-policy"].startswith("sandbox;")
    assert headers["content-disposition"].startswith("inline;")
    page.goto(url)
    # Chromium shows it in its PDF viewer rather than refusing the sandboxed document (a
    # refusal is an error page of its own): the document is the PDF and its white page shows.
    assert page.evaluate("document.contentType") == "application/pdf"
    white = 0
    for _ in range(30):  # the viewer paints the page after the document has loaded
        with Image.open(io.BytesIO(page.screenshot())) as shot:
            colours = shot.convert("RGB").getcolors(1 << 24)
        white = next((n for n, colour in colours if colour == (255, 255, 255)), 0)
        if white > 20_000:
            break
        page.wait_for_timeout(500)
    assert white > 20_000, white
