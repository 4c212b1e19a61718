"""OpenRouter model list.  Reference: https://openrouter.ai/docs/api-reference/list-available-models

Already in the target shape: fields are copied (`architecture.modality` as given), prices are strings
in USD per token, `pricing.overrides` tiers are converted alike. Asks for `output_modalities=all` (the
default silently omits non-text models) and follows `links.next` (2026 bodies; older ones are one
page). `"-1"` prices mark router pseudo-models whose price is decided per request: every price is
null and `pricing_dynamic` is set (UPSTREAMS.md 2.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from gateways.adapters.base import NO_PRICES, Adapter, Builtin, Modalities, NormalizedModel, Prices
from gateways.adapters.modalities import INPUT_ORDER, OUTPUT_ORDER, ordered
from gateways.adapters.pagination import NextLinks
from gateways.adapters.values import PER_TOKEN, TIER_LIMITS, RejectItem, dig, mapping, positive_int, price, text, top_provider
from gateways.registry import register

DYNAMIC = Decimal(-1)
# Known prices: an unreadable value rejects the item (an unknown key that is not a price is ignored).
PRICE_KEYS = frozenset(
    "prompt completion request image web_search internal_reasoning input_cache_read input_cache_write input_cache_write_1h"
    " audio audio_output input_audio_cache image_output image_token".split()
)


@register
class OpenRouter(Adapter):
    kind = "openrouter"
    label = "OpenRouter"
    default_base_url = "https://openrouter.ai/api/v1"
    builtin = Builtin(priority=100, min_expected_models=50)
    requires_key = False
    price_unit_label = "USD per token (strings)"
    reference = "https://openrouter.ai/docs/api-reference/list-available-models"
    list_params = {"output_modalities": "all"}
    pages = NextLinks()
    name_fields = ("name",)
    context_fields = ("context_length",)
    owner_field = None
    parameter_fields = ("supported_parameters",)
    extra_fields = ("expiration_date", "knowledge_cutoff", "alias_target", "supported_voices", "reasoning", "links")

    def prices(self, item: Mapping[str, Any]) -> Prices:
        pricing = item.get("pricing")
        if pricing is not None and not isinstance(pricing, dict):
            raise RejectItem("pricing is not an object")
        stated = {key: value for key, value in mapping(pricing).items() if key != "overrides"}
        if _dynamic(stated):
            return dict.fromkeys([*NO_PRICES, *stated]), PER_TOKEN.label
        prices = dict(NO_PRICES)
        for key, value in stated.items():
            try:
                prices[key] = price(value)  # a new price key is kept in the same unit
            except RejectItem:
                if key in PRICE_KEYS:
                    raise
        return prices, PER_TOKEN.label

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        ins = ordered(dig(item, "architecture.input_modalities") or (), INPUT_ORDER)
        outs = ordered(dig(item, "architecture.output_modalities") or (), OUTPUT_ORDER)
        stated = (ins and outs) or text(dig(item, "architecture.modality"))
        return ins, outs, "upstream" if stated else "unknown"

    def merge_key(self, model_id: str) -> tuple[str, str | None]:
        base, _, variant = model_id.partition(":")
        return model_id if model_id.startswith("~") else base, variant or None

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        pricing, limits = mapping(item.get("pricing")), item.get("per_request_limits")
        return replace(
            model,
            name=text(item.get("name")) or model.id.partition(":")[0].rsplit("/", 1)[-1],  # no variant in it
            canonical_slug=text(item.get("canonical_slug")),
            modality=text(dig(item, "architecture.modality")),  # kept as is: its order can differ from the lists'
            tokenizer=text(dig(item, "architecture.tokenizer")),
            instruct_type=text(dig(item, "architecture.instruct_type")),
            pricing_overrides=() if _dynamic(pricing) else _overrides(pricing.get("overrides") or []),
            pricing_dynamic=_dynamic(pricing),
            top_provider=_top_provider(item.get("top_provider")),
            per_request_limits=limits if isinstance(limits, dict) else None,
            default_parameters=mapping(item.get("default_parameters")),
        )


def _dynamic(pricing: Mapping[str, Any]) -> bool:
    return any(_is_dynamic(pricing.get(key)) for key in NO_PRICES)


def _is_dynamic(value: Any) -> bool:
    try:
        return value is not None and Decimal(str(value).strip()) == DYNAMIC
    except ArithmeticError:
        return False


def _overrides(tiers: Any) -> tuple[dict[str, Any], ...]:
    """Every price of every tier converted; the thresholds (`TIER_LIMITS`) kept as integers."""
    if not isinstance(tiers, list):
        raise RejectItem("pricing.overrides is not a list")
    if not all(isinstance(tier, dict) for tier in tiers):
        raise RejectItem("a pricing override is not an object")
    wrong = next((key for tier in tiers for key in TIER_LIMITS if type(tier.get(key)) not in (int, type(None))), None)
    if wrong:
        raise RejectItem(f"pricing override {wrong} is not an integer")
    return tuple({key: value if key in TIER_LIMITS else price(value) for key, value in tier.items()} for tier in tiers)


def _top_provider(top: Any) -> dict[str, Any] | None:
    if not isinstance(top, dict):
        return None
    moderated = top.get("is_moderated")
    limits = top_provider(positive_int(top.get("context_length")), top.get("max_completion_tokens"))
    return {**limits, "is_moderated": moderated if isinstance(moderated, bool) else None}
