"""What people upload, checked by what it is rather than by what it is called.

``checked_upload(upload, accept=...)`` is the one check every upload passes through. It reads
the content (never the name alone, never the browser's content type), decides what the file
is, refuses it unless that is one of the accepted kinds *and* the name's suffix says the same
thing, and returns what may be stored:

- PNG and JPEG are decoded and re-encoded by Pillow in the same format: anything appended
  after the image and all metadata (EXIF with its GPS position, comments, XMP, text chunks)
  are gone; the EXIF orientation is applied to the pixels first so the photo stays upright.
  A decompression bomb (too many pixels) is refused before it is decoded.
- PDFs must open with pypdf and have at least one page; encrypted ones and ones carrying
  JavaScript or launch actions are refused.
- docx, xlsx and pptx must be the zip they claim to be, with the main part their content
  types name; macros, names that climb out of the archive and zip bombs (too much once
  uncompressed, too many entries) are refused. A password-protected Office file (an OLE
  container, not a zip) is refused with a message that says so.
- .doc must be an OLE compound file holding a Word document, without macros or encryption.
- .zip archives are bounded the same way as Office files and may not hold climbing names.
- SVG, HTML, XML and other markup or scripts are refused everywhere, whatever their name.

Every refusal is an ``UploadRefused`` whose message is translated and names the file.
Nothing here imports another app: the apps translate the error into their own.

One module of some 650 lines on purpose: every upload passes the same checks, and whoever
reviews what may be stored reads every file type's rules in one place (a section per kind).
"""

from __future__ import annotations

import io
import posixpath
import threading
import warnings
import zipfile
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from xml.etree import ElementTree

import olefile
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps

from core.errors import DomainError

MB = 1024 * 1024


class UploadRefused(DomainError):
    """An upload was refused; the message is translated, names the file and says why."""


# What an attachment of any kind may be, unless its own place narrows it; and the limits.
ATTACHMENT_TYPES = frozenset(
    {".pdf", ".jpg", ".jpeg", ".png", ".docx", ".xlsx", ".doc", ".pptx", ".zip"}
)
PHOTO_TYPES = frozenset({".jpg", ".jpeg", ".png"})
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_PHOTO_BYTES = 3 * 1024 * 1024


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    suffixes: tuple[str, ...]
    content_type: str
    max_bytes: int
    image: bool = False

    @property
    def inline(self) -> bool:
        """Whether a browser may show it in place (images and PDFs) rather than save it."""
        return self.image or self.code == "pdf"


# Per-kind ceilings (bureau-set defaults, not from any city's document); a caller may lower
# them for one use (a host's photo, a receipt) but never raise them.
KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind("png", "PNG", (".png",), "image/png", 10 * MB, image=True),
        Kind("jpeg", "JPEG", (".jpg", ".jpeg"), "image/jpeg", 10 * MB, image=True),
        Kind("pdf", "PDF", (".pdf",), "application/pdf", 20 * MB),
        Kind(
            "docx",
            "Word (DOCX)",
            (".docx",),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            20 * MB,
        ),
        Kind(
            "xlsx",
            "Excel (XLSX)",
            (".xlsx",),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            20 * MB,
        ),
        Kind(
            "pptx",
            "PowerPoint (PPTX)",
            (".pptx",),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            20 * MB,
        ),
        Kind("doc", "Word (DOC)", (".doc",), "application/msword", 20 * MB),
        Kind("zip", "ZIP", (".zip",), "application/zip", 20 * MB),
    )
}
BY_SUFFIX: dict[str, Kind] = {suffix: kind for kind in KINDS.values() for suffix in kind.suffixes}

# A decoded image this large would take hundreds of megabytes of memory: refused unread.
MAX_IMAGE_PIXELS = 40_000_000
# Office files and archives: what they may hold once uncompressed, and how many entries.
MAX_UNCOMPRESSED_BYTES = 100 * MB
MAX_ZIP_ENTRIES = 5000
# PDFs: how many objects are looked at for scripts before the file is called too complex.
MAX_PDF_OBJECTS = 200_000
JPEG_QUALITY = 90

# Names whose browsers or desktops would run or render them as a page, wherever they sit in the
# name ("x.html.jpg" included): refused by name before the content is even read.
SCRIPTABLE_SUFFIXES = frozenset(
    {
        ".svg",
        ".svgz",
        ".html",
        ".htm",
        ".xhtml",
        ".shtml",
        ".xml",
        ".xsl",
        ".xslt",
        ".js",
        ".mjs",
        ".hta",
        ".php",
        ".jsp",
        ".asp",
        ".aspx",
        ".vbs",
        ".wsf",
        ".bat",
        ".cmd",
        ".ps1",
        ".sh",
        ".exe",
        ".dll",
        ".scr",
        ".msi",
        ".jar",
        ".swf",
    }
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The main part of each Office format, by the content type [Content_Types].xml gives it.
OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
OOXML_MACRO_MAIN = {
    "application/vnd.ms-word.document.macroEnabled.main+xml": "docx",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": "xlsx",
    "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml": "pptx",
    "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml": "pptx",
}
VBA_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"
CONTENT_TYPES_PART = "[Content_Types].xml"
MAX_CONTENT_TYPES_BYTES = 1 * MB
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"


def accepted_suffixes(accept: Iterable[str]) -> frozenset[str]:
    """The suffixes of ``accept`` (suffixes or kind codes) that this module can check."""
    suffixes = set()
    for item in accept:
        item = item.lower()
        if item in KINDS:
            suffixes.update(KINDS[item].suffixes)
        elif item in BY_SUFFIX:
            suffixes.add(item)
        else:
            raise ValueError(f"no check for uploads of kind {item!r}")
    return frozenset(suffixes)


# Complex by nature: one branch per check of an upload's content.
def checked_upload(upload, *, accept: Iterable[str], max_bytes: int | None = None):  # noqa: C901
    """Check ``upload`` against the accepted suffixes (or kind codes) and return what to store.

    Images come back re-encoded as a new file under the same name; other kinds come back as
    the upload itself, rewound. Refusals raise ``UploadRefused``.
    """
    name = PurePath(upload.name or "").name or "?"
    suffixes = accepted_suffixes(accept)
    suffix = PurePath(name).suffix.lower()
    if any(s.lower() in SCRIPTABLE_SUFFIXES for s in PurePath(name).suffixes):
        raise UploadRefused(
            _(
                "“%(name)s” is refused: web pages, SVG images, XML, scripts and programs are "
                "never accepted, whatever their name."
            )
            % {"name": name}
        )
    if suffix not in suffixes:
        raise UploadRefused(
            _("“%(name)s” is not an accepted file type (accepted: %(types)s).")
            % {"name": name, "types": ", ".join(sorted(suffixes))}
        )
    claimed = BY_SUFFIX[suffix]
    limit = min(claimed.max_bytes, max_bytes) if max_bytes else claimed.max_bytes
    size = upload.size
    if size is not None and size > limit:
        raise UploadRefused(_too_large(name, limit))
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:
        raise UploadRefused(_too_large(name, limit))
    if not data:
        raise UploadRefused(_("“%(name)s” is empty.") % {"name": name})

    found = identify(data)
    if found == "markup":
        raise UploadRefused(
            _(
                "“%(name)s” is refused: it contains a web page, an SVG image or XML, which are "
                "never accepted."
            )
            % {"name": name}
        )
    if found == "ole" and claimed.code in {"docx", "xlsx", "pptx"} and _ole_encrypted(data):
        raise UploadRefused(
            _("“%(name)s” is protected by a password: save it without one and upload it again.")
            % {"name": name}
        )
    if found != claimed.code:
        actual = KINDS.get(found)
        if actual is not None:
            raise UploadRefused(
                _("“%(name)s” is not a %(type)s file: its content is %(actual)s.")
                % {"name": name, "actual": actual.label, "type": claimed.label}
            )
        raise UploadRefused(
            _("“%(name)s” does not look like a %(type)s file.")
            % {"name": name, "type": claimed.label}
        )

    if claimed.image:
        cleaned = _reencode_image(data, claimed, name)
        return ContentFile(cleaned, name=upload.name)
    if claimed.code == "pdf":
        _check_pdf(data, name)
    elif claimed.code in {"docx", "xlsx", "pptx", "zip"}:
        _check_zip(data, claimed, name)
    elif claimed.code == "doc":
        _check_doc(data, name)
    return upload


def _too_large(name: str, limit: int) -> str:
    return _("“%(name)s” is larger than %(limit)d MB.") % {"name": name, "limit": limit // MB}


# --- what the content is -----------------------------------------------------------------------


def identify(data: bytes) -> str | None:
    """A kind code for what ``data`` is by its content, "markup", "ole", or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(OLE_MAGIC):
        return "doc" if _ole_is_word(data) else "ole"
    if looks_like_markup(data):
        return "markup"
    return None


def looks_like_markup(data: bytes) -> bool:
    """Whether ``data`` reads as HTML, SVG or XML text (in UTF-8, UTF-16 or UTF-32)."""
    head = data[:4096]
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            text = head[len(bom) :].decode(encoding, errors="ignore")
            break
    else:
        text = head.decode("utf-8", errors="ignore")
    text = text.lstrip().lower()
    if text.startswith("<"):
        return True
    return any(tag in text for tag in ("<svg", "<html", "<script", "<!doctype", "<?xml"))


def _zip_kind(data: bytes) -> str | None:
    """docx/xlsx/pptx by the main part named in [Content_Types].xml, else zip (None if broken)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = _find(archive, CONTENT_TYPES_PART)
            if info is None:
                return "zip"
            overrides, _defaults = _content_types(archive, info)
    except (zipfile.BadZipFile, _NotOffice, OSError, EOFError, ValueError, RuntimeError):
        return None
    for content_type in overrides.values():
        kind = OOXML_MAIN.get(content_type) or OOXML_MACRO_MAIN.get(content_type)
        if kind:
            return kind
    return None


def _find(archive: zipfile.ZipFile, name: str):
    try:
        return archive.getinfo(name)
    except KeyError:
        return None


class _NotOffice(Exception):
    pass


def _content_types(archive: zipfile.ZipFile, info) -> tuple[dict[str, str], dict[str, str]]:
    """Overrides (part name → type) and defaults (extension → type) of an Office package."""
    if info.file_size > MAX_CONTENT_TYPES_BYTES:
        raise _NotOffice
    raw = archive.read(info)
    if b"<!doctype" in raw.lower() or b"<!entity" in raw.lower():
        raise _NotOffice  # no DTD: entities could expand without end
    try:
        root = ElementTree.fromstring(raw)
    except ElementTree.ParseError:
        raise _NotOffice from None
    overrides = {
        (e.get("PartName") or "").lstrip("/"): e.get("ContentType") or ""
        for e in root.iter(f"{CT_NS}Override")
    }
    defaults = {
        (e.get("Extension") or "").lower(): e.get("ContentType") or ""
        for e in root.iter(f"{CT_NS}Default")
    }
    return overrides, defaults


def _ole_directory(data: bytes):
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception:  # olefile raises whatever a broken container makes it hit
        return None
    return ole


def _ole_is_word(data: bytes) -> bool:
    ole = _ole_directory(data)
    if ole is None:
        return False
    try:
        return ole.exists("WordDocument")
    finally:
        ole.close()


def _ole_encrypted(data: bytes) -> bool:
    """A password-protected docx/xlsx/pptx is an OLE container holding the encrypted package."""
    ole = _ole_directory(data)
    if ole is None:
        return False
    try:
        return ole.exists("EncryptedPackage")
    finally:
        ole.close()


# --- images ------------------------------------------------------------------------------------


_STRICT_DECODING = threading.Lock()


@contextmanager
def _strict_decoding():
    """Decode as Pillow does by default, refusing truncated or broken images.

    WeasyPrint sets Pillow's process-wide ``LOAD_TRUNCATED_IMAGES`` when it is imported (so that
    a broken picture does not stop a PDF); an upload must not be judged by that. The flag is a
    module global, so it is set back under a lock.
    """

    with _STRICT_DECODING:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _reencode_image(data: bytes, kind: Kind, name: str) -> bytes:
    fmt = "PNG" if kind.code == "png" else "JPEG"
    unreadable = UploadRefused(
        _("“%(name)s” could not be read as a %(type)s image.") % {"name": name, "type": kind.label}
    )
    try:
        with _strict_decoding(), warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[fmt])
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise UploadRefused(
                    _(
                        "“%(name)s” has too many pixels (%(width)d × %(height)d): make it "
                        "smaller than %(limit)d megapixels."
                    )
                    % {
                        "name": name,
                        "width": width,
                        "height": height,
                        "limit": MAX_IMAGE_PIXELS // 1_000_000,
                    }
                )
            image.load()
            icc_profile = image.info.get("icc_profile")
            transparency = image.info.get("transparency")
            image = ImageOps.exif_transpose(image)
    except UploadRefused:
        raise
    except Exception:  # Pillow raises many kinds of error on broken or hostile files
        raise unreadable from None

    # Nothing of the original's metadata goes into the new file but its colour profile.
    image.info = {}
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "JPEG":
        if image.mode not in ("L", "RGB", "CMYK"):
            image = image.convert("RGB")
        options.update(quality=JPEG_QUALITY)
    else:
        if image.mode not in ("1", "L", "LA", "I", "I;16", "RGB", "RGBA", "P"):
            image = image.convert("RGBA")
        if transparency is not None and image.mode in ("1", "L", "P", "RGB"):
            options["transparency"] = transparency
    out = io.BytesIO()
    try:
        image.save(out, fmt, **options)
    except Exception:
        raise unreadable from None
    return out.getvalue()


# --- PDF ---------------------------------------------------------------------------------------

# Actions that run something when the PDF is opened or clicked.
PDF_SCRIPT_ACTIONS = {"/JavaScript", "/Launch"}
PDF_SCRIPT_KEYS = {"/JS", "/JavaScript"}


def _check_pdf(data: bytes, name: str) -> None:
    # pypdf is imported when a PDF arrives, not by every process as it starts.
    from pypdf import PdfReader  # noqa: PLC0415

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
        if not encrypted:
            pages = len(reader.pages)
            scripted = _pdf_has_script(reader, name) if pages else False
    except UploadRefused:
        raise
    except Exception:  # pypdf raises many kinds of error on broken files
        raise UploadRefused(
            _("“%(name)s” could not be opened as a PDF.") % {"name": name}
        ) from None
    if encrypted:
        raise UploadRefused(
            _("“%(name)s” is protected by a password: save it without one and upload it again.")
            % {"name": name}
        )
    if not pages:
        raise UploadRefused(_("“%(name)s” is a PDF without any page.") % {"name": name})
    if scripted:
        raise UploadRefused(
            _(
                "“%(name)s” contains scripts or actions that start programs: print it to a new "
                "PDF (or export it again) and upload that."
            )
            % {"name": name}
        )


def _pdf_has_script(reader, name: str) -> bool:
    """Walk every object reachable from the trailer, looking for JavaScript or launch actions."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject  # noqa: PLC0415

    stack = [reader.trailer]
    seen: set[tuple[int, int]] = set()
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise UploadRefused(_("“%(name)s” is too complex to be checked.") % {"name": name})
        if isinstance(obj, DictionaryObject):  # stream objects too: only their dictionaries
            if PDF_SCRIPT_KEYS & set(obj.keys()):
                return True
            action = obj.get("/S")
            if isinstance(action, IndirectObject):
                action = action.get_object()
            if str(action) in PDF_SCRIPT_ACTIONS:
                return True
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return False


# --- Office files and archives -----------------------------------------------------------------


def _climbs(entry: str) -> bool:
    """Whether an archive entry's name would land outside the folder it is unpacked into."""
    if not entry or "\x00" in entry or "\\" in entry:
        return True
    if entry.startswith("/") or (len(entry) > 1 and entry[1] == ":"):
        return True
    return ".." in posixpath.normpath(entry).split("/")


def _check_zip(data: bytes, kind: Kind, name: str) -> None:
    broken = UploadRefused(
        _("“%(name)s” does not look like a %(type)s file.") % {"name": name, "type": kind.label}
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise broken from None
    with archive:
        entries = archive.infolist()
        if not entries:
            raise broken
        if len(entries) > MAX_ZIP_ENTRIES:
            raise UploadRefused(
                _("“%(name)s” holds more than %(count)d files.")
                % {"name": name, "count": MAX_ZIP_ENTRIES}
            )
        if sum(e.file_size for e in entries) > MAX_UNCOMPRESSED_BYTES:
            raise UploadRefused(
                _("“%(name)s” would take more than %(limit)d MB once unpacked.")
                % {"name": name, "limit": MAX_UNCOMPRESSED_BYTES // MB}
            )
        if any(_climbs(e.filename) for e in entries):
            raise UploadRefused(
                _("“%(name)s” holds files whose names climb out of the archive.") % {"name": name}
            )
        if any(e.flag_bits & 0x1 for e in entries):
            raise UploadRefused(
                _("“%(name)s” is protected by a password: save it without one and upload it again.")
                % {"name": name}
            )
        if kind.code != "zip":
            _check_office(archive, kind, name, broken)
        try:
            bad = archive.testzip()  # every entry decompresses to its recorded size and CRC
        except Exception:  # zlib, bz2 and lzma errors, unsupported methods
            raise broken from None
        if bad is not None:
            raise broken


def _check_office(archive: zipfile.ZipFile, kind: Kind, name: str, broken) -> None:
    info = _find(archive, CONTENT_TYPES_PART)
    if info is None:
        raise broken
    try:
        overrides, defaults = _content_types(archive, info)
    except (_NotOffice, zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
        raise broken from None
    macros = (
        any(OOXML_MACRO_MAIN.get(t) for t in overrides.values())
        or VBA_CONTENT_TYPE in overrides.values()
        or VBA_CONTENT_TYPE in defaults.values()
        or any(e.filename.lower().endswith("vbaproject.bin") for e in archive.infolist())
    )
    if macros:
        raise UploadRefused(
            _("“%(name)s” contains macros: save it as a plain %(type)s file and upload that.")
            % {"name": name, "type": kind.label}
        )
    parts = {e.filename for e in archive.infolist()}
    main = [part for part, t in overrides.items() if OOXML_MAIN.get(t) == kind.code]
    if not main or not all(part in parts for part in main):
        raise broken


def _check_doc(data: bytes, name: str) -> None:
    """A Word 97–2003 document: a WordDocument stream with its FIB, no macros, no password."""
    broken = UploadRefused(
        _("“%(name)s” does not look like a %(type)s file.")
        % {"name": name, "type": KINDS["doc"].label}
    )
    ole = _ole_directory(data)
    if ole is None:
        raise broken
    try:
        if not ole.exists("WordDocument"):
            raise broken
        if ole.exists("Macros") or ole.exists("_VBA_PROJECT_CUR"):
            raise UploadRefused(
                _("“%(name)s” contains macros: save it as a plain %(type)s file and upload that.")
                % {"name": name, "type": KINDS["doc"].label}
            )
        try:
            fib = ole.openstream("WordDocument").read(12)
        except Exception:
            raise broken from None
    finally:
        ole.close()
    if len(fib) < 12 or fib[:2] != b"\xec\xa5":  # wIdent of Word 97 and later
        raise broken
    if fib[11] & 0x01:  # FibBase.fEncrypted
        raise UploadRefused(
            _("“%(name)s” is protected by a password: save it without one and upload it again.")
            % {"name": name}
        )
