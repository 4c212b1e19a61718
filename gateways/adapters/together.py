"""Together AI model list.  Reference: https://docs.together.ai/reference/models-1

The body is a bare JSON array (a `data` wrapper is accepted too). `pricing.input`/`output` are USD
per 1M tokens. Together sends `0` for every price it does not list per token (image and video
models, chat models not served per token): when both are 0 both are stored as null (unknown),
except for ids ending in `-Free`, Together's free serverless models. A single 0 is real (embedding,
rerank and TTS models have no output charge). `type: audio` (TTS) input is per 1M characters and
`type: transcribe` prices have an unverified unit: both are converted the same way and their
`price_unit` says so. `hourly`, `base` and `finetune` are not token prices: kept in `extra`
(UPSTREAMS.md 2.14).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from gateways.adapters.base import (
    NormalizedModel,
    infer_modalities,
    mapping,
    per_million,
    pick,
    text,
    top_provider,
    vision_input,
)
from gateways.adapters.openai_compatible import OpenAICompatible
from gateways.registry import register

TYPES = {
    "chat": (("text",), ("text",)),
    "language": (("text",), ("text",)),
    "moderation": (("text",), ("text",)),
    "embedding": (("text",), ("embeddings",)),
    "rerank": (("text",), ("rerank",)),
    "image": (("text",), ("image",)),
    "video": (("text",), ("video",)),
    "audio": (("text",), ("speech",)),
    "transcribe": (("audio",), ("transcription",)),
}
UNITS = {"audio": "per_1m_chars_usd", "transcribe": "per_1m_usd_unverified"}
NOT_TOKEN_PRICES = ("hourly", "base", "finetune")


@register
class Together(OpenAICompatible):
    kind = "together"
    label = "Together"
    default_base_url = "https://api.together.xyz/v1"
    configurable = False
    price_unit_label = "USD per 1M tokens (0/0 = not listed: null)"
    reference = "https://docs.together.ai/reference/models-1"

    def prices(self, item: Mapping[str, Any]) -> tuple[dict[str, Decimal | None], str | None]:
        pricing = mapping(item.get("pricing"))
        prompt, completion = per_million(pricing.get("input")), per_million(pricing.get("output"))
        if prompt == 0 and completion == 0 and not str(item.get("id", "")).lower().endswith("-free"):
            prompt = completion = None  # placeholder zeros: not priced per token
        if prompt is None and completion is None:
            return {"prompt": None, "completion": None}, None
        return {"prompt": prompt, "completion": completion}, UNITS.get(text(item.get("type")) or "", "per_1m_usd")

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...], str]:
        model_type = text(item.get("type"))
        if model_type not in TYPES:
            return super().modalities(model_id, item)
        ins, outs = TYPES[model_type]
        if model_type == "chat" and vision_input(model_id):
            ins = ("text", "image")
        if model_type == "image" and infer_modalities(model_id) == (("text", "image"), ("image",)):
            ins = ("text", "image")  # edit / kontext models take an image
        return ins, outs, "upstream"

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        model = super().normalize(item)
        assert model is not None
        pricing = mapping(item.get("pricing"))
        return replace(
            model,
            name=text(item.get("display_name")) or model.name,
            top_provider=top_provider(model.context_length, mapping(item.get("config")).get("max_output_length")),
            extra={
                **pick(item, "type", "organization", "license", "link"),
                # Zeros here are placeholders too; the raw item keeps every value.
                **{f"pricing_{key}": pricing[key] for key in NOT_TOKEN_PRICES if pricing.get(key)},
            },
        )
