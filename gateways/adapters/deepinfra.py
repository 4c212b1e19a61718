"""DeepInfra model list.  Reference: https://deepinfra.com/docs/openai_api

`GET /v1/openai/models`: `metadata` holds prices in USD per 1M tokens for text-generation models and
is null for every other model (embeddings, image, speech), which is kept with null prices and a
keyword modality, never text->text. A saved `/models/list` body imports too (`DeepInfraModelsList`;
UPSTREAMS.md 2.4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities, NormalizedModel
from gateways.adapters.saved_shapes import DeepInfraModelsList
from gateways.adapters.values import PER_MILLION, dig, positive_int
from gateways.registry import register

PRICES = {"prompt": "input_tokens", "completion": "output_tokens", "input_cache_read": "cache_read_tokens"}


@register
class DeepInfra(Adapter):
    kind = "deepinfra"
    label = "DeepInfra"
    default_base_url = "https://api.deepinfra.com/v1/openai"
    builtin = Builtin(priority=50, min_expected_models=10)
    price_unit_label = "USD per 1M tokens (metadata.pricing); /models/list: US cents per token"
    reference = "https://deepinfra.com/docs/openai_api"
    description_fields, context_fields = ("metadata.description",), ("metadata.context_length",)
    id_is_hugging_face = True
    owner_field = None  # owned_by is always "deepinfra", the host
    price_fields = {key: (f"metadata.pricing.{field}",) for key, field in PRICES.items()}
    price_unit = PER_MILLION
    saved_shapes = (DeepInfraModelsList,)
    feature_fields = ("metadata.tags",)  # `reasoning`, `reasoning_effort` -> reasoning (parameters.py)

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        if isinstance(item.get("metadata"), Mapping):
            return (("text", "image") if "vision" in _tags(item) else ("text",)), ("text",), "upstream"
        return super().modalities(model_id, item)  # metadata null: not a chat model, the id decides

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        max_tokens = positive_int(dig(item, "metadata.max_tokens"))
        limit = max_tokens if max_tokens != model.context_length else None
        top = {"context_length": model.context_length, "max_completion_tokens": limit, "is_moderated": None}
        return replace(model, top_provider=top, extra={"tags": _tags(item)} if _tags(item) else {})


def _tags(item: Mapping[str, Any]) -> list[Any]:
    tags = dig(item, "metadata.tags")
    return tags if isinstance(tags, list) else []
