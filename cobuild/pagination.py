"""One paginator for every list page: exact while a list is small, never an exact COUNT(*) over
a province's millions of rows.

The count is taken over at most ``COUNT_CAP + 1`` rows (``SELECT COUNT(*) FROM (… LIMIT
1001)``), which stops early whatever the table's size. Up to the cap the page shows "第 3 / 12
页,共 345 条" as before; beyond it "共 1,000+ 条" with previous/next links, and a page knows
whether a next one exists by fetching one row more than it shows (no count needed), so deep
pages work too. Same number of queries as Django's paginator (one count, one page).

``paginate(request, rows, per_page)`` reads ``?page=`` and always returns a page (the last one
with rows when the number is past the end). Templates: ``components/pagination.html`` and
``paginator.count_display``. Imports no app (README, "Layout").
"""

from __future__ import annotations

import math

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.functional import cached_property

from cobuild.params import parse_id

#: counts stop here: above it a list shows "1,000+" and pages by previous/next. A filtered list's
#: count reads rows until it has this many matches, so the cap bounds its cost: 10,000 made a
#: province's filtered activity list grow with the province (40 ms at 16 counties); the dashboards
#: give the exact figures.
COUNT_CAP = 1_000


class CappedPage(Page):
    """A page of a list longer than the cap: ``has_next`` from the one extra row fetched."""

    def __init__(self, object_list, number, paginator, has_more: bool):
        super().__init__(object_list, number, paginator)
        self._has_more = has_more

    def has_next(self):
        return self._has_more

    def end_index(self):
        return self.start_index() + len(self.object_list) - 1


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def count(self):
        """The exact count up to the cap, ``cap + 1`` beyond it (lists in memory: exact)."""
        rows = self.object_list
        if hasattr(rows, "query"):
            # a values list (e.g. ids read from an index) is counted as it is: an index-only read
            narrowed = rows if getattr(rows, "_fields", None) else rows.values("pk")
            return narrowed.order_by()[: self.cap + 1].count()
        return len(rows)

    @property
    def capped(self) -> bool:
        return hasattr(self.object_list, "query") and self.count > self.cap

    @property
    def count_display(self) -> str:
        return f"{self.cap:,}+" if self.capped else str(self.count)

    @cached_property
    def num_pages(self):
        if self.capped:
            return math.ceil(self.count / self.per_page)  # a floor: get_page's fallback for a bad number
        return super().num_pages

    def validate_number(self, number):
        if not self.capped:
            return super().validate_number(number)
        number = parse_id(number)  # ASCII digits only; a 20-digit page would overflow OFFSET
        if number is None:
            raise PageNotAnInteger(self.error_messages["invalid_page"])
        if number > MAX_PAGE:
            raise EmptyPage(self.error_messages["no_results"])
        return number

    def page(self, number):
        number = self.validate_number(number)
        if not self.capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom: bottom + self.per_page + 1])
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, has_more=len(rows) > self.per_page)

    def get_page(self, number):
        if not self.capped:
            return super().get_page(number)
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.num_pages)


#: pages beyond this answer the last page (an OFFSET that large is never a real page)
MAX_PAGE = 1_000_000


def paginate(request, rows, per_page: int, param: str = "page") -> Page:
    """The requested page of ``rows`` (a queryset or a list) through :class:`CappedPaginator`."""
    return CappedPaginator(rows, per_page).get_page(request.GET.get(param))
