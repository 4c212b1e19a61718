"""Prices as components (issue 16, items 1, 2 and 5): every price with its unit, tiers and windows;
a price that is not per token never stands in a per-token field, sort, filter or range; offers and
the change feed carry every component."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from catalog.models import AIModel, ModelChange
from catalog.price_spread import prompt_price_spread
from catalog.prices import MEDIA_PER_TOKEN_CEILING, PER_TOKEN_CEILING, Price, Window, components, served_pricing
from gateways.registry import registered_kinds

from ..conftest import FIXTURES
from .conftest import Catalog, model

D = Decimal


def openrouter_models(**options: Any) -> list[Any]:
    body = json.loads((FIXTURES / "openrouter" / "components.json").read_text(), parse_float=Decimal)
    return registered_kinds()["openrouter"]().parse_body(body).models


# --- the rule, as a function ----------------------------------------------------------------------


def test_every_openrouter_key_is_the_component_it_bills_with_its_unit() -> None:
    pricing = {
        "prompt": D("0.000001"),
        "completion": D("0.000002"),
        "input_cache_read": D("0.0000001"),
        "input_cache_write": D("0.00000125"),
        "input_cache_write_1h": D("0.000002"),
        "internal_reasoning": D("0.000002"),
        "audio": D("0.00003"),
        "audio_output": D("0.00006"),
        "input_audio_cache": D("0.000003"),
        "image_token": D("0.000001"),
        "image_output": D("0.00003"),
        "image": D("0.001"),
        "request": D("0.0005"),
        "web_search": D("0.01"),
    }
    found = {(p.component, p.unit): p.usd for p in components(pricing, outputs=("text", "image"))}
    assert found == {
        ("input_token", "token"): D("0.000001"),
        ("output_token", "token"): D("0.000002"),
        ("cache_read", "token"): D("0.0000001"),
        ("cache_write_5m", "token"): D("0.00000125"),
        ("cache_write_1h", "token"): D("0.000002"),
        ("reasoning_token", "token"): D("0.000002"),
        ("audio_input_token", "token"): D("0.00003"),
        ("audio_output_token", "token"): D("0.00006"),
        ("audio_cache_read", "token"): D("0.000003"),
        ("image_input_token", "token"): D("0.000001"),
        ("image_output_token", "token"): D("0.00003"),
        ("image_input", "image"): D("0.001"),
        ("request", "request"): D("0.0005"),
        ("web_search", "search"): D("0.01"),
    }


def test_unknown_prices_are_no_component_and_a_new_key_keeps_its_name_with_no_unit_claimed() -> None:
    found = components({"prompt": None, "completion": D("0"), "video_second": D("0.1")}, outputs=("text",))
    assert found == [Price("output_token", "token", D("0")), Price("video_second", "unstated", D("0.1"))]


@pytest.mark.parametrize(
    ("outputs", "value", "unit"),
    [
        (("text",), PER_TOKEN_CEILING, "token"),  # USD 1,000 per 1M: still believed
        (("text",), PER_TOKEN_CEILING + D("0.000001"), "unstated"),
        (("transcription",), MEDIA_PER_TOKEN_CEILING, "token"),
        (("transcription",), MEDIA_PER_TOKEN_CEILING * 2, "unstated"),
        (("image",), D("0.36"), "unstated"),
    ],
)
def test_a_per_token_key_above_the_ceiling_is_not_believed_to_be_per_token(outputs: Any, value: Decimal, unit: str) -> None:
    [price] = components({"prompt": value}, outputs=outputs)
    assert (price.component, price.unit) == (("input_token", "token") if unit == "token" else ("input", "unstated"))
    assert served_pricing({"prompt": value}, outputs=outputs)["prompt"] == (value if unit == "token" else None)


def test_a_unit_the_adapter_states_wins_and_leaves_the_per_token_field() -> None:
    pricing = {"prompt": D("0.000065"), "completion": D("0")}
    stated = {"prompt": "character", "completion": "unstated"}
    assert components(pricing, stated=stated, outputs=("speech",)) == [
        Price("character", "character", D("0.000065")),
        Price("output", "unstated", D("0")),
    ]
    assert served_pricing(pricing, stated=stated, outputs=("speech",)) == {"prompt": None, "completion": None}


def test_tiers_and_windows_are_components_with_their_threshold_and_window() -> None:
    overrides = [
        {"min_prompt_tokens": 200000, "prompt": D("0.000004"), "input_cache_read": D("0.0000004")},
        {"utc_start": 2230, "utc_end": 630, "completion": D("0.000001")},
    ]
    found = components({"prompt": D("0.000002"), "completion": D("0.000008")}, overrides, outputs=("text",))
    night = Window(22 * 60 + 30, 6 * 60 + 30)
    assert found == [
        Price("input_token", "token", D("0.000002")),
        Price("output_token", "token", D("0.000008")),
        Price("input_token", "token", D("0.000004"), min_prompt_tokens=200000),
        Price("cache_read", "token", D("0.0000004"), min_prompt_tokens=200000),
        Price("output_token", "token", D("0.000001"), window=night),
    ]
    assert found[-1].document() == {
        "component": "output_token",
        "unit": "token",
        "usd": "0.000001",
        "window": {"start": "22:30", "end": "06:30", "time_zone": "UTC"},
    }


@pytest.mark.parametrize(
    ("minute", "inside"),
    [(22 * 60 + 29, False), (22 * 60 + 30, True), (0, True), (6 * 60 + 29, True), (6 * 60 + 30, False), (12 * 60, False)],
)
def test_a_window_holds_from_its_start_inclusive_to_its_end_exclusive_across_midnight(minute: int, inside: bool) -> None:
    assert Window(22 * 60 + 30, 6 * 60 + 30).holds(minute) is inside


def test_a_window_inside_one_day_holds_between_its_ends() -> None:
    office = Window(9 * 60, 17 * 60)
    assert [office.holds(m) for m in (9 * 60 - 1, 9 * 60, 17 * 60 - 1, 17 * 60)] == [False, True, True, False]


@given(st.decimals(min_value=D("0"), max_value=PER_TOKEN_CEILING, allow_nan=False, allow_infinity=False, places=20))
def test_a_per_token_price_is_served_exactly_as_stated(value: Decimal) -> None:
    [price] = components({"prompt": value}, outputs=("text",))
    assert (price.unit, Decimal(price.document()["usd"])) == ("token", value)
    assert "e" not in price.document()["usd"].lower()


# --- served, sorted, filtered, merged ------------------------------------------------------------


@pytest.fixture
def priced(catalog: Catalog) -> Catalog:
    catalog.gateway("router", priority=90)
    catalog.gateway("direct", priority=50)
    catalog.publish("router", openrouter_models())
    # The same transcription model at a direct provider, priced per token.
    catalog.publish("direct", [model("acme/voice-transcribe-2", ins=("audio",), outs=("transcription",), prompt="0.000006")])
    return catalog


def test_a_per_audio_price_is_served_with_its_unit_and_never_as_a_token_price(priced: Catalog, client: Client) -> None:
    body = client.get("/catalog/v1/models/acme/voice-transcribe-2?gateway=router").json()["data"]
    assert body["pricing"] == {"prompt": None, "completion": None}
    assert body["prices"] == [{"component": "input", "unit": "unstated", "usd": "0.36"}]
    row = AIModel.objects.get(gateway__slug="router", upstream_id="acme/voice-transcribe-2")
    assert (row.prompt_price, row.completion_price, row.is_free) == (None, None, False)


def test_the_dearest_model_by_prompt_price_is_a_token_price(priced: Catalog, client: Client) -> None:
    page = client.get("/catalog/v1/models?gateway=router&sort=-prompt_price").json()["data"]
    assert [(m["id"], m["pricing"]["prompt"]) for m in page] == [
        ("acme/picture-1", "0.000005"),
        ("acme/long-thinker", "0.00000125"),
        ("acme/night-owl", "0.00000056"),
        ("acme/voice-transcribe-2", None),  # unknown sorts last
    ]
    cheap = client.get("/catalog/v1/models?gateway=router&max_prompt_price=1").json()["data"]
    assert "acme/voice-transcribe-2" not in [m["id"] for m in cheap]
    spread = prompt_price_spread(gateway_id=priced.gateways["router"].pk)
    assert spread is not None
    assert (spread.priced, spread.dearest.upstream_id, spread.dearest.prompt_price) == (3, "acme/picture-1", D("0.000005"))


def test_offers_carry_every_component_and_the_lowest_prices_are_per_component(priced: Catalog, client: Client) -> None:
    entry = client.get("/catalog/v1/models/acme/voice-transcribe-2").json()["data"]
    assert [(o["gateway"], o["prices"]) for o in entry["offers"]] == [
        ("router", [{"component": "input", "unit": "unstated", "usd": "0.36"}]),
        ("direct", [{"component": "input_token", "unit": "token", "usd": "0.000006"}]),
    ]
    # The per-audio price is no per-token price: the lowest prompt price is the direct one.
    assert entry["lowest_pricing"] == {"prompt": "0.000006", "completion": None}
    assert entry["lowest_prices"] == [
        {"component": "input", "unit": "unstated", "usd": "0.36", "gateway": "router"},
        {"component": "input_token", "unit": "token", "usd": "0.000006", "gateway": "direct"},
    ]
    thinker = client.get("/catalog/v1/models/acme/long-thinker").json()["data"]
    tiered = [p for p in thinker["offers"][0]["prices"] if "min_prompt_tokens" in p]
    assert tiered == [
        {"component": "input_token", "unit": "token", "usd": "0.0000025", "min_prompt_tokens": 200000},
        {"component": "output_token", "unit": "token", "usd": "0.000015", "min_prompt_tokens": 200000},
        {"component": "cache_read", "unit": "token", "usd": "0.00000025", "min_prompt_tokens": 200000},
    ]
    assert thinker["lowest_pricing"]["input_cache_write_1h"] == "0.0000025"
    assert {p["component"] for p in thinker["lowest_prices"]} >= {"cache_read", "cache_write_1h", "web_search"}
    assert not [p for p in thinker["lowest_prices"] if "min_prompt_tokens" in p or "window" in p]


def test_a_change_of_any_component_is_a_price_change_naming_it(priced: Catalog) -> None:
    models = {m.id: m for m in openrouter_models()}
    thinker = models["acme/long-thinker"]
    cheaper_cache = replace(thinker, pricing={**thinker.pricing, "input_cache_read": D("0.0000001")})
    night = models["acme/night-owl"]
    tier = dict(night.pricing_overrides[0])
    later_window = replace(night, pricing_overrides=({**tier, "utc_start": 1700},))
    before = ModelChange.objects.count()

    priced.publish("router", [*(m for m in models.values() if m.id not in (thinker.id, night.id)), cheaper_cache, later_window])

    changes = list(ModelChange.objects.order_by("id")[before:])
    assert [(c.upstream_id, c.kind, c.components_text) for c in changes] == [
        ("acme/long-thinker", "price_changed", ",cache_read,"),
        ("acme/night-owl", "price_changed", ",input_token,output_token,"),
    ]
    cache = changes[0]
    assert cache.before == {
        "prompt": "0.00000125",
        "completion": "0.00001",
        "prices": [{"component": "cache_read", "unit": "token", "usd": "0.000000125"}],
    }
    assert cache.after == {
        "prompt": "0.00000125",
        "completion": "0.00001",
        "prices": [{"component": "cache_read", "unit": "token", "usd": "0.0000001"}],
    }
    moved = changes[1]
    assert [p["window"]["start"] for p in moved.before["prices"]] == ["16:30", "16:30"]
    assert [p["window"]["start"] for p in moved.after["prices"]] == ["17:00", "17:00"]


def test_an_unchanged_publish_records_no_price_change(priced: Catalog) -> None:
    before = ModelChange.objects.count()
    result = priced.publish("router", openrouter_models())
    assert (result.changed, ModelChange.objects.count()) == (0, before)
