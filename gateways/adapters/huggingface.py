"""Hugging Face Inference Providers router.  Reference: https://huggingface.co/docs/inference-providers

`GET https://router.huggingface.co/v1/models`: one record per model (the id is the Hugging Face repo
id); every provider entry is kept in `extra["providers"]` (prices USD per 1M tokens, converted), and
the model's own price and context come from one chosen provider (`offers.best_offer`). A saved Hub
search body (`/api/models?pipeline_tag=...`: no providers, no prices) imports too, its modality from
the tag.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gateways.adapters.base import NO_PRICES, Adapter, Builtin, Modalities, NormalizedModel
from gateways.adapters.modalities import TASKS, fallback_modalities
from gateways.adapters.offers import best_offer, read_offers
from gateways.adapters.values import PER_MILLION
from gateways.registry import register

FLAG_PARAMETERS = {"supports_tools": "tools", "supports_structured_output": "structured_outputs"}


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
    input_modalities_field, output_modalities_field = "architecture.input_modalities", "architecture.output_modalities"
    type_field, type_modalities = "pipeline_tag", TASKS
    extra_fields = ("pipeline_tag",)

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        stated = super().modalities(model_id, item)
        # The router lists chat models only; a Hub record with an unknown tag is not known to be one.
        return stated if stated[2] == "upstream" or "providers" not in item else fallback_modalities(model_id, chat=True)

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        offers = read_offers(item.get("providers"), PER_MILLION)
        chosen = best_offer(offers) or {}
        contexts = [offer["context_length"] for offer in offers if offer.get("context_length")]
        return replace(
            model,
            context_length=chosen.get("context_length") or max(contexts, default=None),
            pricing=chosen.get("pricing") or dict(NO_PRICES),
            price_unit=PER_MILLION.label if chosen else None,
            supported_parameters=tuple(name for flag, name in FLAG_PARAMETERS.items() if chosen.get(flag) is True),
            extra={"providers": offers, **({"price_provider": chosen["provider"]} if chosen else {}), **model.extra},
        )
