"""The pagination styles upstreams use, as small declarations an adapter names in `pages`.

Each style says which query parameters ask for the first page and, from one page's body, what
the next request is: new query parameters on the same path, a URL, or None after the last page.
`Adapter.fetch` follows them (with its page cap and its repeated-page check).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateways.adapters.values import dig

Next = dict[str, Any] | str | None


@dataclass(frozen=True, slots=True)
class Pagination:
    def first(self, params: dict[str, Any]) -> dict[str, Any]:
        return params

    def next(self, body: Any, params: dict[str, Any]) -> Next:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class PageNumbers(Pagination):
    """`?page=1&per_page=N`, until the body's current page reaches its page count (or the body
    has no pagination object: an unpaged list). With `items` (the path of the page's list), a body
    that states no page count goes on to the next page until a page comes back empty (an upstream
    may cap its page size below ours, so a short page does not prove it was the last)."""

    size: int
    page: str = "page"
    per_page: str = "per_page"
    current: str = "pagination.current_page"
    total: str = "pagination.total_pages"
    items: str | None = None

    def first(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**params, self.per_page: self.size, self.page: 1}

    def next(self, body: Any, params: dict[str, Any]) -> Next:
        current, total = dig(body, self.current), dig(body, self.total)
        if isinstance(current, int) and isinstance(total, int):
            return {**params, self.page: current + 1} if current < total else None
        if self.items is None or not dig(body, self.items):
            return None
        page = current if isinstance(current, int) else params.get(self.page)
        return {**params, self.page: page + 1} if isinstance(page, int) else None


@dataclass(frozen=True, slots=True)
class PageTokens(Pagination):
    """The body names the next page's token (`nextPageToken`); it goes back as `?pageToken=`."""

    param: str = "pageToken"
    field: str = "nextPageToken"

    def next(self, body: Any, params: dict[str, Any]) -> Next:
        token = dig(body, self.field)
        return {**params, self.param: token} if isinstance(token, str) and token else None


@dataclass(frozen=True, slots=True)
class Cursors(Pagination):
    """`next_cursor` goes back as `?cursor=` while `has_more` is true (or, without that flag,
    while there is a cursor)."""

    param: str = "cursor"
    field: str = "next_cursor"
    more: str | None = "has_more"

    def next(self, body: Any, params: dict[str, Any]) -> Next:
        cursor = dig(body, self.field)
        if self.more is not None and dig(body, self.more) is False:
            return None
        return {**params, self.param: cursor} if isinstance(cursor, str) and cursor else None


@dataclass(frozen=True, slots=True)
class NextLinks(Pagination):
    """The body holds the next page's URL (`links.next`), null or absent on the last page."""

    field: str = "links.next"

    def next(self, body: Any, params: dict[str, Any]) -> Next:
        following = dig(body, self.field)
        return following if isinstance(following, str) and following else None
