"""Cerebras model list.  Reference: https://inference-docs.cerebras.ai/api-reference/models

The public list (`GET /public/v1/models`, no key) is preferred: it adds `name`, `hugging_face_id`,
`pricing` (strings, USD per token, copied as is), `capabilities`, `supported_parameters` (an object of
booleans), `architecture` (`modality` is a bare word such as `"text"`) and `limits`. A saved body of
the keyed list (`/v1/models`: bare OpenAI items) imports too: no prices, no context (UPSTREAMS.md 2.6).
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
    parse_modality,
    pick,
    positive_int,
    price,
    priced,
    text,
    top_provider,
    true_keys,
)
from gateways.adapters.openai_compatible import OpenAICompatible
from gateways.registry import register


@register
class Cerebras(OpenAICompatible):
    kind = "cerebras"
    label = "Cerebras"
    default_base_url = "https://api.cerebras.ai/public/v1"
    requires_key = False
    configurable = False
    chat_models = True  # Cerebras serves chat completions only
    price_unit_label = "USD per token (strings, public list)"
    reference = "https://inference-docs.cerebras.ai/api-reference/models"

    def prices(self, item: Mapping[str, Any]) -> tuple[dict[str, Decimal | None], str | None]:
        pricing = mapping(item.get("pricing"))
        prices = {"prompt": price(pricing.get("prompt")), "completion": price(pricing.get("completion"))}
        return priced(prices, "per_token_usd")

    def context(self, item: Mapping[str, Any]) -> int | None:
        return positive_int(mapping(item.get("limits")).get("max_context_length")) or positive_int(item.get("context_length"))

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...], str]:
        architecture, capabilities = mapping(item.get("architecture")), item.get("capabilities")
        stated = parse_modality(text(architecture.get("modality")))
        if stated:
            return stated[0], stated[1], "upstream"
        if isinstance(capabilities, Mapping) or architecture.get("modality") == "text":
            vision = mapping(capabilities).get("vision") is True
            return (("text", "image") if vision else ("text",)), ("text",), "upstream"
        return super().modalities(model_id, item)  # keyed list: the id decides, chat by default

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        model = super().normalize(item)
        assert model is not None
        architecture, limits = mapping(item.get("architecture")), mapping(item.get("limits"))
        return replace(
            model,
            tokenizer=text(architecture.get("tokenizer")),
            instruct_type=text(architecture.get("instruct_type")),
            supported_parameters=tuple(
                dict.fromkeys(true_keys(item.get("supported_parameters")) + feature_parameters(item.get("capabilities")))
            ),
            top_provider=top_provider(model.context_length, limits.get("max_completion_tokens")),
            provider_slug=_author(model, item),
            extra=pick(item, "deprecated", "preview", "quantization"),
        )


def _author(model: NormalizedModel, item: Mapping[str, Any]) -> str | None:
    if model.hugging_face_id:
        return author_slug(model.hugging_face_id)
    # The keyed list's owned_by is "Cerebras" (the host) or the model's author.
    owner = item.get("owned_by")
    return author_slug(model.id, None if isinstance(owner, str) and owner.strip().lower() == "cerebras" else owner)
