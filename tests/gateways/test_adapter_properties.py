"""Property tests over every registered adapter: any JSON value as an upstream body or item yields
normalized models or a counted rejection (or, for a body whose envelope is wrong, a `malformed`
AdapterError), never another exception, and never a negative or non-finite price."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.records import NormalizedModel
from gateways.errors import AdapterError
from gateways.registry import registered_kinds

KINDS = sorted(registered_kinds())

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.decimals(allow_nan=False, allow_infinity=False, places=None),
    st.text(max_size=12),
    st.sampled_from(["-1", "0", "1e-7", "NaN", "Infinity", "-0.5", "", "  ", "0.0000005", "abc", "1e400"]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=6,
)
FIELD_NAMES = [
    "id",
    "name",
    "model_name",
    "endpoint_id",
    "display_name",
    "title",
    "created",
    "context_length",
    "context_window",
    "context_size",
    "max_model_len",
    "inputTokenLimit",
    "outputTokenLimit",
    "pricing",
    "price",
    "architecture",
    "metadata",
    "type",
    "kind",
    "category",
    "input_modalities",
    "output_modalities",
    "providers",
    "hugging_face_id",
    "supported_parameters",
    "top_provider",
    "limits",
    "capabilities",
    "input_token_price_per_m",
    "output_token_price_per_m",
    "prompt_text_token_price",
    "completion_text_token_price",
    "supportedGenerationMethods",
    "status",
    "active",
    "owned_by",
    "description",
    "features",
    "model_type",
    "config",
    "aliases",
]
PRICE_KEYS = ["prompt", "completion", "input", "output", "input_tokens", "output_tokens", "usd", "request", "image"]
price_values = st.one_of(st.sampled_from(["-1", "-0.5", "-3", "1e400", "NaN", "0.0000005", "0", "2.5"]), scalars)
price_like = st.one_of(
    st.dictionaries(st.sampled_from(PRICE_KEYS), price_values, min_size=1, max_size=4),
    st.fixed_dictionaries(
        {
            "overrides": st.lists(
                st.dictionaries(
                    st.sampled_from(PRICE_KEYS + ["min_prompt_tokens", "utc_start", "utc_end"]), price_values, max_size=3
                ),
                max_size=2,
            )
        }
    ),
    price_values,
)
PRICE_FIELDS = {
    "pricing",
    "price",
    "metadata",
    "providers",
    "input_token_price_per_m",
    "output_token_price_per_m",
    "prompt_text_token_price",
    "completion_text_token_price",
}
items = st.fixed_dictionaries(
    {"id": st.one_of(st.text(min_size=1, max_size=20), scalars), "pricing": price_like},
    optional={
        name: (
            st.one_of(
                price_like,
                st.fixed_dictionaries({"pricing": price_like}),
                st.lists(st.fixed_dictionaries({"pricing": price_like}), max_size=2),
            )
            if name in PRICE_FIELDS
            else json_values
        )
        for name in FIELD_NAMES
        if name not in ("id", "pricing")
    },
)
bodies = st.one_of(
    json_values,
    st.lists(items, max_size=5),
    st.fixed_dictionaries({"data": st.lists(st.one_of(items, json_values), max_size=5)}),
    st.fixed_dictionaries({"models": st.lists(st.one_of(items, json_values), max_size=5)}),
)


def assert_prices_are_sane(model: NormalizedModel) -> None:
    tiers = [model.pricing, *model.pricing_overrides]
    for tier in tiers:
        for key, value in tier.items():
            if isinstance(value, Decimal):
                assert value.is_finite() and value >= 0, (model.id, key, value)
            else:
                assert value is None or key in ("min_prompt_tokens", "utc_start", "utc_end"), (model.id, key, value)
    if model.pricing_dynamic:
        assert all(v is None for v in model.pricing.values())
    assert model.context_length is None or model.context_length > 0
    assert isinstance(model.id, str) and model.id
    assert isinstance(model.name, str) and model.name


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies)
def test_any_body_gives_models_or_a_malformed_error(kind: str, body: Any) -> None:
    adapter = registered_kinds()[kind]()
    try:
        result = adapter.parse_body(body)
    except AdapterError as exc:
        assert exc.kind == "malformed" and exc.permanent
        return
    for model in result.models:
        assert_prices_are_sane(model)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(st.one_of(items, json_values), min_size=1, max_size=6))
def test_any_item_is_normalized_or_counted_as_rejected(kind: str, batch: list[Any]) -> None:
    result = registered_kinds()[kind]().parse(batch)
    assert len(result.models) + result.rejected + result.skipped == len(batch)
    assert len(result.errors) == min(result.rejected, result.MAX_ERRORS)
    for model in result.models:
        assert_prices_are_sane(model)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("odd_id", ["/", ":free", "a/"])
def test_an_id_with_no_last_segment_still_gets_a_name(kind: str, odd_id: str) -> None:
    # Found by the property tests above: OpenRouter, then Portkey, named a model "" for the id "/".
    result = registered_kinds()[kind]().parse([{"id": odd_id, "name": "", "slug": odd_id, "model": odd_id}])
    for model in result.models:
        assert isinstance(model.name, str) and model.name, (kind, odd_id, model)
