"""Content-Security-Policy: on every page, no inline script and no eval anywhere, styles from
our own files (the admin and the API's Swagger UI alone may inline styles: both set style
attributes from their scripts), and a view's own policy left alone."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from lxml import html as lxml_html

from .urls import plain_paths

pytestmark = pytest.mark.django_db

HEADER = "Content-Security-Policy"
INLINE_STYLES = ("/admin/", "/api/docs/")


def directives(response) -> dict[str, list[str]]:
    assert HEADER in response, response.request["PATH_INFO"]
    policy = {}
    for part in response[HEADER].split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


def assert_strict(response, *, admin: bool = False) -> None:
    policy = directives(response)
    if response.has_header("Content-Disposition"):
        # A file (an export, a PDF): the stricter sandbox of core.files, never the page's.
        assert "sandbox" in policy and policy["default-src"] == ["'none'"], response
        return
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert ("'unsafe-inline'" in policy["style-src"]) is admin
    assert "'unsafe-eval'" not in response[HEADER]


def assert_no_inline_code(response) -> None:
    if "text/html" not in response.get("Content-Type", "") or not response.content.strip():
        return
    path = response.request["PATH_INFO"]
    tree = lxml_html.fromstring(response.content)
    for script in tree.iter("script"):
        assert script.get("src") or script.get("type") == "application/json", path
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not name.startswith("on"), (path, element.tag, name)
            assert not name.startswith("hx-on"), (path, element.tag, name)
            assert not value.strip().lower().startswith("javascript:"), (path, name)
            if not path.startswith(INLINE_STYLES):
                assert name != "style", (path, element.tag)
    if not path.startswith(INLINE_STYLES):
        assert not list(tree.iter("style")), path


@pytest.mark.parametrize("username", ["admin", "lz_city", "lz_teacher", None])
def test_every_page_carries_the_policy_and_no_inline_code(demo, client, username):
    if username:
        client.force_login(demo.user(username))
    checked = 0
    for path in plain_paths(admin=username == "admin"):
        response = client.get(path)
        assert_strict(response, admin=path.startswith(INLINE_STYLES))
        assert_no_inline_code(response)
        checked += 1
    assert checked > 30


def test_object_pages_and_errors_carry_it_too(demo, client_for):
    client = client_for("lz_city")
    organisation = demo.org("liucheng")
    for path in (f"/organisations/{organisation.pk}/", "/organisations/999999/", "/no-such/"):
        response = client.get(path)
        assert_strict(response)
        assert_no_inline_code(response)


def test_the_admin_works_under_the_policy_with_inline_styles_only(demo, client_for):
    client = client_for("admin")
    for path in (
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{demo.user('lz_city').pk}/change/",
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert_strict(response, admin=True)
        tree = lxml_html.fromstring(response.content)
        # The admin's own scripts are files; its data travels in data- attributes.
        assert all(s.get("src") or s.get("type") == "application/json" for s in tree.iter("script"))


@pytest.mark.urls("tests.accounts.csp_urls")
def test_a_policy_set_by_the_view_is_kept(db, client):
    response = client.get("/own-policy/")
    assert response[HEADER] == "default-src 'none'; sandbox"


def test_htmx_is_told_not_to_inject_styles_or_eval(demo, client_for):
    page = client_for("lz_teacher").get("/").content.decode()
    assert '"includeIndicatorStyles": false' in page and '"allowEval": false' in page


PROJECT_TEMPLATES = [
    path
    for folder in [settings.BASE_DIR / "templates", *settings.BASE_DIR.glob("*/templates")]
    for path in Path(folder).rglob("*.html")
    if ".venv" not in path.parts
]


@pytest.mark.parametrize(
    "template", PROJECT_TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR))
)
def test_templates_hold_no_inline_script_or_style(template):
    text = re.sub(r"\{#.*?#\}", "", template.read_text())  # template comments may name them
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or "application/json" in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", text)
    assert "hx-on" not in text and "javascript:" not in text and "js:" not in text
    if "/pdf/" not in str(template):  # PDFs are laid out by WeasyPrint, never served as pages
        assert not re.search(r"\sstyle\s*=", text)
        assert "<style" not in text
