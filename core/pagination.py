"""Pages of long lists whose cost does not grow with the list.

Django's ``Paginator`` counts every matching row (``SELECT COUNT(*)`` over the whole filter) and
reaches page *n* with ``OFFSET``; at a province's scale both read the whole queue on each view.
``BoundedPaginator`` instead

* counts no further than ``limit`` rows (``COUNT(*)`` over a ``LIMIT limit+1`` subquery, which an
  index serves by reading at most that many entries) and says "1000+" beyond;
* numbers the pages inside that bound, as before (``?page=3``), each page read with one query of
  ``per_page + 1`` rows so that "next" is known without the count;
* goes past the bound by cursor (``?after=<pk>`` / ``?before=<pk>``): the next page starts after the
  sort key of the row it names (keyset pagination), so a deep page costs what the first one does.

The queryset must be ordered by fields ending in a unique one (``pk``), as every list here is.
Views use ``BoundedPaginationMixin`` (ListView) or ``paginate(request, queryset, per_page)``;
``templates/pagination.html`` renders either kind of page.
"""

from __future__ import annotations

import math

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.functional import cached_property

COUNT_LIMIT = 1000
# Query parameters that choose a page; links to other pages drop them and add their own.
PAGE_PARAMETERS = ("page", "after", "before")


def bounded_count(queryset: QuerySet, limit: int = COUNT_LIMIT) -> int:
    """The number of rows, counted no further than ``limit + 1`` (more than ``limit``: "1000+")."""
    return queryset.order_by()[: limit + 1].count()


def as_pk(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


class ListPage(Page):
    """A page that knows its neighbours without the total: ``next_query`` / ``previous_query``
    are the query-string fragments of the links ("page=3" or "after=123"), or ""."""

    def __init__(self, object_list, number, paginator, *, next_query="", previous_query=""):
        super().__init__(object_list, number, paginator)
        self.next_query = next_query
        self.previous_query = previous_query

    def has_next(self) -> bool:
        return bool(self.next_query)

    def has_previous(self) -> bool:
        return bool(self.previous_query)

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def by_cursor(self) -> bool:
        """Past the counted pages: the page has no number."""
        return self.number is None

    def start_index(self) -> int:
        if self.number is None or not self.object_list:
            return 0
        return (self.number - 1) * self.paginator.per_page + 1

    def end_index(self) -> int:
        if self.number is None:
            return 0
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0


class BoundedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, limit: int = COUNT_LIMIT, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.limit = limit

    @cached_property
    def count(self) -> int:
        """Up to ``limit + 1``; ``count_exceeds`` says that there are more than ``limit``."""
        return bounded_count(self.object_list, self.limit)

    @property
    def count_exceeds(self) -> bool:
        return self.count > self.limit

    @cached_property
    def num_pages(self) -> int:
        """The numbered pages: those within the counted rows."""
        if self.count == 0:
            return 1 if self.allow_empty_first_page else 0
        return math.ceil(min(self.count, self.limit) / self.per_page)

    @property
    def num_pages_label(self) -> str:
        return f"{self.num_pages}+" if self.count_exceeds else str(self.num_pages)

    @property
    def count_label(self) -> str:
        return f"{self.limit}+" if self.count_exceeds else str(self.count)

    # --- reading one page ----------------------------------------------------------------------

    def page_from(self, query) -> ListPage:
        """The page a request's query string asks for; never raises (a bad number gives page 1,
        a number past the last numbered page gives the last)."""
        if (pk := as_pk(query.get("after"))) is not None:
            return self.page_after(pk)
        if (pk := as_pk(query.get("before"))) is not None:
            return self.page_before(pk)
        try:
            number = max(int(query.get("page") or 1), 1)
        except (TypeError, ValueError):
            number = 1
        return self.page(number)

    def page(self, number) -> ListPage:
        number = max(int(number), 1)
        # Past the counted pages a list goes on by cursor ("next" from the last numbered page);
        # a typed page number there gives the last numbered page, as Django's get_page() gives
        # the last page. A list that cannot take a cursor goes on by number (OFFSET).
        if number > self.num_pages and (not self.count_exceeds or keyset_ready(self.object_list)):
            number = self.num_pages
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        next_query = ""
        if more:
            if number < self.num_pages or not keyset_ready(self.object_list):
                next_query = f"page={number + 1}"
            else:  # the last numbered page: go on by cursor
                next_query = f"after={rows[-1].pk}"
        previous_query = f"page={number - 1}" if number > 1 else ""
        return ListPage(rows, number, self, next_query=next_query, previous_query=previous_query)

    def page_after(self, pk: int) -> ListPage:
        after = keyset_q(self.object_list, pk, forward=True)
        if after is None:
            return self.page(1)
        rows = list(self.object_list.filter(after)[: self.per_page + 1])
        more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        return ListPage(
            rows,
            None,
            self,
            next_query=f"after={rows[-1].pk}" if more else "",
            previous_query=f"before={rows[0].pk}" if rows else "page=1",
        )

    def page_before(self, pk: int) -> ListPage:
        before = keyset_q(self.object_list, pk, forward=False)
        if before is None:
            return self.page(1)
        rows = list(self.object_list.filter(before).reverse()[: self.per_page + 1])
        more = len(rows) > self.per_page
        rows = rows[: self.per_page][::-1]
        return ListPage(
            rows,
            None,
            self,
            next_query=f"after={rows[-1].pk}" if rows else "page=1",
            previous_query=f"before={rows[0].pk}" if more else ("page=1" if rows else ""),
        )


def order_fields(queryset: QuerySet) -> list[str]:
    """The queryset's ordering as field paths with an optional leading "-"."""
    query = queryset.query
    if query.order_by:
        order = list(query.order_by)
    elif query.default_ordering:
        order = list(queryset.model._meta.ordering)
    else:
        order = []
    if not all(isinstance(term, str) for term in order):
        raise TypeError("keyset pages need an ordering of plain field names")
    return order


def keyset_ready(queryset: QuerySet) -> bool:
    """Whether the queryset's ordering allows keyset pages (plain fields ending in the pk)."""
    try:
        order = order_fields(queryset)
    except TypeError:
        return False
    return bool(order) and order[-1].lstrip("-") in ("pk", queryset.model._meta.pk.name)


def keyset_q(queryset: QuerySet, pk: int, *, forward: bool) -> Q | None:
    """The rows after (``forward``) or before the row ``pk`` in the queryset's order, or None
    when that row is gone. The row's sort key is read by primary key alone (one indexed lookup):
    it positions the page, and every row shown still comes from the scoped queryset."""
    if not keyset_ready(queryset):
        return None
    order = order_fields(queryset)
    fields = [term.lstrip("-") for term in order]
    values = queryset.model._base_manager.filter(pk=pk).values_list(*fields).first()
    if values is None:
        return None
    nulls_largest = connections[queryset.db].features.nulls_order_largest
    condition = None
    equal = Q()
    for term, field, value in zip(order, fields, values, strict=True):
        ascending = not term.startswith("-")
        beyond = _beyond(field, value, greater=ascending == forward, nulls_largest=nulls_largest)
        if beyond is not None:
            condition = equal & beyond if condition is None else condition | (equal & beyond)
        equal &= Q(**{f"{field}__isnull": True}) if value is None else Q(**{field: value})
    if condition is None:  # the named row is the last one in this direction
        return Q(pk__in=[])
    # The first key bounds the range on its own too, so that the database reads the index
    # from the cursor on instead of filtering every earlier entry.
    first, value = fields[0], values[0]
    greater = (not order[0].startswith("-")) == forward
    if value is not None and (greater != nulls_largest or not _nullable(queryset, first)):
        condition &= Q(**{f"{first}__{'gte' if greater else 'lte'}": value})
    return condition


def _nullable(queryset: QuerySet, field: str) -> bool:
    if "__" in field or field == "pk":
        return "__" in field
    return queryset.model._meta.get_field(field).null


def _beyond(field: str, value, *, greater: bool, nulls_largest: bool) -> Q | None:
    """Rows whose ``field`` sorts strictly after ``value`` (above it if ``greater``), counting
    NULL where the database sorts it (largest on PostgreSQL, smallest on SQLite)."""
    null = Q(**{f"{field}__isnull": True})
    if value is None:
        # Past NULL lie the other values only when we walk away from the end NULL sorts at.
        return Q(**{f"{field}__isnull": False}) if greater != nulls_largest else None
    q = Q(**{f"{field}__{'gt' if greater else 'lt'}": value})
    return q | null if greater == nulls_largest else q


def paginate(request, queryset: QuerySet, per_page: int, **kwargs) -> ListPage:
    """The page of ``queryset`` that ``request`` asks for (function views)."""
    return BoundedPaginator(queryset, per_page, **kwargs).page_from(request.GET)


class BoundedPaginationMixin:
    """For a ListView: bounded counts, numbered pages within them, cursors beyond."""

    paginator_class = BoundedPaginator

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.page_from(self.request.GET)
        return paginator, page, page.object_list, page.has_other_pages()
