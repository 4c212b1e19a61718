"""Novita model list.  Reference: https://novita.ai/docs/api-reference/model-apis-llm-list-models

Prices are integers in units of 0.0001 USD per 1M tokens: USD per token = value x 10^-10
(`5500` -> `0.00000055`, $0.55 per 1M). A `0` output price on an embedding model is a real 0.
Context is `context_size`. `status != 1` marks a model unavailable: kept, inactive. Older bodies
have no type field; the list is Novita's LLM API, so an id no keyword recognises is a chat model
(UPSTREAMS.md 2.9).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from gateways.adapters.base import (
    INPUT_ORDER,
    NormalizedModel,
    author_slug,
    fallback_modalities,
    feature_parameters,
    modalities_from_lists,
    ordered,
    pick,
    positive_int,
    priced,
    scaled,
    text,
    top_provider,
    true_keys,
)
from gateways.adapters.openai_compatible import OpenAICompatible
from gateways.registry import register

SCALE = -10  # 0.0001 USD per 1M tokens -> USD per token


@register
class Novita(OpenAICompatible):
    kind = "novita"
    label = "Novita"
    default_base_url = "https://api.novita.ai/openai/v1"
    configurable = False
    chat_models = True
    price_unit_label = "0.0001 USD per 1M tokens (x 10^-10)"
    reference = "https://novita.ai/docs/api-reference/model-apis-llm-list-models"

    def prices(self, item: Mapping[str, Any]) -> tuple[dict[str, Decimal | None], str | None]:
        prices = {
            "prompt": scaled(item.get("input_token_price_per_m"), SCALE),
            "completion": scaled(item.get("output_token_price_per_m"), SCALE),
        }
        return priced(prices, "per_1m_0.0001usd")

    def context(self, item: Mapping[str, Any]) -> int | None:
        return positive_int(item.get("context_size"))

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...], str]:
        stated = modalities_from_lists(item.get("input_modalities"), item.get("output_modalities"))
        if stated:
            return stated[0], stated[1], "upstream"
        model_type = text(item.get("model_type"))
        vision = "vision" in true_keys(item.get("features"))
        if model_type == "embedding":
            return ("text",), ("embeddings",), "upstream"
        if model_type in ("chat", "completion"):
            return (("text", "image") if vision else ("text",)), ("text",), "upstream"
        ins, outs, source = fallback_modalities(model_id, chat=True)
        if vision and outs == ("text",):
            ins = ordered((*ins, "image"), INPUT_ORDER)
        return ins, outs, source

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        model = super().normalize(item)
        assert model is not None
        status = item.get("status")
        return replace(
            model,
            name=text(item.get("display_name")) or text(item.get("title")) or model.name,
            supported_parameters=feature_parameters(item.get("features")),
            top_provider=top_provider(model.context_length, item.get("max_output_tokens")),
            # owned_by is usually "unknown".
            provider_slug=author_slug(model.id),
            upstream_active=status is None or status == 1,
            extra=pick(item, "model_type", "tags", "features", "endpoints"),
        )
