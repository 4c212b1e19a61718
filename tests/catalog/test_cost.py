"""`GET /catalog/v1/cost` (issue 16, item 4): what a workload costs at each offer, exact, cheapest
first, with the tier and window that applied; unknown costs last and never 0. Every expected total
below is worked out by hand in its comment."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from catalog.cost import Workload, offer_cost

from .conftest import Catalog, model

D = Decimal
TIERED = (
    {"min_prompt_tokens": 200000, "prompt": D("0.000004"), "completion": D("0.000018")},
    {"utc_start": 2200, "utc_end": 600, "prompt": D("0.000001")},
)


# Published before every `at` below, so each is at or after the last publish: priced as today.
PUBLISHED = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def priced(catalog: Catalog) -> Catalog:
    catalog.gateway("router", priority=90)
    catalog.gateway("direct", priority=50)
    thinker = model("acme/thinker", prompt="0.000002", completion="0.000012", pricing_overrides=TIERED)
    thinker = replace(thinker, pricing={**thinker.pricing, "input_cache_read": D("0.0000002")})
    catalog.publish(
        "router",
        [
            thinker,
            model("acme/small", prompt="0.0000001", completion="0.0000004"),
            model("acme/unpriced"),  # no price at all
            model("bolt/vision", ins=("text", "image"), prompt="0.0000003", completion="0.0000009"),
        ],
        now=PUBLISHED,
    )
    catalog.publish("direct", [model("acme/thinker", prompt="0.0000025", completion="0.00001")], now=PUBLISHED)
    return catalog


def cost(client: Client, query: str) -> dict[str, Any]:
    response = client.get(f"/catalog/v1/cost?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_models_are_ranked_cheapest_first_and_unknown_costs_come_last_never_as_zero(priced: Catalog, client: Client) -> None:
    body = cost(client, "input_tokens=1000&output_tokens=500&at=2026-12-07T12:00:00Z")
    assert [(r["id"], r["gateway"], r["cost_usd"], r["complete"]) for r in body["data"]] == [
        # 1000 x 0.0000001 + 500 x 0.0000004 = 0.0001 + 0.0002
        ("acme/small", "router", "0.0003", True),
        # 1000 x 0.0000003 + 500 x 0.0000009 = 0.0003 + 0.00045
        ("bolt/vision", "router", "0.00075", True),
        # router: 0.002 + 0.006 = 0.008; direct: 0.0025 + 0.005 = 0.0075 (the cheaper offer)
        ("acme/thinker", "direct", "0.0075", True),
        ("acme/unpriced", "router", None, False),
    ]
    unpriced = body["data"][-1]
    assert unpriced["missing"] == ["input_token", "output_token"]
    assert [line["cost_usd"] for line in unpriced["breakdown"]] == [None, None]
    assert (body["total"], body["workload"], body["priced_at"]) == (
        4,
        {"input_tokens": 1000, "output_tokens": 500},
        "2026-12-07T12:00:00+00:00",
    )
    assert body["data"][2]["offers_priced"] == 2


def test_a_prompt_exactly_at_a_tier_threshold_pays_the_tier_price(priced: Catalog, client: Client) -> None:
    # 150,000 uncached + 50,000 cached = 200,000 prompt tokens: the >= 200,000 tier applies to
    # the input and output price; the cache read has no tier price and stays 0.0000002.
    at_threshold = cost(
        client,
        "model=acme/thinker&gateway=router&input_tokens=150000&cached_input_tokens=50000"
        "&output_tokens=1000&at=2026-12-07T12:00:00Z",
    )["data"]
    [row] = at_threshold
    assert row["breakdown"] == [
        {
            "component": "input_token",
            "unit": "token",
            "quantity": 150000,
            "usd_per_unit": "0.000004",
            "cost_usd": "0.6",
            "min_prompt_tokens": 200000,
        },
        {
            "component": "output_token",
            "unit": "token",
            "quantity": 1000,
            "usd_per_unit": "0.000018",
            "cost_usd": "0.018",
            "min_prompt_tokens": 200000,
        },
        {"component": "cache_read", "unit": "token", "quantity": 50000, "usd_per_unit": "0.0000002", "cost_usd": "0.01"},
    ]
    assert (row["cost_usd"], row["tier"], row["window"]) == ("0.628", {"min_prompt_tokens": 200000}, None)
    # One token fewer: base prices. 149,999 x 0.000002 + 1000 x 0.000012 + 50,000 x 0.0000002
    # = 0.299998 + 0.012 + 0.01
    below = cost(
        client,
        "model=acme/thinker&gateway=router&input_tokens=149999&cached_input_tokens=50000"
        "&output_tokens=1000&at=2026-12-07T12:00:00Z",
    )["data"][0]
    assert (below["cost_usd"], below["tier"]) == ("0.321998", None)


@pytest.mark.parametrize(
    ("at", "input_price", "window"),
    [
        ("2026-12-07T21:59:59Z", "0.000002", None),  # a second before the window opens
        ("2026-12-07T22:00:00Z", "0.000001", {"start": "22:00", "end": "06:00", "time_zone": "UTC"}),  # start: inside
        ("2026-12-08T05:59:00Z", "0.000001", {"start": "22:00", "end": "06:00", "time_zone": "UTC"}),
        ("2026-12-08T06:00:00Z", "0.000002", None),  # end: outside
        ("2026-12-08T01:00:00+02:00", "0.000001", {"start": "22:00", "end": "06:00", "time_zone": "UTC"}),  # 23:00 UTC
    ],
)
def test_a_window_price_applies_from_its_start_inclusive_to_its_end_exclusive(
    priced: Catalog, client: Client, at: str, input_price: str, window: Any
) -> None:
    query = f"model=acme/thinker&gateway=router&input_tokens=1000&at={at.replace('+', '%2B')}"
    [row] = cost(client, query)["data"]
    assert (row["breakdown"][0]["usd_per_unit"], row["window"]) == (input_price, window)
    assert row["cost_usd"] == str(D(input_price) * 1000).rstrip("0")


def test_a_model_s_offers_are_ranked_with_every_gateway(priced: Catalog, client: Client) -> None:
    body = cost(client, "model=acme/thinker&input_tokens=1000000&at=2026-12-07T12:00:00Z")
    # 1M tokens is a prompt above the tier: router 1,000,000 x 0.000004 = 4; direct has no tier: 2.5
    assert [(r["gateway"], r["upstream_id"], r["cost_usd"]) for r in body["data"]] == [
        ("direct", "acme/thinker", "2.5"),
        ("router", "acme/thinker", "4"),
    ]
    assert body["model"] == "acme/thinker"


def test_one_gateway_and_the_list_filters_narrow_the_ranking(priced: Catalog, client: Client) -> None:
    body = cost(client, "gateway=router&input_modalities=image&output_tokens=10&at=2026-12-07T12:00:00Z")
    assert [(r["id"], r["cost_usd"]) for r in body["data"]] == [("bolt/vision", "0.000009")]
    page = cost(client, "gateway=router&provider=acme&input_tokens=1&limit=1&offset=1&at=2026-12-07T12:00:00Z")
    assert ([r["id"] for r in page["data"]], page["total"], page["next_offset"]) == (["acme/thinker"], 3, 2)


def test_a_count_the_offer_has_no_price_for_makes_the_cost_unknown(priced: Catalog, client: Client) -> None:
    # acme/small has no cache-read price: its cached tokens are not priced as input, nor as 0.
    body = cost(client, "gateway=router&provider=acme&cached_input_tokens=1000&at=2026-12-07T12:00:00Z")
    assert [(r["id"], r["cost_usd"], r["missing"]) for r in body["data"]] == [
        ("acme/thinker", "0.0002", []),
        ("acme/small", None, ["cache_read"]),
        ("acme/unpriced", None, ["cache_read"]),
    ]


def test_a_price_decided_per_request_is_unknown() -> None:
    workload = Workload(counts={"input_tokens": 10}, at=datetime(2026, 12, 7, tzinfo=UTC))
    priced = [{"component": "input_token", "unit": "token", "usd": "0.000001"}]
    assert offer_cost(priced, workload).cost_usd == D("0.00001")
    assert offer_cost(priced, workload, dynamic=True).document()["cost_usd"] is None


def test_costs_are_exact_decimals(priced: Catalog, client: Client) -> None:
    # 333,333,333 x 0.0000001 = 33.3333333 exactly (a float would print 33.333333300000004)
    body = cost(client, "model=acme/small&input_tokens=333333333&at=2026-12-07T12:00:00Z")
    assert body["data"][0]["cost_usd"] == "33.3333333"


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("input_tokens=-1", "input_tokens"),
        ("output_tokens=1.5", "output_tokens"),
        ("images=many", "images"),
        ("input_tokens=10000000000000000", "input_tokens"),
        ("input_tokens=1&at=tomorrow", "at"),
        ("input_tokens=1&gateway=nowhere", "gateway"),
        ("input_tokens=1&colour=red", "colour"),
    ],
)
def test_bad_workloads_are_400s_naming_the_parameter(priced: Catalog, client: Client, query: str, param: Any) -> None:
    response = client.get(f"/catalog/v1/cost?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


@pytest.mark.parametrize("query", ["", "input_tokens=0&output_tokens=0"])
def test_the_empty_workload_costs_nothing_anywhere(priced: Catalog, client: Client, query: str) -> None:
    body = cost(client, query)
    assert [(r["id"], r["cost_usd"], r["complete"], r["breakdown"]) for r in body["data"]] == [
        ("acme/small", "0", True, []),
        ("acme/thinker", "0", True, []),
        ("acme/unpriced", "0", True, []),
        ("bolt/vision", "0", True, []),
    ]


def test_an_unknown_model_is_a_404_naming_it(priced: Catalog, client: Client) -> None:
    response = client.get("/catalog/v1/cost?model=nobody/nothing&input_tokens=1")
    assert response.status_code == 404
    assert response.json()["error"]["param"] == "model"


def test_sort_cost_orders_the_model_list_by_the_workload(priced: Catalog, client: Client) -> None:
    body = client.get("/catalog/v1/models?sort=cost&input_tokens=1000&output_tokens=500&limit=3").json()
    # the same order as /catalog/v1/cost: small, vision, thinker (its direct offer), unpriced last
    assert [m["id"] for m in body["data"]] == ["acme/small", "bolt/vision", "acme/thinker"]
    assert (body["total"], body["next_offset"]) == (4, 3)
    rest = client.get("/v1/models?sort=cost&input_tokens=1000&output_tokens=500&gateway=router").json()
    assert [m["id"] for m in rest["data"]] == ["acme/small", "bolt/vision", "acme/thinker", "acme/unpriced"]


def test_workload_counts_order_the_list_only_with_sort_cost(priced: Catalog, client: Client) -> None:
    ids = ["acme/small", "acme/thinker", "acme/unpriced", "bolt/vision"]
    for query in ("input_tokens=5", "sort=cost"):  # counts alone, or the empty workload: the id order
        assert [m["id"] for m in client.get(f"/catalog/v1/models?{query}").json()["data"]] == ids, query
    response = client.get("/catalog/v1/models?sort=cost&input_tokens=-5")
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("input_tokens: must be a whole number from 0 to")


def test_a_past_at_prices_the_offers_listed_then_at_their_prices_then(priced: Catalog, client: Client) -> None:
    # Thirteen hours after the fixture's publish, `direct` doubles its price, `router` raises
    # acme/small tenfold and no longer states bolt/vision's prices.
    later = datetime(2026, 12, 1, 13, tzinfo=UTC)
    priced.publish("direct", [model("acme/thinker", prompt="0.000005", completion="0.00002")], now=later)
    thinker = model("acme/thinker", prompt="0.000002", completion="0.000012", pricing_overrides=TIERED)
    small = model("acme/small", prompt="0.000001", completion="0.000004")
    router = [thinker, small, model("acme/unpriced"), model("bolt/vision", ins=("text", "image"))]
    priced.publish("router", router, now=later)
    workload = "input_tokens=1000&output_tokens=500"
    then = cost(client, f"{workload}&at=2026-12-01T12:00:00Z")["data"]
    now = cost(client, f"{workload}&at=2026-12-07T12:00:00Z")["data"]
    # Then: the fixture's prices, direct's thinker at 0.0025 + 0.005.
    assert [(r["id"], r["gateway"], r["cost_usd"]) for r in then] == [
        ("acme/small", "router", "0.0003"),
        ("bolt/vision", "router", "0.00075"),
        ("acme/thinker", "direct", "0.0075"),
        ("acme/unpriced", "router", None),
    ]
    # Now: acme/small 0.001 + 0.002; router's thinker (0.002 + 0.006) beats direct's (0.005 + 0.01);
    # bolt/vision is unpriced.
    assert [(r["id"], r["gateway"], r["cost_usd"]) for r in now] == [
        ("acme/small", "router", "0.003"),
        ("acme/thinker", "router", "0.008"),
        ("acme/unpriced", "router", None),
        ("bolt/vision", "router", None),
    ]
    offers_then = cost(client, f"model=acme/thinker&{workload}&at=2026-12-01T12:00:00Z")["data"]
    assert [(r["gateway"], r["cost_usd"]) for r in offers_then] == [("direct", "0.0075"), ("router", "0.008")]
    # `sort=cost` on the list ranks the same way, then and now.
    listed = client.get(f"/catalog/v1/models?sort=cost&{workload}&at=2026-12-01T12:00:00Z").json()["data"]
    assert [entry["id"] for entry in listed] == ["acme/small", "bolt/vision", "acme/thinker", "acme/unpriced"]
    listed = client.get(f"/catalog/v1/models?sort=cost&{workload}").json()["data"]
    assert [entry["id"] for entry in listed] == ["acme/small", "acme/thinker", "acme/unpriced", "bolt/vision"]


def test_an_at_before_the_history_is_a_400_naming_it(priced: Catalog, client: Client) -> None:
    response = client.get("/catalog/v1/cost?input_tokens=1&at=2020-01-01T00:00:00Z")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "at"
    assert "before any data" in response.json()["error"]["message"]
