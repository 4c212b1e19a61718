"""Price history (issue 16, item 3): each publish writes spans for what changed, and `at=` reads
answer as the catalog stood then; `/catalog/v1/models/{id}/prices` lists each offer's spans."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from catalog.history import prune
from catalog.models import AIModel, ListingSpan, PriceSpan
from catalog.point_in_time import pricing_of
from catalog.render import instant_text
from catalog.services import catalog_publish
from gateways.registry import registered_kinds

from ..conftest import FIXTURES
from .conftest import ALPHA, BETA, Catalog, model

# Three publishes, an hour apart, in the past (so `at` between them reads the history, not today).
T1 = datetime.now(tz=UTC).replace(microsecond=0) - timedelta(hours=3)
T2, T3 = T1 + timedelta(hours=1), T1 + timedelta(hours=2)
BEFORE, BETWEEN_1_2, BETWEEN_2_3, AFTER = (
    T1 - timedelta(minutes=5),
    T1 + timedelta(minutes=30),
    T2 + timedelta(minutes=30),
    T3 + timedelta(days=1),
)


@pytest.fixture(autouse=True)
def removed_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about spans, not the grace period (tests/catalog/test_lifecycle.py): a model
    a list lacks is removed by that publish (no grace, one missed refresh), so its spans close there."""
    from catalog import lifecycle

    monkeypatch.setattr(lifecycle, "MIN_MISSED_REFRESHES", 1)
    from gateways.models import Gateway

    original = Gateway.objects.model._meta.get_field("missing_grace_seconds").default
    monkeypatch.setattr(Gateway._meta.get_field("missing_grace_seconds"), "default", 0)
    assert original  # the product's default is a real grace period


def spans() -> tuple[int, int]:
    return ListingSpan.objects.count(), PriceSpan.objects.count()


def publish(catalog: Catalog, slug: str, models: list[Any], now: datetime) -> Any:
    return catalog_publish(gateway=catalog.gateways[slug], models=models, force=True, now=now)


def price(model_id: str, prompt: str, completion: str = "0.000002", **fields: Any) -> Any:
    return model(model_id, prompt=prompt, completion=completion, **fields)


FIRST = [price("acme/chat", "0.000001"), model("acme/unpriced")]
SECOND = [price("acme/chat", "0.0000008"), model("acme/unpriced"), price("acme/new", "0.000003")]
THIRD = [price("acme/chat", "0.0000008"), price("acme/new", "0.000004")]  # unpriced vanished, new repriced


@pytest.fixture
def three_publishes(catalog: Catalog) -> Catalog:
    catalog.gateway("alpha", priority=90)
    catalog.gateway("beta", priority=50)
    publish(catalog, "alpha", FIRST, T1)
    publish(catalog, "beta", [price("Acme/Chat", "0.0000005", "0.000003")], T1)
    publish(catalog, "alpha", SECOND, T2)
    publish(catalog, "alpha", THIRD, T3)
    return catalog


def get(client: Client, path: str, **query: Any) -> Any:
    response = client.get(path, {k: instant_text(v) if isinstance(v, datetime) else v for k, v in query.items()})
    return response.status_code, response.json()


def heads(body: dict[str, Any]) -> dict[str, Any]:
    """id -> (pricing.prompt, input prices) of each listed model."""
    return {
        m["id"]: (m["pricing"]["prompt"], [p["usd"] for p in m["prices"] if p["component"] == "input_token"])
        for m in body["data"]
    }


# --- writing spans ---------------------------------------------------------------------------------


def test_spans_are_written_for_what_changed_only(three_publishes: Catalog) -> None:
    chat = AIModel.objects.get(gateway__slug="alpha", upstream_id="acme/chat")
    rows = PriceSpan.objects.filter(ai_model=chat).order_by("valid_from", "component")
    assert [(s.component, s.usd, s.valid_from, s.valid_to) for s in rows] == [
        ("input_token", "0.000001", T1, T2),
        ("output_token", "0.000002", T1, None),  # never changed: one span since the first publish
        ("input_token", "0.0000008", T2, None),
    ]
    unpriced = AIModel.objects.get(upstream_id="acme/unpriced")
    assert list(unpriced.listing_spans.values_list("valid_from", "valid_to")) == [(T1, T3)]  # listed, never priced
    assert not unpriced.price_spans.exists()


def test_an_unchanged_publish_writes_no_span(three_publishes: Catalog) -> None:
    before = list(PriceSpan.objects.values_list("pk", "valid_to")), list(ListingSpan.objects.values_list("pk", "valid_to"))
    result = publish(three_publishes, "alpha", THIRD, T3 + timedelta(hours=1))
    assert (result.changed, result.added, result.deactivated) == (0, 0, 0)
    assert (
        list(PriceSpan.objects.values_list("pk", "valid_to")),
        list(ListingSpan.objects.values_list("pk", "valid_to")),
    ) == before


def test_a_change_that_is_not_a_price_writes_no_span(three_publishes: Catalog) -> None:
    before = spans()
    renamed = [price("acme/chat", "0.0000008", name="Chat, renamed"), price("acme/new", "0.000004")]
    assert publish(three_publishes, "alpha", renamed, T3 + timedelta(hours=1)).changed == 1
    assert spans() == before and not PriceSpan.objects.filter(valid_to=T3 + timedelta(hours=1)).exists()


def test_a_publish_writes_history_rows_in_proportion_to_what_changed(catalog: Catalog) -> None:
    catalog.gateway("alpha")
    many = [price(f"acme/m{i}", "0.000001") for i in range(60)]
    publish(catalog, "alpha", many, T1)
    assert spans() == (60, 120)
    many[7] = price("acme/m7", "0.000002")
    publish(catalog, "alpha", many, T2)
    assert spans() == (60, 121)  # one span opened ...
    assert PriceSpan.objects.filter(valid_to=T2).count() == 1  # ... and one closed, of 120


def test_a_vanished_model_closes_its_spans_and_opens_new_ones_when_it_comes_back(three_publishes: Catalog) -> None:
    back = T3 + timedelta(hours=1)
    publish(three_publishes, "alpha", [*THIRD, model("acme/unpriced"), *FIRST[:0]], back)
    unpriced = AIModel.objects.get(upstream_id="acme/unpriced")
    assert list(unpriced.listing_spans.order_by("valid_from").values_list("valid_from", "valid_to")) == [(T1, T3), (back, None)]
    publish(three_publishes, "alpha", FIRST, back + timedelta(hours=1))  # acme/new vanishes now
    new = AIModel.objects.get(upstream_id="acme/new")
    assert not new.listing_spans.filter(valid_to__isnull=True).exists()
    assert not new.price_spans.filter(valid_to__isnull=True).exists()


def test_retention_drops_spans_that_closed_before_the_horizon(three_publishes: Catalog, settings: Any) -> None:
    now = T3 + timedelta(minutes=10)
    assert prune(now=now) == 0  # the default keeps everything
    settings.CATALOG_PRICE_HISTORY_DAYS = 1
    # chat's 0.000001 input (to T2), new's 0.000003 input (T2 to T3), unpriced's listing (to T3)
    assert prune(now=now + timedelta(days=1)) == 3
    assert not PriceSpan.objects.filter(valid_to__isnull=False).exists()


# --- at= reads -------------------------------------------------------------------------------------


def test_history_across_three_publishes(three_publishes: Catalog, client: Client) -> None:
    path = "/catalog/v1/models"
    status, body = get(client, path, gateway="alpha", at=BEFORE)
    assert status == 400
    assert body["error"]["param"] == "at"
    assert body["error"]["message"] == (
        f"at: {instant_text(BEFORE)} is before any data: the catalog's history begins at {instant_text(T1)}; "
        "ask for an instant at or after it"
    )

    status, body = get(client, path, gateway="alpha", at=BETWEEN_1_2)
    assert status == 200 and body["as_of"] == instant_text(BETWEEN_1_2)
    assert heads(body) == {"acme/chat": ("0.000001", ["0.000001"]), "acme/unpriced": (None, [])}
    assert (body["total"], body["has_more"]) == (2, False)

    status, body = get(client, path, gateway="alpha", at=BETWEEN_2_3)
    assert heads(body) == {
        "acme/chat": ("0.0000008", ["0.0000008"]),
        "acme/new": ("0.000003", ["0.000003"]),
        "acme/unpriced": (None, []),
    }

    status, body = get(client, path, gateway="alpha", at=AFTER)  # the future: the current catalog
    current = client.get(path, {"gateway": "alpha"}).json()
    assert body["as_of"] == instant_text(AFTER) and "as_of" not in current
    assert body["data"] == current["data"]
    assert heads(body) == {"acme/chat": ("0.0000008", ["0.0000008"]), "acme/new": ("0.000004", ["0.000004"])}


def test_an_at_read_between_publishes_equals_the_catalog_as_it_was_served_then(catalog: Catalog, client: Client) -> None:
    catalog.gateway("alpha", priority=90)
    catalog.gateway("beta", priority=50)
    publish(catalog, "alpha", ALPHA, T1)
    publish(catalog, "beta", BETA, T1)
    served_then = {path: client.get(path, {"limit": 1000}).json()["data"] for path in ("/catalog/v1/models", "/v1/models")}
    repriced = replace(ALPHA[0], pricing={"prompt": Decimal("0.000009"), "completion": None})
    publish(catalog, "alpha", [repriced, *ALPHA[1:3]], T2)  # one repriced, two vanished
    for path, then in served_then.items():
        assert client.get(path, {"limit": 1000}).json()["data"] != then
        then_now = client.get(path, {"limit": 1000, "at": instant_text(BETWEEN_1_2)}).content
        assert json.loads(then_now)["data"] == then


def test_at_on_the_merged_list_merges_the_rows_listed_then(three_publishes: Catalog, client: Client) -> None:
    status, body = get(client, "/catalog/v1/models", at=BETWEEN_1_2)
    chat = next(m for m in body["data"] if m["id"] == "acme/chat")
    assert [(o["gateway"], o["pricing"]["prompt"]) for o in chat["offers"]] == [("alpha", "0.000001"), ("beta", "0.0000005")]
    assert chat["lowest_pricing"]["prompt"] == "0.0000005"
    assert [m["id"] for m in body["data"]] == ["acme/chat", "acme/unpriced"]
    # Price filters and sorts use the prices then.
    status, body = get(client, "/catalog/v1/models", gateway="alpha", at=BETWEEN_2_3, sort="-prompt_price")
    assert [m["id"] for m in body["data"]] == ["acme/new", "acme/chat", "acme/unpriced"]
    status, body = get(client, "/v1/models", gateway="alpha", at=BETWEEN_2_3, max_prompt_price="0.000001")
    assert (body["object"], [m["id"] for m in body["data"]], body["as_of"]) == ("list", ["acme/chat"], instant_text(BETWEEN_2_3))


def test_at_on_the_detail_answers_the_model_then_and_404_when_it_was_not_listed(three_publishes: Catalog, client: Client) -> None:
    status, body = get(client, "/catalog/v1/models/acme/new", at=BETWEEN_1_2)
    assert status == 404 and body["error"]["code"] == "model_not_found"
    assert f"at {instant_text(BETWEEN_1_2)}" in body["error"]["message"]
    status, body = get(client, "/catalog/v1/models/acme/unpriced", at=BETWEEN_2_3)
    assert (status, body["data"]["id"], body["as_of"]) == (200, "acme/unpriced", instant_text(BETWEEN_2_3))
    assert get(client, "/catalog/v1/models/acme/unpriced")[0] == 410  # removed since: gone (catalog.lifecycle)
    status, body = get(client, "/catalog/v1/models/Acme/Chat", gateway="beta", at=BETWEEN_1_2)
    assert (status, body["matched_by"], body["data"]["pricing"]["prompt"]) == (200, "id", "0.0000005")
    assert [(o["gateway"], o["pricing"]["prompt"]) for o in body["data"]["offers"]] == [
        ("alpha", "0.000001"),
        ("beta", "0.0000005"),
    ]


def test_at_is_part_of_the_etag(three_publishes: Catalog, client: Client) -> None:
    etags = {client.get("/catalog/v1/models", {"at": instant_text(moment)})["ETag"] for moment in (BETWEEN_1_2, BETWEEN_2_3)}
    assert len(etags | {client.get("/catalog/v1/models")["ETag"]}) == 3


def test_at_before_any_publish_is_a_400(catalog: Catalog, client: Client) -> None:
    status, body = get(client, "/catalog/v1/models", at=T1)
    assert status == 400
    assert "the catalog's history is empty (nothing has been published yet)" in body["error"]["message"]


def test_served_pricing_is_rebuilt_exactly_from_the_prices(catalog: Catalog) -> None:
    body = json.loads((FIXTURES / "openrouter" / "components.json").read_text(), parse_float=Decimal)
    catalog.gateway("openrouter-copy")
    catalog.publish("openrouter-copy", registered_kinds()["openrouter"]().parse_body(body).models)
    for pricing, prices in AIModel.objects.values_list("pricing", "prices"):
        assert pricing_of(prices) == pricing


# --- GET /catalog/v1/models/{id}/prices ------------------------------------------------------------


def test_the_prices_endpoint_lists_each_offers_spans(three_publishes: Catalog, client: Client) -> None:
    status, body = get(client, "/catalog/v1/models/acme/chat/prices", component="input_token")
    assert status == 200
    t1, t2 = instant_text(T1), instant_text(T2)
    assert body["data"] == {
        "id": "acme/chat",
        "offers": [
            {
                "gateway": "alpha",
                "id": "acme/chat",
                "listed": [{"valid_from": t1, "valid_to": None}],
                "prices": [
                    {"component": "input_token", "unit": "token", "usd": "0.000001", "valid_from": t1, "valid_to": t2},
                    {"component": "input_token", "unit": "token", "usd": "0.0000008", "valid_from": t2, "valid_to": None},
                ],
            },
            {
                "gateway": "beta",
                "id": "Acme/Chat",
                "listed": [{"valid_from": t1, "valid_to": None}],
                "prices": [{"component": "input_token", "unit": "token", "usd": "0.0000005", "valid_from": t1, "valid_to": None}],
            },
        ],
    }
    status, body = get(client, "/catalog/v1/models/acme/chat/prices", gateway="alpha", component="input_token", since=T2)
    assert [(o["gateway"], [p["usd"] for p in o["prices"]]) for o in body["data"]["offers"]] == [("alpha", ["0.0000008"])]
    status, body = get(client, "/catalog/v1/models/acme/chat/prices", gateway="alpha", until=T2)
    assert [p["usd"] for p in body["data"]["offers"][0]["prices"]] == ["0.000001", "0.000002"]


def test_the_prices_endpoint_answers_for_a_model_no_longer_listed_and_404_for_an_unknown_one(
    three_publishes: Catalog, client: Client
) -> None:
    status, body = get(client, "/catalog/v1/models/acme/unpriced/prices")
    assert (status, body["data"]["offers"][0]["listed"]) == (
        200,
        [{"valid_from": instant_text(T1), "valid_to": instant_text(T3)}],
    )
    assert get(client, "/catalog/v1/models/nobody/nothing/prices")[0] == 404
    status, body = get(client, "/catalog/v1/models/acme/chat/prices", component="nonsense")
    assert (status, [o["prices"] for o in body["data"]["offers"]]) == (200, [[], []])


def test_a_first_publish_now_opens_spans_at_now(catalog: Catalog) -> None:
    catalog.gateway("alpha")
    before = timezone.now()
    catalog.publish("alpha", FIRST)
    assert ListingSpan.objects.filter(valid_from__gte=before, valid_to__isnull=True).count() == 2


# --- admin -----------------------------------------------------------------------------------------


def test_the_admin_draws_each_offers_price_history_as_a_step_chart(three_publishes: Catalog) -> None:
    from catalog.admin import price_history_html

    alpha, beta = (AIModel.objects.get(gateway__slug=slug, upstream_id__iexact="acme/chat") for slug in ("alpha", "beta"))
    html = price_history_html([(alpha.pk, "alpha: acme/chat"), (beta.pk, "beta: Acme/Chat")])
    assert html.count("<svg") == 2  # one chart per offer (both price per token)
    assert (
        "alpha: acme/chat, USD per 1M tokens. input_token: 1 → 0.8; output_token: 2." in html
        and "beta: Acme/Chat, USD per 1M tokens. input_token: 0.5; output_token: 3." in html
    )
    # alpha's input price is one line with a step down at the second publish; y runs from 0 at the
    # baseline (74) to the chart's peak, output's 2 (6): 1 is at 40, 0.8 at 46.8.
    alpha_input = html.split("<polyline")[1]
    points = alpha_input.split('points="')[1].split('"')[0].split(" ")
    assert len(points) == 4 and points[1].split(",")[0] == points[2].split(",")[0]  # a vertical step
    assert [float(p.split(",")[1]) for p in points] == [40.0, 40.0, 46.8, 46.8]
    assert price_history_html([(AIModel.objects.get(upstream_id="acme/unpriced").pk, "x")]) == "no price recorded"
