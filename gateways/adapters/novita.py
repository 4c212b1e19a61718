"""Novita model list.  Reference: https://novita.ai/docs/api-reference/model-apis-llm-list-models

Prices are integers in units of 0.0001 USD per 1M tokens: USD per token = value x 10^-10
(`5500` -> `0.00000055`, $0.55 per 1M). A `0` output price on an embedding model is a real 0.
Context is `context_size`. `status != 1` marks a model unavailable: kept, inactive. Older bodies
have no type field; the list is Novita's LLM API, so an id no keyword recognises is a chat model
(UPSTREAMS.md 2.9). `owned_by` is usually "unknown": only the id's head names the author.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities
from gateways.adapters.modalities import INPUT_ORDER, ordered
from gateways.adapters.values import TEN_THOUSANDTHS_PER_MILLION, true_keys
from gateways.registry import register

TYPES = {"embedding": (("text",), ("embeddings",)), "chat": (("text",), ("text",)), "completion": (("text",), ("text",))}


@register
class Novita(Adapter):
    kind = "novita"
    label = "Novita"
    default_base_url = "https://api.novita.ai/openai/v1"
    builtin = Builtin(priority=50, min_expected_models=10)
    price_unit_label = "0.0001 USD per 1M tokens (x 10^-10)"
    reference = "https://novita.ai/docs/api-reference/model-apis-llm-list-models"
    name_fields = ("display_name", "title", "name")
    context_fields = ("context_size",)
    max_output_fields = ("max_output_tokens",)
    price_fields = {"prompt": ("input_token_price_per_m",), "completion": ("output_token_price_per_m",)}
    price_unit = TEN_THOUSANDTHS_PER_MILLION
    owner_field = None
    type_field, type_modalities = "model_type", TYPES
    chat_models = True
    feature_fields = ("features",)
    active_field, active_values = "status", (1,)
    extra_fields = ("model_type", "tags", "features", "endpoints")

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        ins, outs, source = super().modalities(model_id, item)
        if "vision" in true_keys(item.get("features")) and outs == ("text",) and item.get("input_modalities") is None:
            ins = ordered((*ins, "image"), INPUT_ORDER)  # a chat model that also reads images
        return ins, outs, source
