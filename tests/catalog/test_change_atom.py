"""`GET /catalog/v1/changes.atom`: valid Atom 1.0 (RFC 4287, checked with xml.etree against the
Atom namespace and with feedparser), one entry per change, titles a person reads, ETag/304."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

import feedparser
import pytest
from django.test import Client

from catalog.models import ModelChange

from .conftest import ALPHA, GAMMA

pytestmark = pytest.mark.django_db

A = "{http://www.w3.org/2005/Atom}"


def _atom(client: Client, query: str = "") -> tuple[Any, ElementTree.Element]:
    response = client.get(f"/catalog/v1/changes.atom{query}")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return response, ElementTree.fromstring(response.content)  # noqa: S314 - our own response


def _assert_rfc4287(feed: ElementTree.Element) -> None:
    """The elements RFC 4287 requires of a feed and of each entry (4.1.1, 4.1.2)."""
    assert feed.tag == f"{A}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{A}{name}")) == 1, name
        assert (feed.findtext(f"{A}{name}") or "").strip(), name
    assert feed.find(f"{A}author/{A}name") is not None  # or an author in every entry
    assert [link.get("rel") for link in feed.findall(f"{A}link")] == ["self", "alternate"]
    for entry in feed.findall(f"{A}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{name}")) == 1, name
            assert (entry.findtext(f"{A}{name}") or "").strip(), name
        links = entry.findall(f"{A}link")
        assert links and all(link.get("href", "").startswith("http://testserver/") for link in links)


def test_the_feed_is_valid_atom_with_one_entry_per_change(small_catalog: Any, client: Client) -> None:
    response, feed = _atom(client, "?limit=100")
    _assert_rfc4287(feed)
    entries = feed.findall(f"{A}entry")
    assert len(entries) == ModelChange.objects.count() == 10
    assert len({entry.findtext(f"{A}id") for entry in entries}) == 10
    assert feed.findtext(f"{A}updated") == entries[0].findtext(f"{A}updated")  # the newest entry's

    parsed = feedparser.parse(response.content)
    assert (parsed.bozo, parsed.version) == (False, "atom10")
    assert parsed.feed.title == "AI model catalog changes"
    assert [e.title for e in parsed.entries] == [entry.findtext(f"{A}title") for entry in entries]
    assert parsed.entries[-1].title == "acme/alpha-chat added at alpha: input $1.00, output $2.00 per 1M tokens"


def test_titles_say_what_changed_in_words(small_catalog: Any, client: Client) -> None:
    small_catalog.publish(
        "alpha",
        [replace(m, pricing={**m.pricing, "prompt": Decimal("0.0000008")}) if m.id == "acme/alpha-chat" else m for m in ALPHA],
    )
    small_catalog.publish(
        "gamma", [replace(GAMMA[0], context_length=4096, pricing={"prompt": None, "completion": Decimal("0.0000002")})]
    )
    small_catalog.publish("beta", [replace(m, id="bolt/embedder") for m in ALPHA[2:3]])  # four of beta's models gone
    _, feed = _atom(client, "?limit=100")
    titles = [entry.findtext(f"{A}title") for entry in feed.findall(f"{A}entry")]
    assert sorted(titles[:3]) == [  # missing first; removed after the grace period (catalog.lifecycle)
        "@cloudone/omni missing from beta's list (still served during the grace period)",
        "@cloudtwo/omni missing from beta's list (still served during the grace period)",
        "Acme/Alpha-Chat missing from beta's list (still served during the grace period)",
    ]
    assert titles[3:7] == [
        "bolt/embedder at beta: input $0.05 -> $0.10 per 1M tokens",
        "solo/tiny at gamma: context 2,048 -> 4,096 tokens",
        "solo/tiny at gamma: input $0.20 -> unknown per 1M tokens",
        "acme/alpha-chat at alpha: input $1.00 -> $0.80 per 1M tokens",
    ]
    first_price = feed.findall(f"{A}entry")[6]
    assert first_price.find(f"{A}content").get("type") == "text"
    assert first_price.findtext(f"{A}content").splitlines()[1:3] == [
        "input: $1.00 -> $0.80 per 1M tokens",
        "Largest per-token price change: 20%",
    ]
    link = first_price.find(f"{A}link").get("href")
    assert link == "http://testserver/catalog/v1/models/acme/alpha-chat?gateway=alpha"
    assert client.get(link.removeprefix("http://testserver")).status_code == 200


def test_the_feed_takes_the_same_filters_as_the_json_list(small_catalog: Any, client: Client) -> None:
    small_catalog.publish("gamma", [replace(GAMMA[0], pricing={**GAMMA[0].pricing, "prompt": Decimal("0.0000004")})])
    _, feed = _atom(client, "?gateway=GAMMA&kind=price_changed&min_change_percent=50&model=Solo/Tiny")
    _assert_rfc4287(feed)
    assert [e.findtext(f"{A}title") for e in feed.findall(f"{A}entry")] == [
        "solo/tiny at gamma: input $0.20 -> $0.40 per 1M tokens"
    ]
    # The feed's id is its filters in one order and spelling, whatever the reader sent.
    assert feed.findtext(f"{A}id") == (
        "http://testserver/catalog/v1/changes.atom?gateway=gamma&model=solo%2Ftiny&kind=price_changed&min_change_percent=50"
    )
    _, same = _atom(client, "?model=solo/tiny&min_change_percent=50.0&kind=price_changed&gateway=gamma&limit=5")
    assert same.findtext(f"{A}id") == feed.findtext(f"{A}id")
    alternate = next(link for link in feed.findall(f"{A}link") if link.get("rel") == "alternate").get("href")
    listed = client.get(alternate.removeprefix("http://testserver")).json()
    assert [c["model_id"] for c in listed["data"]] == ["solo/tiny"]
    _, empty = _atom(client, "?gateway=gamma&kind=removed")
    _assert_rfc4287(empty)
    assert (empty.findall(f"{A}entry"), empty.findtext(f"{A}updated")) == ([], "1970-01-01T00:00:00+00:00")


def test_an_entry_keeps_its_id_across_filters_and_pages(small_catalog: Any, client: Client) -> None:
    _, everything = _atom(client, "?limit=100")
    _, gamma = _atom(client, "?gateway=gamma")
    ids = {e.findtext(f"{A}title"): e.findtext(f"{A}id") for e in everything.findall(f"{A}entry")}
    (entry,) = gamma.findall(f"{A}entry")
    assert ids[entry.findtext(f"{A}title")] == entry.findtext(f"{A}id")
    assert entry.findtext(f"{A}id").startswith("urn:uuid:")


def test_the_feed_answers_304_until_the_next_publish(small_catalog: Any, client: Client) -> None:
    first, _ = _atom(client)
    assert client.get("/catalog/v1/changes.atom", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    small_catalog.publish("gamma", [replace(GAMMA[0], context_length=4096)])
    assert client.get("/catalog/v1/changes.atom", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    gzipped = client.get("/catalog/v1/changes.atom", HTTP_ACCEPT_ENCODING="gzip")
    assert (gzipped["Content-Encoding"], gzipped["Content-Type"]) == ("gzip", "application/atom+xml; charset=utf-8")


def test_a_hostile_model_id_is_text_in_well_formed_xml(small_catalog: Any, client: Client) -> None:
    hostile = 'evil/<script>alert("x")</script>&\x01'
    small_catalog.publish("gamma", [*GAMMA, replace(GAMMA[0], id=hostile)])
    response, feed = _atom(client)
    assert b"<script>" not in response.content
    assert (
        feed.findall(f"{A}entry")[0].findtext(f"{A}title")
        == 'evil/<script>alert("x")</script>& added at gamma: input $0.20, output $0.20 per 1M tokens'
    )
    assert feedparser.parse(response.content).bozo is False


def test_offset_and_cursor_are_not_feed_parameters(small_catalog: Any, client: Client) -> None:
    for name in ("offset", "cursor"):
        error = client.get(f"/catalog/v1/changes.atom?{name}=1").json()["error"]
        assert (error["param"], error["code"]) == (name, "unknown_parameter")
