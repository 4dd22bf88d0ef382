"""core.uploads: every upload is checked by what it is, not by what it is called."""

import io

import pytest
from django.utils import translation
from PIL import ExifTags, Image

from core import uploads
from core.uploads import UploadRefused, checked_upload
from tests.core import files

EVERYTHING = {".png", ".jpg", ".jpeg", ".pdf", ".docx", ".xlsx", ".pptx", ".doc", ".zip"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def check(name, content, accept=EVERYTHING, **kwargs):
    return checked_upload(files.upload(name, content), accept=accept, **kwargs)


def refused(name, content, match, accept=EVERYTHING, **kwargs):
    with pytest.raises(UploadRefused, match=match) as caught:
        check(name, content, accept, **kwargs)
    assert name.split("/")[-1] in str(caught.value)  # the message names the file
    return str(caught.value)


# --- the faults of issue 9 -------------------------------------------------------------------


def test_a_png_header_in_front_of_an_svg_script_is_refused():
    refused("x.png", b"\x89PNG\r\n\x1a\n<svg><script>alert(1)</script></svg>", "PNG image")


def test_a_jpeg_header_in_front_of_html_is_refused_whatever_the_name():
    hostile = b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>"
    refused("x.html.jpg", hostile, "web pages, SVG images")
    refused("x.jpg", hostile, "could not be read as a JPEG image")


def test_a_pdf_is_not_a_photo():
    refused("scan.pdf", files.PDF, "not an accepted file type", accept={".jpg", ".png"})
    refused("photo.jpg", files.PDF, "its content is PDF", accept={".jpg", ".png"})


def test_svg_and_html_are_refused_everywhere_by_name_and_by_content():
    for name in ("logo.svg", "page.html", "page.htm", "data.xml", "run.js"):
        refused(name, b"<svg onload=alert(1)/>", "never accepted")
    # renamed: the content gives them away
    refused("report.pdf", b"<!DOCTYPE html><script>alert(1)</script>", "web page")
    refused("report.docx", b"\xef\xbb\xbf  <svg xmlns='http://www.w3.org/2000/svg'/>", "web page")
    refused("report.doc", "<html>".encode("utf-16"), "web page")


def test_a_docx_that_is_not_a_docx_is_refused():
    refused("plan.docx", b"PK\x03\x04 not really a zip", "does not look like a Word")
    refused("plan.docx", files.plain_zip(), "its content is ZIP")
    refused("plan.docx", files.xlsx(), "its content is Excel")
    # a package whose content types name no Word document
    no_main = files.docx(main_type="application/xml")
    refused("plan.docx", no_main, "does not look like a Word")


def test_a_zip_bomb_disguised_as_a_docx_is_refused():
    bomb = files.zip_bomb_docx(megabytes=120)
    assert len(bomb) < 1024 * 1024  # small on disk
    refused("plan.docx", bomb, "more than 100 MB once unpacked")


# --- what is accepted, and what is stored ------------------------------------------------------


@pytest.mark.parametrize(
    "name, content",
    [
        ("photo.png", files.png()),
        ("photo.jpg", files.jpeg()),
        ("photo.JPEG", files.jpeg()),
        ("scan.pdf", files.PDF),
        ("plan.docx", files.docx()),
        ("sheet.xlsx", files.xlsx()),
        ("slides.pptx", files.pptx()),
        ("old.doc", files.doc()),
        ("photos.zip", files.plain_zip()),
    ],
)
def test_a_real_file_of_each_kind_is_accepted(name, content):
    stored = check(name, content)
    assert stored.name == name
    assert stored.size > 0


def test_a_stored_image_is_the_re_encoded_one():
    original = files.png(size=(20, 10)) + b"<html><script>alert(1)</script></html>"
    stored = check("x.png", original)
    data = stored.read()
    assert b"<script>" not in data and data != original
    assert data.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.size == (20, 10)


def test_a_jpeg_loses_its_metadata_and_keeps_its_orientation():
    original = files.jpeg(size=(40, 30), orientation=6, gps=True, comment=b"<script>x</script>")
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    data = check("site.jpg", original).read()
    assert b"<script>" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert image.size == (30, 40)  # turned upright: orientation 6 is a quarter turn
        assert not image.getexif()  # no GPS, no orientation left to apply twice
        assert "comment" not in image.info


def test_a_palette_png_keeps_its_transparency():
    image = Image.new("P", (8, 8), 0)
    image.putpalette([255, 0, 0, 0, 255, 0])
    image.putpixel((1, 1), 1)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", transparency=0)
    data = check("icon.png", buffer.getvalue()).read()
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.mode == "P"
        pixels = stored.convert("RGBA")
        assert pixels.getpixel((0, 0))[3] == 0  # still see-through
        assert pixels.getpixel((1, 1)) == (0, 255, 0, 255)


def test_an_rgba_png_keeps_its_alpha():
    data = check("logo.png", files.png(mode="RGBA", colour=(10, 20, 30, 40))).read()
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.mode == "RGBA" and stored.getpixel((0, 0)) == (10, 20, 30, 40)


def test_a_broken_image_is_refused_even_after_weasyprint_relaxed_pillow():
    """WeasyPrint sets Pillow's global LOAD_TRUNCATED_IMAGES on import; uploads stay strict."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES  # what WeasyPrint does to the whole process
    whole = files.png(size=(200, 200), colour=(1, 2, 3))
    broken = whole[:60] + bytes(b ^ 0x5A for b in whole[60:-12]) + whole[-12:]
    refused("cut.png", broken, "could not be read as a PNG image")
    refused("cut.jpg", files.jpeg(size=(300, 300))[:400], "could not be read as a JPEG image")
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # set back for the PDFs


def test_too_many_pixels_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 100 * 100)
    refused("big.png", files.png(size=(101, 100)), "too many pixels")
    check("ok.png", files.png(size=(100, 100)))


def test_other_kinds_are_stored_as_uploaded():
    upload = files.upload("scan.pdf", files.PDF)
    assert checked_upload(upload, accept={".pdf"}) is upload
    assert upload.read() == files.PDF  # rewound


# --- limits --------------------------------------------------------------------------------------


def test_limits_per_kind_and_per_use():
    png = files.png()
    refused("photo.png", png, "larger than 0 MB", max_bytes=len(png) - 1)
    check("photo.png", png, max_bytes=len(png))
    # a caller may lower the kind's ceiling, never raise it
    big = files.upload("photo.png", png)
    big.size = uploads.KINDS["png"].max_bytes + 1
    with pytest.raises(UploadRefused, match="larger than 10 MB"):
        checked_upload(big, accept={".png"}, max_bytes=100 * uploads.MB)
    refused("empty.pdf", b"", "is empty")


def test_the_suffix_must_be_accepted():
    refused("tool.exe", b"MZ\x90\x00", "never accepted")
    refused("notes.txt", b"hello", "not an accepted file type")
    refused("noname", b"hello", "not an accepted file type")


# --- PDFs ----------------------------------------------------------------------------------------


def test_a_pdf_must_open_and_have_a_page():
    refused("scan.pdf", b"%PDF-1.4\n%test\n", "could not be opened as a PDF")
    refused("scan.pdf", b"%PDF-1.7\n" + b"\x00" * 500, "could not be opened as a PDF")
    refused("scan.pdf", files.pdf(pages=0), "without any page")
    check("scan.pdf", files.pdf(pages=3))


def test_pdfs_with_scripts_launch_actions_or_passwords_are_refused():
    refused("a.pdf", files.pdf(javascript="app.alert(1)"), "scripts or actions")
    refused("b.pdf", files.pdf(link_script="app.launchURL('x')"), "scripts or actions")
    refused("c.pdf", files.pdf(launch=True), "scripts or actions")
    refused("d.pdf", files.pdf(password="secret"), "protected by a password")


# --- Office files and archives -------------------------------------------------------------------


def test_office_files_with_macros_are_refused():
    macro_main = "application/vnd.ms-word.document.macroEnabled.main+xml"
    refused("plan.docx", files.docx(main_type=macro_main), "contains macros")
    vba = files.docx(extra_parts={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    refused("plan.docx", vba, "contains macros")
    refused("old.doc", files.doc(macros=True), "contains macros")


def test_a_password_protected_office_file_says_so():
    refused("old.doc", files.doc(encrypted=True), "protected by a password")
    # a docx with a password is an OLE container holding the encrypted package, not a zip
    refused("plan.docx", files.doc(stream="EncryptedPackage"), "protected by a password")


def test_a_doc_must_hold_a_word_document():
    refused("old.doc", files.doc(stream="Workbook"), "does not look like a Word")
    refused("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "does not look like")


def test_archives_may_not_climb_out_or_hold_too_much(monkeypatch):
    for entry in ("../../etc/cron.d/x", "/etc/passwd", "a\\..\\b", "C:/x"):
        refused("photos.zip", files.plain_zip({entry: "x"}), "climb out")
    refused("plan.docx", files.docx(extra_parts={"../x.xml": "<x/>"}), "climb out")
    monkeypatch.setattr(uploads, "MAX_ZIP_ENTRIES", 3)
    many = files.plain_zip({f"{i}.txt": "x" for i in range(4)})
    refused("photos.zip", many, "more than 3 files")


def test_a_doctype_in_the_content_types_is_not_parsed():
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Types>&b;</Types>'
    )
    hostile = files._package(
        {"[Content_Types].xml": laughs, "word/document.xml": files.DOCUMENT_XML}
    )
    refused("plan.docx", hostile, "does not look like a Word")


# --- messages ------------------------------------------------------------------------------------


def test_refusals_are_in_chinese_and_name_the_file():
    with translation.override("zh-hans"):
        with pytest.raises(UploadRefused) as caught:
            check("现场.png", b"\x89PNG\r\n\x1a\n<svg><script>alert(1)</script></svg>")
        assert "现场.png" in str(caught.value) and "图片" in str(caught.value)
        with pytest.raises(UploadRefused) as caught:
            check("页面.html", b"<html></html>")
        assert "页面.html" in str(caught.value) and "网页" in str(caught.value)


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        check("x.png", files.png(), accept={".gif"})
