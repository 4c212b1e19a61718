"""`at=` list pages against what the list served then (issue 16, item 3).

`catalog.point_in_time.model_page_at` rebuilds only the entries that changed since `at` and takes
every other entry from today's tables: the two are merged in one order. The oracle here is the
list itself: each page is read right after a publish, then read again later with `at=` that
instant, over every sort, several pages and filters, for one gateway and for the merge. Only
prices and listings change between the publishes (what `at` answers for), so the two reads must be
the same: the same entries, in the same order, with the same total.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from catalog import point_in_time
from catalog.render import instant_text
from catalog.serializers import SORT_VALUES

from .conftest import Catalog, model

T1 = datetime.now(tz=UTC).replace(microsecond=0) - timedelta(hours=3)
T2, T3 = T1 + timedelta(hours=1), T1 + timedelta(hours=2)

SORTS = [value for value in SORT_VALUES if value != "cost"]
PAGES = [(0, 50), (0, 3), (2, 3), (5, 4), (9, 5)]
FILTERS: list[dict[str, Any]] = [{}, {"max_prompt_price": "0.000002"}, {"min_context": "16000"}, {"q": "chat"}]


def item(model_id: str, prompt: str | None, *, context: int | None = 8000, name: str | None = None) -> Any:
    fields: dict[str, Any] = {"context_length": context}
    if name is not None:
        fields["name"] = name
    completion = None if prompt is None else "0.000004"
    return model(model_id, prompt=prompt, completion=completion, **fields)


# Ties on every sort (equal prices, equal contexts, equal names), unknown prices, one-offer and
# two-offer entries.
ALPHA_1 = [
    item("acme/chat-a", "0.000001", context=32000),
    item("acme/chat-b", "0.000001", context=8000, name="Same"),
    item("acme/chat-c", "0.000003", context=16000, name="Same"),
    item("acme/chat-d", None, context=None),
    item("acme/tool-e", "0.0000005", context=128000),
    item("acme/tool-f", "0.000002", context=8000),
    item("acme/tool-g", "0.000002", context=16000),
    item("acme/tool-h", None, context=64000),
]
BETA_1 = [
    item("acme/chat-a", "0.0000009", context=32000),
    item("acme/chat-c", "0.000005", context=16000),
    item("beta/solo-i", "0.000001", context=8000),
    item("beta/solo-j", None, context=8000),
]
# Second publish: some repriced (up, down, to unknown), one gone, one new.
ALPHA_2 = [
    item("acme/chat-a", "0.0000001", context=32000),
    item("acme/chat-b", "0.000001", context=8000, name="Same"),
    item("acme/chat-c", "0.000003", context=16000, name="Same"),
    item("acme/chat-d", "0.000002", context=None),
    item("acme/tool-e", "0.0000005", context=128000),
    item("acme/tool-g", None, context=16000),
    item("acme/tool-h", None, context=64000),
    item("acme/tool-k", "0.0000015", context=16000),
]
BETA_2 = [*BETA_1[:2], item("beta/solo-i", "0.000009", context=8000), BETA_1[3]]
# Third publish: one more change, so a read between the second and third rebuilds only it.
ALPHA_3 = [*ALPHA_2[:4], item("acme/tool-e", "0.0000035", context=128000), *ALPHA_2[5:]]


def queries() -> list[dict[str, Any]]:
    found = []
    for gateway in ("all", "alpha"):
        for sort in SORTS:
            for offset, limit in PAGES:
                found.append({"gateway": gateway, "sort": sort, "offset": offset, "limit": limit})
        for extra in FILTERS[1:]:
            for sort in ("", "prompt_price", "-context_length"):
                found.append({"gateway": gateway, "sort": sort, "offset": 1, "limit": 4, **extra})
    return [{key: value for key, value in query.items() if value != ""} for query in found]


def read(client: Client, query: dict[str, Any], at: datetime | None = None) -> tuple[int, list[tuple[str, Any, Any]]]:
    params = {**query, **({"at": instant_text(at)} if at else {})}
    response = client.get("/catalog/v1/models", params)
    assert response.status_code == 200, (params, response.content[:300])
    body = json.loads(response.content)
    return body["total"], [
        (entry["id"], entry["pricing"], [o["gateway"] for o in entry.get("offers") or []]) for entry in body["data"]
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kept", "listed"),
    [(True, True), (False, True), (False, False)],
    ids=["rebuilt-entries-kept", "rebuilt-every-read", "changed-rows-as-subqueries"],
)
def test_past_pages_are_the_pages_served_then(
    catalog: Catalog, client: Client, settings: Any, monkeypatch: pytest.MonkeyPatch, kept: bool, listed: bool
) -> None:
    # Hundreds of reads from one client: not what the anonymous rate limit is tested on.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon_catalog": "100000/min"}}
    # Kept: every read of an instant after its first reuses the entries rebuilt for it
    # (`point_in_time._rebuilt`); with no process memory each read rebuilds them.
    if not kept:
        settings.CATALOG_LOCAL_CACHE_BYTES = 0
    # Listed: the rows changed since the instant are read as a list first (a recent past); else
    # they are selected by subqueries, as for a far past with more than `LISTED_CHANGED`.
    if not listed:
        monkeypatch.setattr(point_in_time, "LISTED_CHANGED", 0)
    catalog.gateway("alpha", priority=90)
    catalog.gateway("beta", priority=50)
    served: dict[datetime, dict[str, Any]] = {}
    for when, alpha, beta in ((T1, ALPHA_1, BETA_1), (T2, ALPHA_2, BETA_2), (T3, ALPHA_3, BETA_2)):
        catalog.publish("alpha", alpha, now=when)
        catalog.publish("beta", beta, now=when)
        served[when] = {json.dumps(query, sort_keys=True): read(client, query) for query in queries()}

    # Each publish changed what the pages say (else the comparison below would prove nothing).
    assert served[T1] != served[T2] != served[T3]
    for when in (T1, T2):
        at = when + timedelta(minutes=30)
        for text, then in served[when].items():
            assert read(client, json.loads(text), at) == then, (when, text)


def span_queries(captured: Any) -> int:
    """Queries that read spans to rebuild entries (not the check that `at` is within the history)."""
    begins = 'MIN("catalog_listingspan"."valid_from")'
    return sum(
        ("catalog_pricespan" in query["sql"] or "catalog_listingspan" in query["sql"]) and begins not in query["sql"]
        for query in captured
    )


@pytest.mark.django_db
def test_a_past_instant_is_rebuilt_once_per_catalog_version(catalog: Catalog, client: Client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    catalog.gateway("alpha", priority=90)
    catalog.gateway("beta", priority=50)
    for when, alpha, beta in ((T1, ALPHA_1, BETA_1), (T2, ALPHA_2, BETA_2)):
        catalog.publish("alpha", alpha, now=when)
        catalog.publish("beta", beta, now=when)
    at = T1 + timedelta(minutes=30)
    with CaptureQueriesContext(connection) as first:
        total, page = read(client, {"limit": 3}, at)
    # Another page, sort and filter of the same instant: the rebuilt entries are reused.
    with CaptureQueriesContext(connection) as again:
        read(client, {"offset": 3, "limit": 3, "sort": "prompt_price"}, at)
        read(client, {"q": "chat"}, at)
    assert span_queries(first.captured_queries) > 0
    assert span_queries(again.captured_queries) == 0
    # A publish (a new catalog version) rebuilds the instant: its answer is still the past one,
    # and nothing rebuilt before is served for it.
    catalog.publish("alpha", ALPHA_3, now=T3)
    with CaptureQueriesContext(connection) as after:
        assert read(client, {"limit": 3}, at) == (total, page)
    assert span_queries(after.captured_queries) > 0
