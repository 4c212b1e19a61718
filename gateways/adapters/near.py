"""NEAR AI Cloud model list.  Reference: https://docs.near.ai/cloud/api

`GET /v1/models`, listed without a key. Its `pricing` mixes units in one object: `prompt`,
`completion`, `input_cache_read`, `image`, `request` are strings in USD per token (per image, per
request), while `input` and `output` are numbers in USD per 1M tokens. The per-token strings win;
`input / 1e6` and `output / 1e6` are the fallback; the two are never added (UPSTREAMS.md 2.16).

A saved body of the older `/v1/model/list` (`{modelId, inputCostPerToken: {amount, scale}, metadata}`)
imports too. Its `amount`/`scale` meaning changed between deployments, so `amount x 10^-scale` is
range-checked like AIMO's prices and the unit is recorded as assumed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from gateways.adapters.base import Adapter, Builtin, NormalizedModel, Prices
from gateways.adapters.values import (
    PER_MILLION,
    PER_TOKEN,
    RejectItem,
    assumed_price,
    author_slug,
    combined_unit,
    dig,
    price,
    required_id,
    text,
)
from gateways.registry import register


@register
class NEAR(Adapter):
    kind = "near"
    label = "NEAR AI Cloud"
    default_base_url = "https://cloud-api.near.ai/v1"
    builtin = Builtin(priority=30, min_expected_models=1)
    requires_key = False
    price_unit_label = "USD per token (strings); fallback input/output USD per 1M"
    reference = "https://docs.near.ai/cloud/api"
    envelope_keys = ("data", "models")
    # Per-token strings win; the per-1M numbers are the fallback, never added to them.
    price_fields = {
        "prompt": ("pricing.prompt", ("pricing.input", PER_MILLION)),
        "completion": ("pricing.completion", ("pricing.output", PER_MILLION)),
        **{key: (f"pricing.{key}",) for key in ("input_cache_read", "image", "request")},
    }
    price_unit = PER_TOKEN
    # Each field: where the current list keeps it, then where the older /v1/model/list did.
    name_fields = ("name", "metadata.modelDisplayName")
    description_fields = ("description", "metadata.modelDescription")
    context_fields = ("context_length", "metadata.contextLength")
    max_output_fields = ("max_output_length",)
    feature_fields = ("supported_features",)
    active_field, inactive_values = "is_ready", (False,)
    extra_fields = ("owned_by", "quantization", "datacenters", "is_ready")

    def model_id(self, item: Mapping[str, Any]) -> str:
        return required_id(item, "modelId" if _old(item) else "id")

    def prices(self, item: Mapping[str, Any]) -> Prices:
        if not _old(item):
            if not isinstance(item.get("pricing"), Mapping | None):
                raise RejectItem("pricing is not an object")
            return super().prices(item)
        prompt, prompt_unit = assumed_price(_amount(item.get("inputCostPerToken")))
        completion, completion_unit = assumed_price(_amount(item.get("outputCostPerToken")))
        return {"prompt": prompt, "completion": completion}, combined_unit(prompt_unit, completion_unit)

    def author(self, model_id: str, item: Mapping[str, Any]) -> str | None:
        owner = item.get("owned_by")  # "nearai" for models NEAR hosts itself, else the lab
        return author_slug(model_id, None if owner == "nearai" else owner)

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        if not _old(item):
            return model
        aliases = dig(item, "metadata.aliases")
        return replace(model, top_provider=None, extra={"aliases": aliases} if isinstance(aliases, list) and aliases else {})


def _old(item: Mapping[str, Any]) -> bool:
    return "id" not in item and "modelId" in item


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
