"""Long lists people can use (issue 12 item 4): search, filters, sort and paging that
live in the URL, so that a list is bookmarkable, the back button works and a
download takes the same filters.

A view declares what its list understands and reads the request once:

    LIST = ListSpec(
        filters=("group", "category", "status"),
        sorts={"code": ("code",), "name": ("name", "code"), "total": ("-total", "code")},
        default_sort="code",
    )
    listing = LIST.read(request.GET)
    qs = listing.ordered(listing.searched(qs, "code", "name"))   # in a selector
    page = Paginator(qs, 50).get_page(listing.page)

Anything the list does not declare is ignored (a stale bookmark still opens);
a sort key outside `sorts` falls back to the default, so a URL can never order by
an arbitrary column. `-name` sorts descending. In templates, `{% sort_header
listing "name" label %}` writes the column header's link with `aria-sort`, and
`listing.query` / `listing.query_without_page` the query string for pagers and
downloads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from urllib.parse import urlencode

from django.db.models import Q

MAX_SEARCH = 100
MAX_PAGE = 1_000_000  # SQLite refuses an OFFSET past 64 bits


@dataclass(frozen=True)
class ListSpec:
    filters: Sequence[str] = ()
    sorts: Mapping[str, Sequence[str]] = field(default_factory=dict)
    default_sort: str = ""

    def read(self, params) -> Listing:
        q = str(params.get("q", "") or "").strip()[:MAX_SEARCH]
        values = {}
        for name in self.filters:
            value = str(params.get(name, "") or "").strip()[:MAX_SEARCH]
            if value:
                values[name] = value
        sort = str(params.get("sort", "") or "")
        key = sort.removeprefix("-")
        if key not in self.sorts:
            sort = self.default_sort
        try:
            page = min(max(1, int(params.get("page", "1"))), MAX_PAGE)
        except (TypeError, ValueError):
            page = 1
        return Listing(self, q, values, sort, page)


@dataclass(frozen=True)
class Listing:
    spec: ListSpec
    q: str
    filters: Mapping[str, str]
    sort: str
    page: int

    @property
    def sort_key(self) -> str:
        return self.sort.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    def get(self, name: str, default: str = "") -> str:
        return self.filters.get(name, default)

    def order_by(self) -> list[str]:
        """The ORM ordering of the chosen sort; descending flips every term."""
        terms = list(self.spec.sorts.get(self.sort_key, ()))
        if not self.descending:
            return terms
        return [t[1:] if t.startswith("-") else f"-{t}" for t in terms]

    def ordered(self, qs):
        terms = self.order_by()
        return qs.order_by(*terms) if terms else qs

    def searched(self, qs, *fields: str):
        """Rows whose any of `fields` contains the search text (case-insensitive)."""
        if not self.q or not fields:
            return qs
        return qs.filter(reduce(or_, (Q(**{f"{f}__icontains": self.q}) for f in fields)))

    def _params(self, **changes) -> dict[str, str]:
        params: dict[str, str] = {}
        if self.q:
            params["q"] = self.q
        params.update(self.filters)
        if self.sort and self.sort != self.spec.default_sort:
            params["sort"] = self.sort
        if self.page > 1:
            params["page"] = str(self.page)
        for key, value in changes.items():
            if value in (None, ""):
                params.pop(key, None)
            else:
                params[key] = str(value)
        return params

    def query_with(self, **changes) -> str:
        return urlencode(self._params(**changes))

    @property
    def query(self) -> str:
        return self.query_with()

    @property
    def query_without_page(self) -> str:
        """For pagers (`?{{ listing.query_without_page }}&page=2`) and downloads."""
        return self.query_with(page=None)

    def sort_link(self, key: str) -> tuple[str, str]:
        """(query string, aria-sort value) of a column header: a click on the
        column sorted ascending sorts it descending, any other sorts it ascending;
        the page goes back to 1."""
        if self.sort_key == key:
            target = key if self.descending else f"-{key}"
            state = "descending" if self.descending else "ascending"
        else:
            target, state = key, "none"
        return self.query_with(sort=target, page=None), state

    def cache_key(self) -> str:
        """What the fragment cache of the list's body is keyed on."""
        return self.query
