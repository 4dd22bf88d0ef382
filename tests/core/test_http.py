"""Where a post sends the user back: only to a path of this site, whatever ``next`` says."""

import pytest
from django.test import RequestFactory

from core.http import as_id, as_ids, redirect_next, safe_next


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "NaN",
        "home",
        "",
        "http://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/inbox/\r\nSet-Cookie: x=1",
        "/inbox/\x00",
        "\u202e/inbox/",
    ],
)
def test_anything_but_a_path_of_this_site_falls_back(value):
    request = RequestFactory().post("/language/", {"next": value})
    assert safe_next(request, "/fallback/") == "/fallback/"
    assert redirect_next(request, "/fallback/")["Location"] == "/fallback/"


@pytest.mark.parametrize("value", ["/inbox/", "/review/?status=at_county&page=2", "/studios/1/"])
def test_a_path_of_this_site_is_kept(value):
    request = RequestFactory().post("/language/", {"next": value})
    assert redirect_next(request, "/fallback/")["Location"] == value


def test_a_chinese_path_is_encoded_for_the_header():
    request = RequestFactory().post("/language/", {"next": "/resources/?q=班主任"})
    assert redirect_next(request, "/")["Location"] == "/resources/?q=%E7%8F%AD%E4%B8%BB%E4%BB%BB"


@pytest.mark.parametrize(
    "value", ["", "0", "-1", "1 OR 1=1", "1.5", "²", "١٢٣", " 7", "9" * 20, None, ["1"]]
)
def test_anything_but_a_key_is_no_id(value):
    assert as_id(value) is None


def test_ids_are_ascii_digits_within_a_bigint():
    assert as_id("42") == 42 and as_id(str(2**63 - 1)) == 2**63 - 1
    assert as_ids(["3", "x", "²", "4"]) == [3, 4]
