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
from decimal import Decimal
from typing import Any

from gateways.adapters.base import (
    Adapter,
    NormalizedModel,
    RejectItem,
    assumed_price,
    author_slug,
    combined_unit,
    fallback_modalities,
    feature_parameters,
    hf_style,
    last_segment,
    mapping,
    modalities_from_lists,
    modality_string,
    per_million,
    pick,
    positive_int,
    price,
    required_id,
    text,
    top_provider,
    unix_time,
)
from gateways.registry import register

PER_TOKEN_KEYS = ("prompt", "completion", "input_cache_read", "image", "request")
PER_MILLION_FALLBACK = {"prompt": "input", "completion": "output"}


@register
class NEAR(Adapter):
    kind = "near"
    label = "NEAR AI Cloud"
    default_base_url = "https://cloud-api.near.ai/v1"
    envelope_keys = ("data", "models")
    requires_key = False
    price_unit_label = "USD per token (strings); fallback input/output USD per 1M"
    reference = "https://docs.near.ai/cloud/api"

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        if "id" not in item and "modelId" in item:
            return self._normalize_old(item)
        model_id = required_id(item)
        prices, unit = _prices(item.get("pricing"))
        stated = modalities_from_lists(item.get("input_modalities"), item.get("output_modalities"))
        ins, outs, source = (stated[0], stated[1], "upstream") if stated else fallback_modalities(model_id)
        context = positive_int(item.get("context_length"))
        owner = item.get("owned_by")
        return NormalizedModel(
            id=model_id,
            name=text(item.get("name")) or last_segment(model_id),
            hugging_face_id=hf_style(text(item.get("hugging_face_id"))),
            description=text(item.get("description")),
            created=unix_time(item.get("created")),
            context_length=context,
            input_modalities=ins,
            output_modalities=outs,
            modality=modality_string(ins, outs),
            modality_source=source,
            pricing=prices,
            price_unit=unit,
            top_provider=top_provider(context, item.get("max_output_length")),
            supported_parameters=feature_parameters(item.get("supported_features")),
            # owned_by is "nearai" for models NEAR hosts itself, else the lab.
            provider_slug=author_slug(model_id, None if owner == "nearai" else owner),
            merge_base=model_id,
            upstream_active=item.get("is_ready") is not False,
            extra=pick(item, "owned_by", "quantization", "datacenters", "is_ready"),
            raw=item,
        )

    def _normalize_old(self, item: dict[str, Any]) -> NormalizedModel:
        model_id = required_id(item, "modelId")
        metadata = mapping(item.get("metadata"))
        prompt, prompt_unit = assumed_price(_amount(item.get("inputCostPerToken")))
        completion, completion_unit = assumed_price(_amount(item.get("outputCostPerToken")))
        ins, outs, source = fallback_modalities(model_id)
        aliases = metadata.get("aliases")
        return NormalizedModel(
            id=model_id,
            name=text(metadata.get("modelDisplayName")) or last_segment(model_id),
            description=text(metadata.get("modelDescription")),
            context_length=positive_int(metadata.get("contextLength")),
            input_modalities=ins,
            output_modalities=outs,
            modality=modality_string(ins, outs),
            modality_source=source,
            pricing={"prompt": prompt, "completion": completion},
            price_unit=combined_unit(prompt_unit, completion_unit),
            provider_slug=author_slug(model_id),
            merge_base=model_id,
            extra={"aliases": aliases} if isinstance(aliases, list) and aliases else {},
            raw=item,
        )


def _prices(value: Any) -> tuple[dict[str, Decimal | None], str | None]:
    if value is None:
        return {"prompt": None, "completion": None}, None
    if not isinstance(value, Mapping):
        raise RejectItem("pricing is not an object")
    prices: dict[str, Decimal | None] = {}
    units: list[str] = []
    for key in PER_TOKEN_KEYS:
        number = price(value.get(key))
        if number is None and key in PER_MILLION_FALLBACK:
            number = per_million(value.get(PER_MILLION_FALLBACK[key]))
            if number is not None:
                units.append("per_1m_usd")
        elif number is not None:
            units.append("per_token_usd")
        if number is not None or key in ("prompt", "completion"):
            prices[key] = number
    return prices, combined_unit(*units)


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
