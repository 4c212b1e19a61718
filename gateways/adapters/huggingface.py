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
from dataclasses import replace
from decimal import Decimal
from typing import Any

from gateways.adapters.base import NO_PRICES, Adapter, Builtin, Modalities, NormalizedModel
from gateways.adapters.modalities import fallback_modalities
from gateways.adapters.values import RejectItem, per_million, positive_int, price, text
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
    builtin = Builtin(priority=80, min_expected_models=10)
    requires_key = False
    price_unit_label = "USD per 1M tokens (per provider)"
    reference = "https://huggingface.co/docs/inference-providers/hub-api"
    name_fields = description_fields = context_fields = ()  # the name is the repo's; the rest is per provider
    created_fields = ("created", "createdAt")
    id_is_hugging_face = True
    input_modalities_field = "architecture.input_modalities"
    output_modalities_field = "architecture.output_modalities"
    type_field, type_modalities = "pipeline_tag", PIPELINE_TAGS

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        stated = super().modalities(model_id, item)
        # The router lists chat models only; a Hub record with an unknown tag is not known to be one.
        return stated if stated[2] == "upstream" or "providers" not in item else fallback_modalities(model_id, chat=True)

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        providers = [_provider(entry) for entry in _list(item.get("providers"), "providers")]
        chosen = _chosen(providers) or {}
        contexts = [p["context_length"] for p in providers if p.get("context_length")]
        flags = {"supports_tools": "tools", "supports_structured_output": "structured_outputs"}
        tag = item.get("pipeline_tag")
        return replace(
            model,
            context_length=chosen.get("context_length") or (max(contexts) if contexts else None),
            pricing=chosen.get("pricing") or dict(NO_PRICES),
            price_unit="per_1m_usd" if chosen else None,
            supported_parameters=tuple(name for flag, name in flags.items() if chosen.get(flag) is True),
            extra={
                "providers": providers,
                **({"price_provider": chosen["provider"]} if chosen else {}),
                **({"pipeline_tag": tag} if isinstance(tag, str) else {}),
            },
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
