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

from gateways.adapters.base import Adapter, Builtin, Modalities, NormalizedModel, Prices
from gateways.adapters.values import PER_MILLION, RejectItem, dig, pick, positive_int, price, required_id
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
PRICES = {"prompt": "input_tokens", "completion": "output_tokens", "input_cache_read": "cache_read_tokens"}


@register
class DeepInfra(Adapter):
    kind = "deepinfra"
    label = "DeepInfra"
    default_base_url = "https://api.deepinfra.com/v1/openai"
    builtin = Builtin(priority=50, min_expected_models=10)
    price_unit_label = "USD per 1M tokens (metadata.pricing); /models/list: US cents per token"
    reference = "https://deepinfra.com/docs/openai_api"
    # Each field: where /v1/openai/models keeps it, then where /models/list does.
    description_fields = ("metadata.description", "description")
    context_fields = ("metadata.context_length", "max_tokens")  # max_tokens in /models/list: the context window
    id_is_hugging_face = True
    owner_field = None  # owned_by is always "deepinfra", the host
    type_field, type_modalities = "type", LISTED_TYPES
    price_fields = {key: (f"metadata.pricing.{field}",) for key, field in PRICES.items()}
    price_unit = PER_MILLION

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        if _listed(item) and item.get("private") in (1, True):
            return None  # not a public model: skipped and counted
        return super().normalize(item)

    def model_id(self, item: Mapping[str, Any]) -> str:
        return required_id(item, "model_name" if _listed(item) else "id")

    def prices(self, item: Mapping[str, Any]) -> Prices:
        return _listed_prices(item.get("pricing"))[:2] if _listed(item) else super().prices(item)

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        if isinstance(item.get("metadata"), Mapping):
            return (("text", "image") if "vision" in _tags(item) else ("text",)), ("text",), "upstream"
        return super().modalities(model_id, item)  # the listed type, else the id (metadata null: not a chat model)

    def parameters(self, item: Mapping[str, Any]) -> tuple[str, ...]:
        return ("reasoning",) if {"reasoning", "reasoning_effort"} & set(_tags(item)) else ()

    def active(self, item: Mapping[str, Any]) -> bool:
        deprecated = positive_int(item.get("deprecated")) if _listed(item) else None
        return deprecated is None or deprecated > time.time()

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        if _listed(item):
            kept = pick(item, "type", "reported_type", "quantization", "deprecated", "replaced_by")
            return replace(model, extra={**kept, **_listed_prices(item.get("pricing"))[2]})
        max_tokens = positive_int(dig(item, "metadata.max_tokens"))
        limit = max_tokens if max_tokens != model.context_length else None
        top = {"context_length": model.context_length, "max_completion_tokens": limit, "is_moderated": None}
        return replace(model, top_provider=top, extra={"tags": _tags(item)} if _tags(item) else {})


def _listed(item: Mapping[str, Any]) -> bool:
    """An entry of `/models/list`, not of `/v1/openai/models`."""
    return "id" not in item and "model_name" in item


def _tags(item: Mapping[str, Any]) -> list[Any]:
    tags = dig(item, "metadata.tags")
    return tags if isinstance(tags, list) else []


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
