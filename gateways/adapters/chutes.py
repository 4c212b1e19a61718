"""Chutes model list.  Reference: https://llm.chutes.ai/v1/models

LLM chutes only, listed without a key. `pricing` holds USD per 1M tokens (fallback: the `usd` part of
`price.*`; the TAO equivalent is ignored); float noise such as `0.010399999999999998` is kept
exactly. `owned_by` is the serving engine (`sglang`, `vllm`), never the author. A `-TEE` suffix marks
the confidential-compute deployment: a variant, a separate offer (UPSTREAMS.md 2.11).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from gateways.adapters.base import (
    NormalizedModel,
    author_slug,
    feature_parameters,
    mapping,
    per_million,
    pick,
    priced,
    top_provider,
)
from gateways.adapters.openai_compatible import OpenAICompatible
from gateways.registry import register

TEE = "-TEE"
PRICE_KEYS = (
    ("prompt", "prompt", "input"),
    ("completion", "completion", "output"),
    ("input_cache_read", "input_cache_read", "input_cache_read"),
)


@register
class Chutes(OpenAICompatible):
    kind = "chutes"
    label = "Chutes"
    default_base_url = "https://llm.chutes.ai/v1"
    requires_key = False
    configurable = False
    chat_models = True  # the endpoint lists LLM chutes only
    price_unit_label = "USD per 1M tokens"
    reference = "https://llm.chutes.ai/v1/models"

    def prices(self, item: Mapping[str, Any]) -> tuple[dict[str, Decimal | None], str | None]:
        pricing, price_usd = mapping(item.get("pricing")), mapping(item.get("price"))
        prices: dict[str, Decimal | None] = {}
        for key, pricing_key, price_key in PRICE_KEYS:
            value = pricing.get(pricing_key)
            if value is None:
                value = mapping(price_usd.get(price_key)).get("usd")
            if value is not None or key in ("prompt", "completion"):
                prices[key] = per_million(value)
        return priced(prices, "per_1m_usd")

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        model = super().normalize(item)
        assert model is not None
        tee = model.id.upper().endswith(TEE)
        return replace(
            model,
            supported_parameters=feature_parameters(item.get("supported_features")),
            top_provider=top_provider(model.context_length, item.get("max_output_length")),
            provider_slug=author_slug(model.id),
            variant="TEE" if tee else None,
            merge_base=model.id[: -len(TEE)] if tee else model.id,
            extra=pick(item, "root", "chute_id", "quantization", "confidential_compute"),
        )
