"""Real files of every kind the product accepts, and the hostile ones it must refuse.

Images are drawn by Pillow, PDFs written by pypdf, workbooks by openpyxl; docx and pptx are
the minimal packages Word and PowerPoint open (content types, relationships, main part);
a .doc is an OLE compound file written here sector by sector (olefile reads it back).
"""

import io
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- images ------------------------------------------------------------------------------------


def png(size=(40, 30), colour=(200, 30, 30), mode="RGB") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(size=(40, 30), colour=(30, 120, 200), *, orientation=None, gps=False, comment=None):
    """A JPEG, with EXIF orientation and a GPS position (and a comment) when asked."""
    from PIL import ExifTags, Image

    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSLatitudeRef] = "N"
        info[ExifTags.GPS.GPSLatitude] = (24.0, 19.0, 30.0)
        info[ExifTags.GPS.GPSLongitudeRef] = "E"
        info[ExifTags.GPS.GPSLongitude] = (109.0, 24.0, 40.0)
    options = {"exif": exif.tobytes()} if (orientation or gps) else {}
    if comment:
        options["comment"] = comment
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


# --- PDF ---------------------------------------------------------------------------------------


def pdf(pages: int = 1, *, javascript=None, link_script=None, launch=False, password=None):
    """A PDF of blank A4 pages; with a script run on opening, a script behind a link on the
    first page, a launch action, or a password, when asked."""
    from pypdf import PdfWriter
    from pypdf.actions import JavaScript
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        NameObject,
        RectangleObject,
        TextStringObject,
    )

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if javascript:
        writer.add_open_action(JavaScript(javascript))
    if link_script:
        link = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): RectangleObject([10, 10, 100, 40]),
                NameObject("/A"): DictionaryObject(
                    {
                        NameObject("/S"): NameObject("/JavaScript"),
                        NameObject("/JS"): TextStringObject(link_script),
                    }
                ),
            }
        )
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    if launch:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject("/Launch"),
                NameObject("/F"): TextStringObject("cmd.exe"),
            }
        )
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = pdf()


# --- Office files ------------------------------------------------------------------------------

CT_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="{target}" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
PPT_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
DOCUMENT_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>工作室活动记录</w:t></w:r></w:p></w:body></w:document>"
)
PRESENTATION_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">'
    '<p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/>'
    "</p:presentation>"
)


def _package(parts: dict[str, bytes | str], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx(*, main_type=WORD_MAIN, extra_parts=None, extra_types="") -> bytes:
    parts = {
        "[Content_Types].xml": CT_HEAD
        + f'<Override PartName="/word/document.xml" ContentType="{main_type}"/>'
        + extra_types
        + "</Types>",
        "_rels/.rels": RELS.format(target="word/document.xml"),
        "word/document.xml": DOCUMENT_XML,
    }
    parts.update(extra_parts or {})
    return _package(parts)


def pptx() -> bytes:
    return _package(
        {
            "[Content_Types].xml": CT_HEAD
            + f'<Override PartName="/ppt/presentation.xml" ContentType="{PPT_MAIN}"/></Types>',
            "_rels/.rels": RELS.format(target="ppt/presentation.xml"),
            "ppt/presentation.xml": PRESENTATION_XML,
        }
    )


def xlsx(rows=(("学校", "代码"), ("柳城县实验小学", "LC001"))) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plain_zip(entries=None) -> bytes:
    return _package(entries or {"photos/1.txt": "第一张", "photos/2.txt": "第二张"})


def zip_bomb_docx(megabytes: int = 120) -> bytes:
    """A docx whose document part unpacks to ``megabytes`` of zeros (about 0.1% of it on disk)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        override = f'<Override PartName="/word/document.xml" ContentType="{WORD_MAIN}"/>'
        archive.writestr("[Content_Types].xml", CT_HEAD + override + "</Types>")
        archive.writestr("_rels/.rels", RELS.format(target="word/document.xml"))
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                part.write(chunk)
    return buffer.getvalue()


# --- a Word 97–2003 document: an OLE compound file ----------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _dir_entry(name="", kind=0, child=NOSTREAM, right=NOSTREAM, start=END, size=0) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", NOSTREAM, right, child)
        + b"\0" * 16  # CLSID
        + b"\0" * 4  # state bits
        + b"\0" * 16  # creation and modification times
        + struct.pack("<IQ", start if kind == 2 else (END if kind == 5 else 0), size)
    )


def doc(*, macros=False, encrypted=False, stream="WordDocument") -> bytes:
    """A compound file with a WordDocument stream that starts with a Word 97 FIB (or another
    stream: "Workbook" for Excel 97, "EncryptedPackage" for a password-protected docx)."""
    stream_sectors = 8  # 4096 bytes: a regular stream, not in the mini stream
    flags = 0x0100 if encrypted else 0
    fib = struct.pack("<HHHHHH", 0xA5EC, 0x00C1, 0, 0x0804, 0, flags)
    content = fib.ljust(stream_sectors * 512, b"\0")
    entries = [
        _dir_entry("Root Entry", kind=5, child=1),
        _dir_entry(stream, kind=2, right=2 if macros else NOSTREAM, start=2, size=len(content)),
    ]
    if macros:
        entries.append(_dir_entry("Macros", kind=1))
    entries += [_dir_entry() for _ in range(4 - len(entries))]  # four to a sector
    directory = b"".join(entries)
    fat = [FATSECT, END] + [3 + i for i in range(stream_sectors - 1)] + [END]
    fat_sector = b"".join(struct.pack("<I", v) for v in fat + [FREE] * (128 - len(fat)))
    header = (
        OLE_MAGIC
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 0x1000, END, 0, END, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", FREE) * 108
    )
    assert len(header) == 512
    return header + fat_sector + directory + content


# --- what a download must say about itself ----------------------------------------------


def assert_served(response, content_type: str, *, inline: bool = False) -> None:
    """A file response: our type, no sniffing, a sandbox that loads nothing, and a download
    unless it is an image or a PDF shown in place."""
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert policy.startswith("sandbox; default-src 'none'"), policy
    assert "script-src" not in policy
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;" if inline else "attachment;"), disposition
