"""DeepInfra model list.  Reference: https://deepinfra.com/docs/openai_api

`GET /v1/openai/models`: `metadata` is an object for text-generation models, with prices in USD per
1M tokens (float noise such as `0.12000000000000001` is kept exactly), and **null** for every other
model (embeddings, image generation and editing, speech...). Those are kept: prices and context
null, modality from the id keyword table (never text->text).

`items()` also reads the richer `/models/list` body (a bare array of `{model_name, type, pricing:
{cents_per_input_token, ...}}`), so a saved body of either call can be imported (UPSTREAMS.md 2.4).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from gateways.adapters.base import (
    NormalizedModel,
    RejectItem,
    author_slug,
    fallback_modalities,
    hf_style,
    mapping,
    modality_string,
    per_million,
    pick,
    positive_int,
    price,
    required_id,
    text,
)
from gateways.adapters.openai_compatible import OpenAICompatible
from gateways.registry import register

# `/models/list` `type` -> (inputs, outputs)
LISTED_TYPES = {
    "text-generation": (("text",), ("text",)),
    "text-to-image": (("text",), ("image",)),
    "embeddings": (("text",), ("embeddings",)),
    "text-to-speech": (("text",), ("speech",)),
    "automatic-speech-recognition": (("audio",), ("transcription",)),
}
CENTS = Decimal(100)


@register
class DeepInfra(OpenAICompatible):
    kind = "deepinfra"
    label = "DeepInfra"
    default_base_url = "https://api.deepinfra.com/v1/openai"
    configurable = False
    price_unit_label = "USD per 1M tokens (metadata.pricing); /models/list: US cents per token"
    reference = "https://deepinfra.com/docs/openai_api"

    def prices(self, item: Mapping[str, Any]) -> tuple[dict[str, Decimal | None], str | None]:
        pricing = mapping(mapping(item.get("metadata")).get("pricing"))
        if not pricing:
            return {"prompt": None, "completion": None}, None
        prices = {
            "prompt": per_million(pricing.get("input_tokens")),
            "completion": per_million(pricing.get("output_tokens")),
        }
        if pricing.get("cache_read_tokens") is not None:
            prices["input_cache_read"] = per_million(pricing["cache_read_tokens"])
        return prices, "per_1m_usd"

    def context(self, item: Mapping[str, Any]) -> int | None:
        return positive_int(mapping(item.get("metadata")).get("context_length"))

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...], str]:
        metadata = item.get("metadata")
        if not isinstance(metadata, Mapping):
            return fallback_modalities(model_id)  # metadata null: not a chat model
        tags = metadata.get("tags") if isinstance(metadata.get("tags"), list) else []
        return (("text", "image") if "vision" in tags else ("text",)), ("text",), "upstream"

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        if "id" not in item and "model_name" in item:
            return self._normalize_listed(item)
        model = super().normalize(item)
        assert model is not None
        metadata = mapping(item.get("metadata"))
        tags = metadata.get("tags") if isinstance(metadata.get("tags"), list) else []
        max_tokens = positive_int(metadata.get("max_tokens"))
        return replace(
            model,
            description=text(metadata.get("description")),
            hugging_face_id=hf_style(model.id),
            # owned_by is always "deepinfra", the host, not the author.
            provider_slug=author_slug(model.id),
            supported_parameters=("reasoning",) if "reasoning" in tags or "reasoning_effort" in tags else (),
            top_provider={
                "context_length": model.context_length,
                "max_completion_tokens": max_tokens if max_tokens != model.context_length else None,
                "is_moderated": None,
            },
            extra={"tags": tags} if tags else {},
        )

    def _normalize_listed(self, item: dict[str, Any]) -> NormalizedModel | None:
        """One entry of `/models/list`."""
        if item.get("private") in (1, True):
            return None  # not a public model: skipped and counted
        model_id = required_id(item, "model_name")
        listed_type = text(item.get("type"))
        if listed_type in LISTED_TYPES:
            ins, outs = LISTED_TYPES[listed_type]
            source = "upstream"
        else:
            ins, outs, source = fallback_modalities(model_id)
        prices, unit, raw_price = _listed_prices(item.get("pricing"))
        deprecated = positive_int(item.get("deprecated"))
        context = positive_int(item.get("max_tokens"))  # here: the served context window
        return NormalizedModel(
            id=model_id,
            name=model_id.rsplit("/", 1)[-1],
            hugging_face_id=hf_style(model_id),
            description=text(item.get("description")),
            context_length=context,
            input_modalities=ins,
            output_modalities=outs,
            modality=modality_string(ins, outs),
            modality_source=source,
            pricing=prices,
            price_unit=unit,
            provider_slug=author_slug(model_id),
            merge_base=model_id,
            upstream_active=deprecated is None or deprecated > time.time(),
            extra={**pick(item, "type", "reported_type", "quantization", "deprecated", "replaced_by"), **raw_price},
            raw=item,
        )


def _listed_prices(value: Any) -> tuple[dict[str, Decimal | None], str | None, dict[str, Any]]:
    """`/models/list` pricing: token models in US cents per token; cache prices are multipliers of
    the input price. Time-priced and other models keep their raw pricing and get null prices."""
    if value is None:
        return {"prompt": None, "completion": None}, None, {}
    if not isinstance(value, Mapping):
        raise RejectItem("pricing is not an object")
    raw = {"pricing_raw": dict(value)}
    prompt_cents, completion_cents = price(value.get("cents_per_input_token")), price(value.get("cents_per_output_token"))
    if prompt_cents is None and completion_cents is None:
        return {"prompt": None, "completion": None}, None, raw
    prompt = prompt_cents / CENTS if prompt_cents is not None else None
    prices: dict[str, Decimal | None] = {
        "prompt": prompt,
        "completion": completion_cents / CENTS if completion_cents is not None else None,
    }
    for key, rate_key in (
        ("input_cache_read", "rate_per_input_token_cached"),
        ("input_cache_write", "rate_per_input_token_cache_write"),
    ):
        rate = price(value.get(rate_key))
        if rate is not None and prompt is not None:
            prices[key] = prompt * rate
    return prices, "per_token_usd_cents", raw
