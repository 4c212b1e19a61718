"""Vercel AI Gateway model list.  Reference: https://vercel.com/docs/ai-gateway/sdks-and-apis/rest-api

`GET /v1/models`, one page, no key needed. `pricing.input`/`output`/`input_cache_read`/`input_cache_write`
are strings in USD per token, copied; other pricing keys (per image, tiers) stay raw. Context is
`context_window`, the output limit `max_tokens`; modality from `type`, plus image input for a language
model tagged `vision`; `tags` `tool-use` and `reasoning` become parameters (docs/adapters.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities
from gateways.adapters.values import PER_TOKEN, text, true_keys
from gateways.registry import register

TYPES = {
    "language": (("text",), ("text",)),
    "embedding": (("text",), ("embeddings",)),
    "image": (("text",), ("image",)),
    "video": (("text",), ("video",)),
}
PRICES = {
    "prompt": "input",
    "completion": "output",
    "input_cache_read": "input_cache_read",
    "input_cache_write": "input_cache_write",
}


@register
class VercelAIGateway(Adapter):
    kind = "vercel-ai-gateway"
    label = "Vercel AI Gateway"
    default_base_url = "https://ai-gateway.vercel.sh/v1"
    builtin = Builtin(priority=70, min_expected_models=50)
    requires_key, price_unit_label = False, "USD per token (strings)"
    reference = "https://vercel.com/docs/ai-gateway/sdks-and-apis/rest-api"
    name_fields, context_fields, max_output_fields = ("name",), ("context_window",), ("max_tokens",)
    hugging_face_field = None
    price_container, price_unit = "pricing", PER_TOKEN
    price_fields = {key: (f"pricing.{field}",) for key, field in PRICES.items()}
    type_field, type_modalities = "type", TYPES
    feature_fields = ("tags",)
    extra_fields = ("type", "tags")

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        ins, outs, source = super().modalities(model_id, item)
        if text(item.get("type")) == "language" and "vision" in true_keys(item.get("tags")):
            ins = ("text", "image")
        return ins, outs, source
