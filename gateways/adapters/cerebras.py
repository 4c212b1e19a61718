"""Cerebras model list.  Reference: https://inference-docs.cerebras.ai/api-reference/models

The public list (`GET /public/v1/models`, no key) is preferred: it adds `name`, `hugging_face_id`,
`pricing` (strings, USD per token, copied as is), `capabilities`, `supported_parameters` (an object of
booleans), `architecture` (`modality` is a bare word such as `"text"`) and `limits`. A saved body of
the keyed list (`/v1/models`: bare OpenAI items) imports too: no prices, no context (UPSTREAMS.md 2.6).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities
from gateways.adapters.values import PER_TOKEN, author_slug, dig, mapping
from gateways.registry import register


@register
class Cerebras(Adapter):
    kind = "cerebras"
    label = "Cerebras"
    default_base_url = "https://api.cerebras.ai/public/v1"
    builtin = Builtin(priority=60, min_expected_models=1)
    requires_key = False
    price_unit_label = "USD per token (strings, public list)"
    reference = "https://inference-docs.cerebras.ai/api-reference/models"
    context_fields = ("limits.max_context_length", "context_length")
    max_output_fields = ("limits.max_completion_tokens",)
    price_fields = {"prompt": ("pricing.prompt",), "completion": ("pricing.completion",)}
    price_unit = PER_TOKEN
    chat_models = True  # Cerebras serves chat completions only
    parameter_fields, feature_fields = ("supported_parameters",), ("capabilities",)
    deprecated_field, extra_fields = "deprecated", ("deprecated", "preview", "quantization")

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        ins, outs, source = super().modalities(model_id, item)  # an arrow string, or the keyed list's id
        capabilities = item.get("capabilities")
        if source != "upstream" and (isinstance(capabilities, Mapping) or dig(item, "architecture.modality") == "text"):
            vision = mapping(capabilities).get("vision") is True
            return (("text", "image") if vision else ("text",)), ("text",), "upstream"
        return ins, outs, source

    def author(self, model_id: str, item: Mapping[str, Any]) -> str | None:
        repo = self.hugging_face_id(model_id, item)
        if repo:
            return author_slug(repo)
        # The keyed list's owned_by is "Cerebras" (the host) or the model's author.
        owner = item.get("owned_by")
        return author_slug(model_id, None if isinstance(owner, str) and owner.strip().lower() == "cerebras" else owner)
