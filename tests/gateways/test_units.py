"""Exact unit conversions: values where binary floating point would be wrong, sentinels, and the
rule that no negative or non-finite price is ever produced, whatever an upstream sends."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateways.adapters.values import price
from gateways.fetch import decode_json
from gateways.registry import adapter_for


def parse(kind: str, body_text: str, options: dict[str, Any] | None = None) -> Any:
    """One saved body through the adapter, decoded exactly as the service decodes it."""
    return adapter_for(kind)(options=options).parse_body(decode_json(body_text))


def only_model(kind: str, body_text: str) -> Any:
    result = parse(kind, body_text)
    assert (result.rejected, len(result.models)) == (0, 1), result.errors
    return result.models[0]


def test_novita_5500_is_exactly_55_hundred_millionths_of_a_dollar() -> None:
    model = only_model("novita", '{"data": [{"id": "a/b", "input_token_price_per_m": 5500, "output_token_price_per_m": 11000}]}')
    assert Decimal(5500 * 1e-10) != Decimal("0.00000055")  # the float route is off in the last digits
    assert model.pricing == {"prompt": Decimal("0.00000055"), "completion": Decimal("0.0000011")}
    assert model.price_unit == "per_1m_0.0001usd"


def test_deepinfra_float_noise_in_the_body_is_rounded_to_the_price_meant() -> None:
    model = only_model(
        "deepinfra",
        '{"data": [{"id": "a/b", "metadata": {"context_length": 8192, "max_tokens": 8192,'
        ' "pricing": {"input_tokens": 0.12000000000000001, "output_tokens": 2.5999999999999996}}}]}',
    )
    assert model.pricing == {"prompt": Decimal("0.00000012"), "completion": Decimal("0.0000026")}
    assert model.price_unit == "per_1m_usd+rounded_15_digits"


def test_xai_30000_is_three_dollars_per_million_tokens() -> None:
    model = only_model(
        "xai",
        '{"models": [{"id": "grok-x", "prompt_text_token_price": 30000, "completion_text_token_price": 150000,'
        ' "cached_prompt_text_token_price": 7500}]}',
    )
    assert model.pricing["prompt"] == Decimal("0.000003")
    assert model.pricing["completion"] == Decimal("0.000015")
    assert model.pricing["input_cache_read"] == Decimal("0.00000075")
    assert Decimal(30000 * 1e-10) != Decimal("0.000003")  # the float route is off in the last digits


def test_xai_long_context_zero_price_means_same_as_base_and_zero_threshold_means_no_tier() -> None:
    tiered = only_model(
        "xai",
        '{"models": [{"id": "grok-x", "prompt_text_token_price": 20000, "completion_text_token_price": 100000,'
        ' "long_context_threshold": 128000, "prompt_text_token_price_long_context": 40000,'
        ' "completion_text_token_price_long_context": 0}]}',
    )
    flat = only_model(
        "xai",
        '{"models": [{"id": "grok-y", "prompt_text_token_price": 20000, "long_context_threshold": 0,'
        ' "prompt_text_token_price_long_context": 40000}]}',
    )
    assert tiered.pricing_overrides == (
        {"min_prompt_tokens": 128000, "prompt": Decimal("0.000004"), "completion": Decimal("0.00001")},
    )
    assert flat.pricing_overrides == ()


def test_float_noise_past_15_significant_digits_is_rounded_off_and_the_record_says_so() -> None:
    noisy = only_model(
        "chutes",
        '{"data": [{"id": "a/b", "max_model_len": 4096, "pricing": {"prompt": 0.010399999999999998, "completion": 0.3}}]}',
    )
    assert noisy.pricing == {"prompt": Decimal("0.0000000104"), "completion": Decimal("0.0000003")}
    assert noisy.price_unit == "per_1m_usd+rounded_15_digits"
    clean = only_model("chutes", '{"data": [{"id": "a/b", "pricing": {"prompt": 0.123456789012345, "completion": 0.3}}]}')
    assert clean.pricing["prompt"] == Decimal("0.000000123456789012345")  # 15 digits: exactly as written
    assert clean.price_unit == "per_1m_usd"


@pytest.mark.parametrize(
    ("stated", "kept"),
    [
        ("2.5999999999999996", "2.6"),
        ("0.000000020000000000000004", "0.00000002"),
        ("0.12000000000000001", "0.12"),
        ("1234567890.12345678", "1234567890.12346"),
        ("0.1", "0.1"),
        ("100", "100"),
        ("0", "0"),
    ],
)
def test_a_stated_price_keeps_at_most_15_significant_digits(stated: str, kept: str) -> None:
    assert price(stated) == Decimal(kept)
    assert price(Decimal(stated)) == Decimal(kept)


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=0, max_value=10**9, places=None))
def test_rounding_keeps_every_value_a_double_can_state_and_moves_others_by_under_half_a_15th_digit(stated: Decimal) -> None:
    kept = price(str(stated))
    assert kept is not None
    digits = len(stated.normalize().as_tuple().digits)
    if stated == 0 or digits <= 15:
        assert kept == stated
    else:
        assert len(kept.normalize().as_tuple().digits) <= 15
        assert abs(kept - stated) <= Decimal(5).scaleb(stated.adjusted() - 15)


def test_together_placeholder_zeros_are_unknown_but_free_models_and_single_zeros_are_real() -> None:
    result = parse(
        "together",
        '[{"id": "a/img", "type": "image", "pricing": {"input": 0, "output": 0}},'
        ' {"id": "a/chat-Free", "type": "chat", "pricing": {"input": 0, "output": 0}},'
        ' {"id": "a/embed", "type": "embedding", "pricing": {"input": 0.008, "output": 0}}]',
    )
    assert [(m.id, dict(m.pricing), m.price_unit) for m in result.models] == [
        ("a/img", {"prompt": None, "completion": None}, None),
        ("a/chat-Free", {"prompt": Decimal(0), "completion": Decimal(0)}, "per_1m_usd"),
        ("a/embed", {"prompt": Decimal("0.000000008"), "completion": Decimal(0)}, "per_1m_usd"),
    ]


def test_huggingface_provider_prices_are_per_token_and_the_fastest_live_provider_sets_the_model_price() -> None:
    model = only_model(
        "huggingface",
        '{"data": [{"id": "a/b", "providers": ['
        '{"provider": "slow", "status": "live", "pricing": {"input": 0.1, "output": 0.2}, "throughput": 5},'
        '{"provider": "fast", "status": "live", "pricing": {"input": 0.7, "output": 2.5}, "throughput": 90, "context_length": 64000},'
        '{"provider": "down", "status": "error", "pricing": {"input": 0.01, "output": 0.01}, "throughput": 500}]}]}',
    )
    assert model.pricing == {"prompt": Decimal("0.0000007"), "completion": Decimal("0.0000025")}
    assert model.context_length == 64000
    assert [p["pricing"] for p in model.extra["providers"]] == [
        {"prompt": Decimal("0.0000001"), "completion": Decimal("0.0000002")},
        {"prompt": Decimal("0.0000007"), "completion": Decimal("0.0000025")},
        {"prompt": Decimal("0.00000001"), "completion": Decimal("0.00000001")},
    ]


def test_near_prefers_per_token_strings_and_never_adds_the_per_million_numbers() -> None:
    model = only_model(
        "near",
        '{"data": [{"id": "a/b", "pricing": {"input": 0.75, "output": 2, "prompt": "0.00000075", "completion": "0.000002"}}]}',
    )
    assert model.pricing == {"prompt": Decimal("0.00000075"), "completion": Decimal("0.000002")}
    assert model.price_unit == "per_token_usd"


@pytest.mark.parametrize(
    ("raw", "expected", "unit"),
    [
        ("0.5", Decimal("0.0000005"), "per_1m_usd_assumed"),
        ("0.001", Decimal("0.000000001"), "per_1m_usd_assumed"),
        ("0.0000004", Decimal("0.0000004"), "per_token_usd_assumed"),
    ],
)
def test_aimo_price_unit_is_assumed_from_the_magnitude_and_recorded(raw: str, expected: Decimal, unit: str) -> None:
    model = only_model(
        "aimo",
        f'{{"data": [{{"name": "m", "providers": [{{"id": "PK", "pricing": {{"prompt": {raw}, "completion": {raw}}}}}]}}]}}',
    )
    assert (model.pricing, model.price_unit) == ({"prompt": expected, "completion": expected}, unit)


def test_openrouter_dynamic_minus_one_is_null_prices_and_a_flag_never_a_negative() -> None:
    model = only_model(
        "openrouter", '{"data": [{"id": "openrouter/auto", "pricing": {"prompt": "-1", "completion": "-1", "request": "0"}}]}'
    )
    assert (dict(model.pricing), model.pricing_dynamic) == ({"prompt": None, "completion": None, "request": None}, True)


def test_openrouter_exponent_strings_are_parsed_exactly() -> None:
    model = only_model("openrouter", '{"data": [{"id": "a/b", "pricing": {"prompt": "1.25e-7", "completion": "2E-6"}}]}')
    assert model.pricing == {"prompt": Decimal("1.25e-7"), "completion": Decimal("2E-6")}


def test_openrouter_ignores_an_unknown_pricing_field_that_is_not_a_price() -> None:
    model = only_model(
        "openrouter", '{"data": [{"id": "a/b", "pricing": {"prompt": "0.000001", "completion": "0.000002", "currency": "USD"}}]}'
    )
    assert model.pricing == {"prompt": Decimal("0.000001"), "completion": Decimal("0.000002")}


# --- no negative or non-finite price, from any upstream ---------------------------------------

# kind -> a body with one model whose price fields all carry `value` (JSON text)
BODIES: dict[str, Callable[[str], str]] = {
    "openrouter": lambda v: f'{{"data": [{{"id": "a/b", "pricing": {{"prompt": {v}, "completion": {v}, "image": {v}}}}}]}}',
    "deepinfra": lambda v: (
        f'{{"data": [{{"id": "a/b", "metadata": {{"pricing": {{"input_tokens": {v}, "output_tokens": {v}, "cache_read_tokens": {v}}}}}}}]}}'
    ),
    "cerebras": lambda v: f'{{"data": [{{"id": "a", "pricing": {{"prompt": {v}, "completion": {v}}}}}]}}',
    "nebius": lambda v: f'{{"data": [{{"id": "a/b", "pricing": {{"prompt": {v}, "completion": {v}}}}}]}}',
    "xai": lambda v: (
        f'{{"models": [{{"id": "grok", "prompt_text_token_price": {v}, "completion_text_token_price": {v}, "search_price": {v},'
        f' "long_context_threshold": 1000, "prompt_text_token_price_long_context": {v}}}]}}'
    ),
    "novita": lambda v: f'{{"data": [{{"id": "a/b", "input_token_price_per_m": {v}, "output_token_price_per_m": {v}}}]}}',
    "huggingface": lambda v: (
        f'{{"data": [{{"id": "a/b", "providers": [{{"provider": "p", "status": "live", "pricing": {{"input": {v}, "output": {v}}}}}]}}]}}'
    ),
    "chutes": lambda v: (
        f'{{"data": [{{"id": "a/b", "pricing": {{"prompt": {v}, "completion": {v}, "input_cache_read": {v}}}}}]}}'
    ),
    "together": lambda v: f'[{{"id": "a/b", "type": "chat", "pricing": {{"input": {v}, "output": {v}}}}}]',
    "aimo": lambda v: (
        f'{{"data": [{{"name": "m", "providers": [{{"id": "PK", "pricing": {{"prompt": {v}, "completion": {v}}}}}]}}]}}'
    ),
    "near": lambda v: f'{{"data": [{{"id": "a/b", "pricing": {{"prompt": {v}, "input": {v}, "output": {v}}}}}]}}',
    "openai_compatible": lambda v: f'{{"data": [{{"id": "a/b", "pricing": {{"prompt": {v}, "completion": {v}}}}}]}}',
}
OPTIONS = {"openai_compatible": {"price_unit": "per_1m"}}


def all_prices(model: Any) -> list[Decimal]:
    found = [v for v in model.pricing.values() if v is not None]
    for tier in model.pricing_overrides:
        found += [v for v in tier.values() if isinstance(v, Decimal)]
    for provider in model.extra.get("providers", ()):
        found += [v for v in provider.get("pricing", {}).values() if v is not None]
    return found


json_numbers = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**9), max_value=10**9).map(str),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(
        ['"-1"', '"-0.0000001"', '"NaN"', '"Infinity"', '"-Infinity"', '"1e-7"', '"-2E-6"', '"abc"', '""', "null", "true"]
    ),
)


@pytest.mark.parametrize("kind", sorted(BODIES))
@given(value=json_numbers)
def test_no_adapter_ever_produces_a_negative_or_non_finite_price(kind: str, value: str) -> None:
    if kind == "openrouter" and value.strip('"') == "-1":
        return  # the dynamic sentinel: covered above (null prices and a flag)
    result = parse(kind, BODIES[kind](value), OPTIONS.get(kind))
    assert result.rejected + len(result.models) == 1
    for model in result.models:
        for number in all_prices(model):
            assert number.is_finite() and number >= 0, (kind, value, number)


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_a_negative_price_rejects_the_item_and_is_counted(kind: str) -> None:
    result = parse(kind, BODIES[kind]("-0.5"), OPTIONS.get(kind))
    assert (result.rejected, result.models) == (1, [])
    assert "negative price" in result.errors[0]


@pytest.mark.parametrize(
    ("window", "reason"),
    [
        ('"utc_start": 2500, "utc_end": 600', "pricing override window: 2500 is not an HHMM time of day"),
        ('"utc_start": 2200, "utc_end": 675', "pricing override window: 675 is not an HHMM time of day"),
        ('"utc_start": 2200', "pricing override has one of utc_start and utc_end without the other"),
    ],
)
def test_a_time_window_that_is_not_two_times_of_day_rejects_the_item(window: str, reason: str) -> None:
    body = (
        '{"data": [{"id": "a/b", "pricing": {"prompt": "0.000001", "completion": "0.000002",'
        f' "overrides": [{{{window}, "prompt": "0.0000005"}}]}}}}]}}'
    )
    result = parse("openrouter", body)
    assert (result.models, result.rejected) == ([], 1)
    assert result.errors == [f"item 0 ('a/b'): {reason}"]
