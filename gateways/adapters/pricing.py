"""Price objects and price tiers in OpenRouter's shape (`pricing: {prompt, completion, ...,
overrides: [...]}`), read through an upstream's unit; and the one tier that an upstream's
long-context prices make."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from catalog.prices import hhmm_minutes
from gateways.adapters.values import TIER_LIMITS, RejectItem, mapping

Read = Callable[[Any], Decimal | None]
# OpenRouter's price keys: an unreadable value of one of these rejects the item; an unreadable value
# under another key is not a price and is ignored.
PRICE_KEYS = frozenset(
    "prompt completion request image web_search internal_reasoning input_cache_read input_cache_write input_cache_write_1h"
    " audio audio_output input_audio_cache image_output image_token".split()
)
TIERS_KEY = "overrides"


def per_request(pricing: Any) -> bool:
    """A `-1` prompt or completion price: OpenRouter's router pseudo-models, priced per request."""
    for value in (mapping(pricing).get(key) for key in ("prompt", "completion")):
        try:
            if value is not None and Decimal(str(value).strip()) == -1:
                return True
        except ArithmeticError:
            pass
    return False


def price_object(pricing: Any, read: Read) -> dict[str, Decimal | None]:
    """Every price of a pricing object (tiers aside); a new key is kept in the same unit. All are
    None for a price decided per request."""
    if pricing is not None and not isinstance(pricing, dict):
        raise RejectItem("pricing is not an object")
    prices: dict[str, Decimal | None] = {}
    for key, value in mapping(pricing).items():
        if key == TIERS_KEY:
            continue
        if per_request(pricing):
            prices[key] = None  # every price unknown: the caller marks the record `pricing_dynamic`
            continue
        try:
            prices[key] = read(value)
        except RejectItem:
            if key in PRICE_KEYS:
                raise
    return prices


def tiers(value: Any, read: Read) -> tuple[dict[str, Any], ...]:
    """`pricing.overrides`: every price of every tier read, the thresholds (`TIER_LIMITS`) kept as integers."""
    if not value:
        return ()
    if not isinstance(value, list):
        raise RejectItem("pricing.overrides is not a list")
    if not all(isinstance(tier, dict) for tier in value):
        raise RejectItem("a pricing override is not an object")
    wrong = next((key for tier in value for key in TIER_LIMITS if type(tier.get(key)) not in (int, type(None))), None)
    if wrong:
        raise RejectItem(f"pricing override {wrong} is not an integer")
    for tier in value:
        _check_window(tier)
    return tuple({key: price if key in TIER_LIMITS else read(price) for key, price in tier.items()} for tier in value)


def _check_window(tier: Mapping[str, Any]) -> None:
    """A time-of-day tier needs both ends, each an HHMM time (`catalog.prices.hhmm_minutes`)."""
    ends = [tier.get("utc_start"), tier.get("utc_end")]
    if ends.count(None) == 1:
        raise RejectItem("pricing override has one of utc_start and utc_end without the other")
    for end in ends:
        if end is not None:
            try:
                hhmm_minutes(end)
            except ValueError as exc:
                raise RejectItem(f"pricing override window: {exc}") from None


def long_context_tier(threshold: Any, base: Mapping[str, Any], long: Mapping[str, Any], read: Read) -> tuple[dict[str, Any], ...]:
    """One tier from `min_prompt_tokens = threshold` with the `long` prices read through `read` (a
    long price of 0 means the base price); none for a threshold of 0 or absent, or when no long
    price is stated."""
    if threshold is None or threshold == 0:
        return ()
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        raise RejectItem(f"long_context_threshold {threshold!r:.40} is not a token count")
    tier: dict[str, Any] = {"min_prompt_tokens": threshold}
    prices = {key: read(value) for key, value in long.items()}
    tier.update({key: base.get(key) if value == 0 else value for key, value in prices.items() if value is not None})
    return (tier,) if len(tier) > 1 else ()
