"""The home page's panels and the inbox badge are cached, and never stale (core/freshness.py).

Every write moves the data's generation on, through whatever path it takes (``save()``,
``QuerySet.update()``, ``bulk_create``), so the next view renders again; an unchanged home
page is served from the cache with only the session and the user read.
"""

import re

import pytest
from django.contrib import messages
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.views import CSRF_PLACEHOLDER
from applications.models import Application, ApplicationStatus
from core import freshness
from tests.test_list_queries import _applications, _call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def home_cache_on(settings):
    settings.MINGSHI_HOME_CACHE_SECONDS = 300


def _home(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("accounts:home"))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _panels(html: str) -> str:
    return re.search(r'<section class="ms-panels">.*?</section>', html, re.S).group(0)


def _unread(html: str) -> str:
    badge = re.search(r'data-testid="unread-count">([^<]*)<', html)
    return badge.group(1) if badge else ""


def _waiting(html: str) -> int:
    """The count on the county reviewer's 'waiting for your review' item."""
    badges = re.findall(r'<span class="ms-badge">(\d+)\+?</span>', _panels(html))
    assert badges, html
    return int(badges[0])


def test_an_unchanged_home_page_is_served_from_the_cache(demo, client_for):
    call = _call()
    _applications(call, 3, ApplicationStatus.AT_COUNTY)
    client = client_for("lz_county")
    first, rendered = _home(client)
    again, cached = _home(client)
    assert _panels(again) == _panels(first) and _unread(again) == _unread(first)
    # The session and the user; the panels and the badge come from the cache.
    assert cached <= 2 < rendered


def test_every_kind_of_write_refreshes_the_count(demo, client_for):
    call = _call()
    applications = _applications(call, 3, ApplicationStatus.AT_COUNTY)
    client = client_for("lz_county")
    html, _ = _home(client)
    assert _waiting(html) == 3

    # bulk_create: no model signal is sent, the write is seen on the connection.
    _applications(call, 2, ApplicationStatus.AT_COUNTY)
    html, _ = _home(client)
    assert _waiting(html) == 5

    # QuerySet.update(): two leave the county's queue.
    Application.objects.filter(pk__in=[a.pk for a in applications[:2]]).update(
        status=ApplicationStatus.AT_CITY
    )
    html, _ = _home(client)
    assert _waiting(html) == 3

    # save() of one.
    last = applications[2]
    last.status = ApplicationStatus.AT_CITY
    last.save(update_fields=["status"])
    html, _ = _home(client)
    assert _waiting(html) == 2


def test_the_inbox_badge_follows_marking_read(demo, client_for):
    county = demo.user("lz_county")
    Notification.objects.bulk_create(
        [Notification(recipient=county, verb="test", title=f"通知{i}") for i in range(4)]
    )
    client = client_for("lz_county")
    html, _ = _home(client)
    assert _unread(html) == "4"
    Notification.objects.filter(recipient=county, title="通知0").update(read_at=timezone.now())
    html, _ = _home(client)
    assert _unread(html) == "3"
    Notification.objects.filter(recipient=county).delete()
    html, _ = _home(client)
    assert _unread(html) == ""


def test_a_cached_home_page_is_its_own_users_and_languages(demo, client_for, client):
    call = _call()
    _applications(call, 3, ApplicationStatus.AT_COUNTY)  # 柳城县's applications
    liucheng, _ = _home(client_for("lz_county"))
    assert _waiting(liucheng) == 3
    # Another county's reviewer, right after: nothing of 柳城县's count or name.
    luzhai, _ = _home(client_for("lz_county_luzhai"))
    assert "莫建国" in luzhai and "蓝海燕" not in luzhai
    assert "3" not in re.findall(r'<span class="ms-badge">(\d+)</span>', _panels(luzhai))
    # The same user in English gets English panels, not the cached Chinese ones.
    county = client_for("lz_county")
    county.cookies["django_language"] = "en"
    demo.user("lz_county").__class__.objects.filter(username="lz_county").update(language="en")
    english = county.get(reverse("accounts:home")).content.decode()
    assert _panels(english) != _panels(liucheng)
    assert _waiting(english) == 3


class _CountingCache:
    """The cache, counting the reads of the data generation's key."""

    def __init__(self, inner):
        self.inner, self.generation_reads = inner, 0

    def get(self, key, *args, **kwargs):
        if key == freshness.KEY:
            self.generation_reads += 1
        return self.inner.get(key, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_a_request_reads_the_generation_once_and_again_after_its_own_write(
    demo, client_for, monkeypatch
):
    counting = _CountingCache(freshness.cache)
    monkeypatch.setattr(freshness, "cache", counting)
    client = client_for("lz_county")
    _home(client)
    _home(client)
    # The panels and the badge of each page share one read (the first view also starts it).
    assert counting.generation_reads <= 3

    # Inside one request (the handlers the request signals call), a write forgets the value
    # read before it, so what the request renders afterwards is filed under the new one.
    freshness._request_started()
    try:
        before = freshness.generation()
        assert freshness.generation() == before
        reads = counting.generation_reads
        Notification.objects.create(recipient=demo.user("lz_county"), verb="test", title="新")
        assert freshness.generation() > before
        assert counting.generation_reads == reads + 1
    finally:
        freshness._request_finished()
    # Outside a request (a Celery task, a shell) nothing is kept.
    reads = counting.generation_reads
    freshness.generation()
    freshness.generation()
    assert counting.generation_reads == reads + 2


def _browser(user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


def _token(html: str) -> str:
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    assert len(tokens) == 1, tokens
    return tokens.pop()


def test_each_browser_of_a_user_gets_a_token_of_its_own_from_the_cached_page(demo):
    county = demo.user("lz_county")
    office, phone = _browser(county), _browser(county)
    first, _ = _home(office)
    cached, queries = _home(phone)
    assert queries <= 2  # the second browser's page came from the cache
    assert _panels(cached) == _panels(first)
    assert freshness_placeholder_absent(first) and freshness_placeholder_absent(cached)
    # The phone's token is of the phone's own secret: the office's is refused there.
    refused = phone.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": _token(first)})
    assert refused.status_code == 403
    logged_out = phone.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": _token(cached)})
    assert logged_out.status_code == 302
    assert "_auth_user_id" not in phone.session
    # The office is still logged in and its own token still works for it.
    assert (
        office.post(
            reverse("accounts:language_switch"),
            {"csrfmiddlewaretoken": _token(first), "language": "zh-hans", "next": "/"},
        ).status_code
        == 302
    )


def freshness_placeholder_absent(html: str) -> bool:
    return CSRF_PLACEHOLDER not in html


def test_a_message_waiting_is_shown_once_on_the_cached_home_page(demo, client_for):
    client = client_for("lz_county")
    _home(client)
    cached, queries = _home(client)
    assert queries <= 2 and 'role="status"' not in cached
    # A message left by the previous page (in the browser's message cookie; nothing in the
    # database changed, so the cached page is still current): the page is rendered with it.
    storage = CookieStorage(HttpRequest())
    client.cookies["messages"] = storage._encode([Message(messages.SUCCESS, "资料已保存。")])
    with_message, _ = _home(client)
    assert "资料已保存。" in with_message
    again, _ = _home(client)
    assert "资料已保存。" not in again


def test_the_logged_in_user_comes_from_the_cache_until_anything_changes(demo, client_for):
    client = client_for("lz_county")
    _home(client)
    _html, queries = _home(client)
    assert queries == 1  # the session (in the database here); the user and the page are cached
    # Deactivated by a bulk update (no signal, no save()): the next page already refuses them.
    demo.user("lz_county").__class__.objects.filter(username="lz_county").update(is_active=False)
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_new_password_ends_the_other_sessions_despite_the_cached_user(demo, client_for):
    client = client_for("lz_county")
    _home(client)
    _home(client)
    county = demo.user("lz_county")
    county.set_password("另一个密码-2024-abc")
    county.save(update_fields=["password"])
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and "/login/" in response["Location"]
