"""A NUL character in a query or a form answers 400 in the user's language, never 500."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry


@pytest.mark.parametrize(
    "url",
    ["/studios/?q=%00", "/plaques/verify/?number=%00", "/resources/?q=a%00b", "/?x%00=1"],
)
def test_a_nul_in_the_query_string_is_a_400(demo, client, url):
    client.force_login(demo.user("lz_city"))
    response = client.get(url)
    assert response.status_code == 400
    assert "无法处理该请求" in response.content.decode()


def test_a_nul_in_a_form_changes_nothing(demo, client):
    """The fuzz posted an opinion of "\\x00" to the bulk approval: PostgreSQL refused it."""
    client.force_login(demo.user("lz_school"))
    before = AuditEntry.objects.count()
    response = client.post(reverse("applications:review_bulk"), {"opinion": "同意\x00"})
    assert response.status_code == 400
    assert AuditEntry.objects.count() == before


def test_the_demo_with_debug_on_shows_the_same_page_not_a_traceback(demo, client, settings):
    settings.DEBUG = True
    client.force_login(demo.user("lz_city"))
    response = client.get("/review/?q=%00abc")
    assert response.status_code == 400
    body = response.content.decode()
    assert "无法处理该请求" in body and "Traceback" not in body
