"""xAI model lists.  Reference: https://docs.x.ai/docs/api-reference#list-language-models

`GET /v1/language-models`, then the image and video lists (their per-image and per-video prices stay
raw). Prices: integers in 0.0001 USD per 1M tokens; `*_long_context` prices make one tier at
`long_context_threshold`. A saved plain `/v1/models` body imports too (docs/adapters.md, "xAI").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities, NormalizedModel
from gateways.adapters.modalities import fallback_modalities
from gateways.adapters.pricing import long_context_tier
from gateways.adapters.values import TEN_THOUSANDTHS_PER_MILLION
from gateways.registry import register

TOKEN_PRICES = {
    "prompt": "prompt_text_token_price",
    "completion": "completion_text_token_price",
    "input_cache_read": "cached_prompt_text_token_price",
    "image_token": "prompt_image_token_price",
}


@register
class XAI(Adapter):
    kind = "xai"
    label = "xAI"
    default_base_url = "https://api.x.ai/v1"
    builtin = Builtin(priority=60, min_expected_models=1)
    price_unit_label = "0.0001 USD per 1M tokens (x 10^-10)"
    sole_author = "xai"
    reference = "https://docs.x.ai/docs/api-reference#list-language-models"
    list_path, also_list_paths = "language-models", ("image-generation-models", "video-generation-models")
    envelope_keys = ("models", "data")
    name_fields, description_fields, context_fields = ("id",), (), ("max_prompt_length",)
    price_fields = {**{key: (field,) for key, field in TOKEN_PRICES.items()}, "web_search": ("search_price",)}
    price_unit = TEN_THOUSANDTHS_PER_MILLION
    extra_fields = ("version", "fingerprint")

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        stated, lowered = super().modalities(model_id, item), model_id.lower()
        if stated[2] == "upstream":
            return stated
        if "video" in lowered or "image" in lowered:  # the plain /v1/models list states no type
            return ("text",), ("video" if "video" in lowered else "image",), "inferred"
        if lowered.startswith("grok"):
            return ("text", "image") if "vision" in lowered else ("text",), ("text",), "inferred"
        return fallback_modalities(lowered)

    def price_tiers(self, item: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
        long = {key: item.get(f"{field}_long_context") for key, field in TOKEN_PRICES.items()}
        return long_context_tier(item.get("long_context_threshold"), self.prices(item)[0], long, self.price_unit.read)

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        aliases = [a for a in item.get("aliases") or () if isinstance(a, str) and a]
        return replace(model, extra={**model.extra, **({"aliases": aliases} if aliases else {})})
