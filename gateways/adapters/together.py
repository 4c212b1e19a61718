"""Together AI model list.  Reference: https://docs.together.ai/reference/models-1

A bare JSON array; prices USD per 1M tokens. Two zeros mean "not priced per token" (null) except on
`-Free` ids; text-to-speech input is per 1M characters, transcription units unverified (`COUNTED`);
`hourly`, `base`, `finetune` stay in `extra` (UPSTREAMS.md 2.14; docs/adapters.md, "Together").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gateways.adapters.base import NO_PRICES, Adapter, Builtin, Modalities, NormalizedModel, Prices
from gateways.adapters.modalities import TOGETHER_TYPES, infer_modalities, vision_input
from gateways.adapters.values import PER_MILLION, mapping, text
from gateways.registry import register

UNITS = {"audio": "per_1m_chars_usd", "transcribe": "per_1m_usd_unverified"}
UNSTATED = dict.fromkeys(("prompt", "completion"), "unstated")
COUNTED = {"audio": {**UNSTATED, "prompt": "character"}, "transcribe": UNSTATED}  # `catalog.prices.UNITS`
NOT_TOKEN_PRICES = ("hourly", "base", "finetune")


@register
class Together(Adapter):
    kind = "together"
    label = "Together"
    default_base_url = "https://api.together.xyz/v1"
    builtin = Builtin(priority=55, min_expected_models=10)
    price_unit_label = "USD per 1M tokens (0/0 = not listed: null)"
    reference = "https://docs.together.ai/reference/models-1"
    name_fields = ("display_name", "name")
    max_output_fields = ("config.max_output_length",)
    price_fields = {"prompt": ("pricing.input",), "completion": ("pricing.output",)}
    price_unit = PER_MILLION
    type_field, type_modalities, type_price_units = "type", TOGETHER_TYPES, COUNTED
    extra_fields = ("type", "organization", "license", "link")

    def prices(self, item: Mapping[str, Any]) -> Prices:
        prices, unit = super().prices(item)
        if prices["prompt"] == 0 and prices["completion"] == 0 and not str(item.get("id", "")).lower().endswith("-free"):
            return dict(NO_PRICES), None  # placeholder zeros: not priced per token
        return prices, unit and UNITS.get(text(item.get("type")) or "", unit)

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        ins, outs, source = super().modalities(model_id, item)
        model_type = text(item.get("type"))
        if model_type == "chat" and vision_input(model_id):
            ins = ("text", "image")
        if model_type == "image" and infer_modalities(model_id) == (("text", "image"), ("image",)):
            ins = ("text", "image")  # edit / kontext models take an image
        return ins, outs, source

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        pricing = mapping(item.get("pricing"))
        # Zeros here are placeholders too; the raw item keeps every value.
        kept = {f"pricing_{key}": pricing[key] for key in NOT_TOKEN_PRICES if pricing.get(key)}
        return replace(model, extra={**model.extra, **kept})
