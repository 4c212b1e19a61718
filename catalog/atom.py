"""The change feed as Atom 1.0 (RFC 4287): `GET /catalog/v1/changes.atom`.

One entry per change, newest first, titled in words (`catalog.change_text`). Ids are permanent:
the feed's is its own URL with its filters in a fixed order (whatever order or spelling a reader
used), an entry's a `urn:uuid` derived from this server's address and the change's id, so a
reader that fetches the feed again, through any filter, recognises an entry it has seen.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

from django.urls import reverse

from catalog.change_text import change_text, change_title
from catalog.selectors import ChangeFilters

NS = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
EMPTY_FEED_UPDATED = "1970-01-01T00:00:00+00:00"  # a feed with no entry has changed never
AUTHOR = "AI model catalog"
# Characters XML 1.0 cannot carry at all (an upstream id could hold one); they are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class FeedAddress:
    """Where the feed lives: `base` is this server's scheme and host (`https://api.example.com`)."""

    base: str
    filters: ChangeFilters
    limit: int

    def query(self) -> list[tuple[str, str]]:
        """The filters as query parameters, in a fixed order and spelling."""
        f = self.filters
        pairs = [
            ("gateway", "" if f.gateway == "all" else f.gateway),
            ("model", ",".join(f.models)),
            ("kind", f.kind),
            ("component", ",".join(f.components)),
            ("min_change_percent", "" if f.min_change_percent is None else f"{f.min_change_percent.normalize():f}"),
            ("since", f.since.isoformat() if f.since else ""),
        ]
        return [(name, value) for name, value in pairs if value]

    def url(self, path: str, pairs: Iterable[tuple[str, str]] = ()) -> str:
        query = urlencode(list(pairs))
        return self.base + path + (f"?{query}" if query else "")

    def feed_id(self) -> str:
        return self.url(reverse("catalog:change-feed"), self.query())

    def self_link(self) -> str:
        return self.url(reverse("catalog:change-feed"), [*self.query(), ("limit", str(self.limit))])

    def json_link(self) -> str:
        return self.url(reverse("catalog:change-list"), self.query())

    def entry_id(self, change_id: int) -> str:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"{self.url(reverse('catalog:change-list'))}#{change_id}").urn

    def model_link(self, change: Mapping[str, Any]) -> str:
        path = reverse("catalog:model-detail", kwargs={"model_id": change["model_id"]})
        return self.url(path, [("gateway", change["gateway"])])


def _add(parent: ElementTree.Element, tag: str, text: str | None = None, **attributes: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, tag, {k: _NOT_XML.sub("", v) for k, v in attributes.items()})
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def _feed_title(filters: ChangeFilters) -> str:
    said = [f"{name}={value}" for name, value in FeedAddress(base="", filters=filters, limit=0).query()]
    return "AI model catalog changes" + (f" ({', '.join(said)})" if said else "")


def feed_document(*, address: FeedAddress, changes: list[dict[str, Any]]) -> bytes:
    """The feed: `changes` as `catalog.selectors.change_feed` returns them (newest first)."""
    feed = ElementTree.Element("feed", xmlns=NS)  # unprefixed names below are in the Atom namespace
    _add(feed, "id", address.feed_id())
    _add(feed, "title", _feed_title(address.filters))
    _add(feed, "updated", changes[0]["recorded_at"] if changes else EMPTY_FEED_UPDATED)
    _add(_add(feed, "author"), "name", AUTHOR)
    _add(feed, "link", rel="self", type="application/atom+xml", href=address.self_link())
    _add(feed, "link", rel="alternate", type="application/json", href=address.json_link())
    for change in changes:
        entry = _add(feed, "entry")
        _add(entry, "id", address.entry_id(change["id"]))
        _add(entry, "title", change_title(change))
        _add(entry, "updated", change["recorded_at"])
        _add(entry, "link", rel="alternate", type="application/json", href=address.model_link(change))
        _add(entry, "category", term=change["kind"])
        _add(entry, "content", change_text(change), type="text")
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
