"""Bounded counts, numbered pages within them, cursors beyond: the same rows as OFFSET gives."""

from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from applications import selectors
from applications.models import Application, ApplicationStatus
from core.pagination import BoundedPaginator, bounded_count
from tests.test_list_queries import _applications, _call


def walk(paginator: BoundedPaginator) -> tuple[list[int], list]:
    """Follow "next" from page 1 to the end; return the pks seen and the pages."""
    pages = [paginator.page_from(QueryDict(""))]
    while pages[-1].next_query:
        pages.append(paginator.page_from(QueryDict(pages[-1].next_query)))
        assert len(pages) < 100
    return [a.pk for page in pages for a in page.object_list], pages


@pytest.fixture
def queue(demo):
    call = _call()
    rows = _applications(call, 23, ApplicationStatus.AT_COUNTY)
    # Ties on the sort key and missing submission times: the cursor must still be exact.
    now = timezone.now()
    for i, a in enumerate(rows):
        Application.objects.filter(pk=a.pk).update(
            updated_at=now - timedelta(minutes=i // 3),
            submitted_at=None if i % 4 == 0 else now - timedelta(hours=i // 2),
        )
    return demo.user("lz_county")


def test_the_count_stops_at_the_limit(queue):
    applications = selectors.review_queue(queue)
    assert bounded_count(applications, 10) == 11
    assert bounded_count(applications, 100) == 23
    paginator = BoundedPaginator(applications, 3, limit=10)
    assert paginator.count_exceeds and paginator.count_label == "10+"
    assert paginator.num_pages == 4 and paginator.num_pages_label == "4+"
    exact = BoundedPaginator(applications, 3, limit=100)
    assert not exact.count_exceeds and exact.count == 23 and exact.num_pages == 8


@pytest.mark.parametrize("sort", ["", "-updated", "submitted", "-submitted", "name", "county"])
def test_next_by_page_then_by_cursor_reads_every_row_once_in_order(queue, sort):
    applications = selectors.review_queue(queue, sort=sort)
    expected = list(applications.values_list("pk", flat=True))
    seen, pages = walk(BoundedPaginator(applications, 3, limit=10))
    assert seen == expected
    assert [p.number for p in pages[:4]] == [1, 2, 3, 4]
    assert pages[3].next_query.startswith("after=")  # past the counted rows: a cursor
    assert all(p.number is None for p in pages[4:])


@pytest.mark.parametrize("sort", ["", "submitted", "-submitted"])
def test_previous_by_cursor_gives_back_the_page_before(queue, sort):
    applications = selectors.review_queue(queue, sort=sort)
    paginator = BoundedPaginator(applications, 3, limit=10)
    _seen, pages = walk(paginator)
    for before, page in zip(pages[4:], pages[5:], strict=False):
        back = paginator.page_from(QueryDict(page.previous_query))
        assert [a.pk for a in back.object_list] == [a.pk for a in before.object_list]


def test_bad_page_parameters_give_a_page(queue):
    paginator = BoundedPaginator(selectors.review_queue(queue), 3, limit=100)
    for query in ("page=abc", "page=-4", "page=999", "after=xyz", "before=0", "after=99999999"):
        page = paginator.page_from(QueryDict(query))
        assert page.object_list


def test_the_queue_page_shows_the_bounded_count(queue, client, settings):
    client.force_login(queue)
    response = client.get("/review/?page=2&sort=submitted")  # one page of 25: page 1
    assert response.status_code == 200
    assert response.context["paginator"].count == 23
    assert response.context["page_obj"].number == 1
    assert "23" in response.content.decode().split('data-testid="queue-count"')[1][:80]


def test_links_keep_the_filters_and_drop_the_page(queue, client):
    from django.template import Context, Template

    paginator = BoundedPaginator(selectors.review_queue(queue), 3, limit=10)
    page = paginator.page_from(QueryDict("page=4"))
    html = Template('{% include "pagination.html" %}').render(
        Context({"page_obj": page, "querystring": "sort=submitted&page=4&after=3"})
    )
    assert "?sort=submitted&amp;page=3" in html
    assert f"?sort=submitted&amp;after={page.object_list[-1].pk}" in html
    assert "4+" in html


def test_the_waiting_count_and_the_badge_stop_at_their_limits(queue, client):
    from accounts.models import Notification

    assert selectors.waiting_count(queue, limit=5) == 6
    assert selectors.waiting_count(queue) == 23
    Notification.objects.bulk_create(
        [Notification(recipient=queue, verb="test", title=f"通知{i}") for i in range(120)]
    )
    client.force_login(queue)
    html = client.get("/").content.decode()
    assert 'data-testid="unread-count">99+<' in html
