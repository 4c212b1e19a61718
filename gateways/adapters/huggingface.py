"""Hugging Face Inference Providers router.  Reference: https://huggingface.co/docs/inference-providers

`GET https://router.huggingface.co/v1/models`: one record per model (the id is the Hugging Face repo
id), every provider entry kept in `extra["providers"]` with its prices converted from USD per 1M
tokens to USD per token. The model-level price and context follow our convention (docs/adapters.md):

* candidates: providers with `status == "live"` and a `pricing` object; when there are none, every
  provider with a `pricing` object, whatever its status;
* the chosen provider is the candidate with the highest `throughput` (a missing throughput ranks
  last); ties go to the lowest input price, then to the upstream's order;
* `context_length` is the chosen provider's, else the largest any provider reports;
* no priced provider: prices null.

`items()` also accepts a bare array, and a saved Hub search body (`/api/models?pipeline_tag=...`:
repo records with `pipeline_tag`, no providers, no prices), whose modality comes from the tag.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from gateways.adapters.base import (
    Adapter,
    NormalizedModel,
    RejectItem,
    author_slug,
    fallback_modalities,
    hf_style,
    last_segment,
    modalities_from_lists,
    modality_string,
    per_million,
    positive_int,
    price,
    required_id,
    text,
    unix_time,
)
from gateways.registry import register

PIPELINE_TAGS = {
    "text-generation": (("text",), ("text",)),
    "image-text-to-text": (("text", "image"), ("text",)),
    "feature-extraction": (("text",), ("embeddings",)),
    "sentence-similarity": (("text",), ("embeddings",)),
    "text-to-image": (("text",), ("image",)),
    "automatic-speech-recognition": (("audio",), ("transcription",)),
    "text-to-speech": (("text",), ("speech",)),
}
PROVIDER_FLAGS = ("is_free", "supports_tools", "supports_structured_output", "is_model_author")
PROVIDER_NUMBERS = ("first_token_latency_ms", "throughput")


@register
class HuggingFace(Adapter):
    kind = "huggingface"
    label = "Hugging Face"
    default_base_url = "https://router.huggingface.co/v1"
    requires_key = False
    price_unit_label = "USD per 1M tokens (per provider)"
    reference = "https://huggingface.co/docs/inference-providers/hub-api"

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        model_id = required_id(item)
        providers = [_provider(entry) for entry in _list(item.get("providers"), "providers")]
        chosen = _chosen(providers)
        ins, outs, source = _modalities(model_id, item)
        contexts = [p["context_length"] for p in providers if p.get("context_length")]
        context = (chosen or {}).get("context_length") or (max(contexts) if contexts else None)
        pricing = (chosen or {}).get("pricing") or {"prompt": None, "completion": None}
        parameters = []
        if chosen and chosen.get("supports_tools") is True:
            parameters.append("tools")
        if chosen and chosen.get("supports_structured_output") is True:
            parameters.append("structured_outputs")
        return NormalizedModel(
            id=model_id,
            name=last_segment(model_id),
            hugging_face_id=hf_style(model_id),
            created=unix_time(item.get("created")) or unix_time(item.get("createdAt")),
            context_length=context,
            input_modalities=ins,
            output_modalities=outs,
            modality=modality_string(ins, outs),
            modality_source=source,
            pricing=pricing,
            price_unit="per_1m_usd" if chosen else None,
            supported_parameters=tuple(parameters),
            provider_slug=author_slug(model_id, item.get("owned_by")),
            merge_base=model_id,
            extra={
                "providers": providers,
                **({"price_provider": chosen["provider"]} if chosen else {}),
                **({"pipeline_tag": item["pipeline_tag"]} if isinstance(item.get("pipeline_tag"), str) else {}),
            },
            raw=item,
        )


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RejectItem(f"{name} is not a list")
    return value


def _provider(entry: Any) -> dict[str, Any]:
    """One provider entry, prices converted to USD per token, unknown keys dropped."""
    if not isinstance(entry, Mapping):
        raise RejectItem("a provider entry is not an object")
    slug = text(entry.get("provider"))
    if not slug:
        raise RejectItem("a provider entry has no 'provider'")
    converted: dict[str, Any] = {"provider": slug, "status": text(entry.get("status"))}
    context = positive_int(entry.get("context_length"))
    if context:
        converted["context_length"] = context
    pricing = entry.get("pricing")
    if isinstance(pricing, Mapping):
        converted["pricing"] = {"prompt": per_million(pricing.get("input")), "completion": per_million(pricing.get("output"))}
    for key in PROVIDER_FLAGS:
        if isinstance(entry.get(key), bool):
            converted[key] = entry[key]
    for key in PROVIDER_NUMBERS:
        try:
            number = price(entry.get(key))  # finite and non-negative
        except RejectItem:
            number = None  # a broken statistic drops the statistic, not the model
        if number is not None:
            # Statistics, not prices: plain JSON numbers are fine here.
            converted[key] = int(number) if number == number.to_integral_value() else float(number)
    return converted


def _chosen(providers: list[dict[str, Any]]) -> dict[str, Any] | None:
    priced = [p for p in providers if "pricing" in p]
    candidates = [p for p in priced if p.get("status") == "live"] or priced
    if not candidates:
        return None

    def rank(indexed: tuple[int, dict[str, Any]]) -> tuple[Any, ...]:
        index, provider = indexed
        throughput = provider.get("throughput")
        prompt = provider["pricing"].get("prompt")
        return (
            throughput is None,
            -(throughput or Decimal(0)),
            prompt is None,
            prompt if prompt is not None else Decimal(0),
            index,
        )

    return min(enumerate(candidates), key=rank)[1]


def _modalities(model_id: str, item: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    architecture = item.get("architecture") if isinstance(item.get("architecture"), Mapping) else {}
    stated = modalities_from_lists(architecture.get("input_modalities"), architecture.get("output_modalities"))
    if stated:
        return stated[0], stated[1], "upstream"
    tag = item.get("pipeline_tag")
    if tag in PIPELINE_TAGS:
        ins, outs = PIPELINE_TAGS[tag]
        return ins, outs, "upstream"
    # The router lists chat models only; a Hub record with an unknown tag is not known to be one.
    return fallback_modalities(model_id, chat="providers" in item)
