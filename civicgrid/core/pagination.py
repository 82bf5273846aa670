"""Pagination over large tables."""

from django.http import QueryDict


class PeekPage:
    """A page of a list that is never counted: it reads one row more than it shows to know whether
    there is a next page: over a million cases an exact count costs more than the page itself. Page
    numbers stop at `cap` rows, so that nobody asks the database to skip half a million rows; past
    that, `more` says to filter instead."""

    def __init__(self, rows, number, per_page: int, *, params=None, cap: int = 1000):
        self.cap = cap
        last = max(cap // per_page, 1)
        try:
            self.number = min(max(int(number), 1), last)
        except (TypeError, ValueError):
            self.number = 1
        start = (self.number - 1) * per_page
        found = list(rows[start : start + per_page + 1])
        self.object_list = found[:per_page]
        self.has_previous = self.number > 1
        self.has_next = len(found) > per_page and self.number < last
        self.more = len(found) > per_page and self.number == last
        self._params = params

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next or self.more

    def query(self, number: int) -> str:
        """The query string of page `number`, the other parameters kept."""
        params = self._params.copy() if self._params is not None else QueryDict(mutable=True)
        params["page"] = number
        return params.urlencode()
