"""Reading prices out of a change row in both stored shapes (catalog/change_prices.py) and saying
them in words (catalog/change_text.py)."""

from __future__ import annotations

from decimal import Decimal

from catalog.change_prices import PriceMove, largest_change_percent, price_moves
from catalog.change_text import change_title, dollars

OLD = ({"prompt": "0.0000025", "completion": "0.00001"}, {"prompt": "0.000002", "completion": "0.00001"})
NEW = (
    {
        "pricing": {"prompt": "0.0000025", "request": "0.01"},
        "prices": [
            {"component": "request", "unit": "request", "usd": "0.01"},
            {"component": "input_token", "unit": "token", "usd": "0.0000025"},
            {"component": "cache_read", "unit": "token", "usd": "0.000001"},
        ],
    },
    {
        "pricing": {"prompt": "0.000002", "request": "0.05"},
        "prices": [
            {"component": "input_token", "unit": "token", "usd": "0.000002"},
            {"component": "request", "unit": "request", "usd": "0.05"},
            {"component": "cache_read", "unit": "token", "usd": "0.0000013"},
        ],
    },
)


def _change(before: object, after: object, kind: str = "price_changed") -> dict[str, object]:
    return {"model_id": "openai/gpt-4o", "gateway": "openrouter", "kind": kind, "before": before, "after": after}


def test_both_shapes_yield_the_components_with_their_units() -> None:
    assert price_moves(*OLD) == [
        PriceMove("input_token", "token", Decimal("0.0000025"), Decimal("0.000002")),
        PriceMove("output_token", "token", Decimal("0.00001"), Decimal("0.00001")),
    ]
    assert price_moves(*NEW) == [  # the vocabulary's order, whatever order they were stored in
        PriceMove("input_token", "token", Decimal("0.0000025"), Decimal("0.000002")),
        PriceMove("cache_read", "token", Decimal("0.000001"), Decimal("0.0000013")),
        PriceMove("request", "request", Decimal("0.01"), Decimal("0.05")),
    ]


def test_tiers_of_one_component_are_kept_apart() -> None:
    before = {"prices": [{"component": "input_token", "unit": "token", "usd": "0.000001", "min_context": 200000}]}
    after = {"prices": [{"component": "input_token", "unit": "token", "usd": "0.000002"}]}
    assert [(m.before, m.after) for m in price_moves(before, after)] == [(Decimal("0.000001"), None), (None, Decimal("0.000002"))]
    assert largest_change_percent(before, after) is None  # no tier is known on both sides


def test_the_largest_change_counts_per_token_prices_only() -> None:
    assert largest_change_percent(*OLD) == Decimal("20")
    # input 20 % down, cache read 30 % up; the per-request price moved 400 % but is not per token.
    assert largest_change_percent(*NEW) == Decimal("30")
    assert largest_change_percent({"prompt": "0.000003"}, {"prompt": "0.000004"}) == Decimal("33.333333")  # rounded down
    assert largest_change_percent({"prompt": "0"}, {"prompt": "0.000001"}) == Decimal(10) ** 9  # starts charging
    assert largest_change_percent({"prompt": None}, {"prompt": "0.000001"}) is None  # unknown before
    assert largest_change_percent(None, {"pricing": {"prompt": "0.000001"}}) is None  # added


def test_titles_in_both_shapes() -> None:
    assert change_title(_change(*OLD)) == "openai/gpt-4o at openrouter: input $2.50 -> $2.00 per 1M tokens"
    assert change_title(_change(*NEW)) == (
        "openai/gpt-4o at openrouter: input $2.50 -> $2.00 per 1M tokens, cache read $1.00 -> $1.30 per 1M tokens, "
        "request $0.01 -> $0.05 per request"
    )
    both = ({"prompt": "0.0000025", "completion": "0.00001"}, {"prompt": "0.000002", "completion": "0.000008"})
    assert (
        change_title(_change(*both)) == "openai/gpt-4o at openrouter: input $2.50 -> $2.00, output $10.00 -> $8.00 per 1M tokens"
    )


def test_dollars_keep_every_digit_that_matters() -> None:
    assert [dollars(Decimal(v), "token") for v in ("0.0000025", "0.000000075", "0.0000000001", "0.012")] == [
        "$2.50",
        "$0.075",
        "$0.0001",
        "$12,000.00",
    ]
    assert (dollars(Decimal("0.0004"), "image"), dollars(None, "token")) == ("$0.0004", "unknown")
