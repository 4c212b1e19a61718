"""Item shapes that saved bodies hold besides an upstream's list call, each declared as an adapter of
its own and named in the list adapter's `saved_shapes` (docs/adapters.md, "Importing saved bodies").
They are not registered: they read items, they are not gateways.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from gateways.adapters.base import Adapter, NormalizedModel, Prices
from gateways.adapters.modalities import TASKS
from gateways.adapters.values import (
    CENTS_PER_TOKEN,
    RejectItem,
    assumed_price,
    combined_unit,
    dig,
    positive_int,
    price,
    text,
)

# Cache prices are multipliers of the input price.
DEEPINFRA_CACHE_RATES = {
    "input_cache_read": "rate_per_input_token_cached",
    "input_cache_write": "rate_per_input_token_cache_write",
}


class DeepInfraModelsList(Adapter):
    """DeepInfra `/models/list`, a bare array of `{model_name, type, pricing: {cents_per_input_token,
    ...}}`: token prices in US cents per token; time-priced models keep their raw pricing in `extra`
    and get null prices; `private` models are skipped; a past `deprecated` time is inactive."""

    label = "DeepInfra /models/list"
    id_field = "model_name"
    context_fields = ("max_tokens",)  # the context window, despite the name
    id_is_hugging_face = True
    owner_field = None
    type_field, type_modalities = "type", TASKS
    price_fields = {
        "prompt": (("pricing.cents_per_input_token", CENTS_PER_TOKEN),),
        "completion": (("pricing.cents_per_output_token", CENTS_PER_TOKEN),),
    }
    price_container = "pricing"
    sunset_fields, successor_fields = ("deprecated",), ("replaced_by",)  # a Unix time, possibly ahead
    extra_fields = ("type", "reported_type", "quantization", "deprecated", "replaced_by")

    @classmethod
    def recognizes(cls, item: Mapping[str, Any]) -> bool:
        return "id" not in item and "model_name" in item

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        return None if item.get("private") in (1, True) else super().normalize(item)  # skipped and counted

    def prices(self, item: Mapping[str, Any]) -> Prices:
        prices, unit = super().prices(item)
        for key, rate_key in DEEPINFRA_CACHE_RATES.items():
            rate = price(dig(item, f"pricing.{rate_key}"))
            if rate is not None and prices["prompt"] is not None:
                prices[key] = prices["prompt"] * rate
        return prices, unit

    def active(self, item: Mapping[str, Any]) -> bool:
        deprecated = positive_int(item.get("deprecated"))
        return deprecated is None or deprecated > time.time()

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        pricing = item.get("pricing")
        return replace(model, extra={**model.extra, **({"pricing_raw": dict(pricing)} if pricing is not None else {})})


class NEARModelList(Adapter):
    """NEAR AI Cloud's older `/v1/model/list`: `{modelId, inputCostPerToken: {amount, scale,
    currency}, metadata}`. The meaning of `amount`/`scale` changed between deployments, so
    `amount x 10^-scale` goes through the magnitude rule of `assumed_price` and the unit says so."""

    label = "NEAR AI Cloud /v1/model/list"
    id_field = "modelId"
    name_fields = ("name", "metadata.modelDisplayName")
    description_fields = ("description", "metadata.modelDescription")
    context_fields = ("context_length", "metadata.contextLength")
    parameter_fields, feature_fields = ("supported_sampling_parameters",), ("supported_features",)
    active_field, inactive_values = "is_ready", (False,)

    @classmethod
    def recognizes(cls, item: Mapping[str, Any]) -> bool:
        return "id" not in item and "modelId" in item

    def prices(self, item: Mapping[str, Any]) -> Prices:
        prompt, prompt_unit = assumed_price(_amount(item.get("inputCostPerToken")))
        completion, completion_unit = assumed_price(_amount(item.get("outputCostPerToken")))
        return {"prompt": prompt, "completion": completion}, combined_unit(prompt_unit, completion_unit)

    def author(self, model_id: str, item: Mapping[str, Any]) -> str | None:
        return super().author(model_id, {} if item.get("owned_by") == "nearai" else item)

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        aliases = dig(item, "metadata.aliases")
        return replace(model, extra={"aliases": aliases} if isinstance(aliases, list) and aliases else {})


def _amount(cost: Any) -> Decimal | None:
    """`{amount, scale, currency}` -> amount x 10^-scale (unverified meaning)."""
    if cost is None:
        return None
    if not isinstance(cost, Mapping):
        raise RejectItem("a cost is not an object")
    currency = text(cost.get("currency"))
    if currency and currency.upper() != "USD":
        raise RejectItem(f"cost in {currency}, not USD")
    amount, scale = price(cost.get("amount")), cost.get("scale", 0)
    if amount is None:
        return None
    if isinstance(scale, bool) or not isinstance(scale, int) or abs(scale) > 30:
        raise RejectItem(f"unreadable cost scale {scale!r:.40}")
    return amount.scaleb(-scale)
