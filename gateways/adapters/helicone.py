"""Helicone AI Gateway model registry.  Reference: https://docs.helicone.ai/rest/models/get-v1public-model-registry-models

`GET /v1/public/model-registry/models`, no key, one page: `{"data": {"models": [...], "total": N}}`.
Each model lists its provider `endpoints`, prices JSON numbers in USD per 1M tokens; the cheapest
endpoint's prompt price stands for the model (Helicone routes a bare id to the cheapest provider), every
endpoint is kept in `extra["providers"]`. Other price keys and `pricingTiers` stay raw (docs/adapters.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gateways.adapters.base import NO_PRICES, Adapter, Builtin, NormalizedModel, Prices
from gateways.adapters.values import PER_MILLION, RejectItem, mapping, text
from gateways.registry import register

PRICES = {"prompt": "prompt", "completion": "completion", "input_cache_read": "cacheRead", "input_cache_write": "cacheWrite"}


@register
class Helicone(Adapter):
    kind = "helicone"
    label = "Helicone"
    default_base_url = "https://api.helicone.ai/v1"
    builtin = Builtin(priority=45, min_expected_models=20)
    requires_key, price_unit_label = False, "USD per 1M tokens (cheapest endpoint)"
    reference = "https://docs.helicone.ai/rest/models/get-v1public-model-registry-models"
    list_path, envelope_keys, total_field = "public/model-registry/models", ("data.models", "models"), "data.total"
    name_fields, created_fields, context_fields, max_output_fields = ("name",), (), ("contextLength",), ("maxOutput",)
    hugging_face_field, owner_field = None, "author"
    input_modalities_field, output_modalities_field = "inputModalities", "outputModalities"
    modality_field = tokenizer_field = instruct_type_field = None
    chat_models = True  # the registry lists what the gateway's chat completions route to
    parameter_fields, extra_fields = ("supportedParameters",), ("trainingDate", "pinnedVersionOfModel")

    def prices(self, item: Mapping[str, Any]) -> Prices:
        chosen = _offers(item)[1]
        return (chosen["pricing"], PER_MILLION.label) if chosen else (dict(NO_PRICES), None)

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        offers, chosen = _offers(item)
        named = {"price_provider": chosen["provider"]} if chosen else {}
        return replace(model, extra={**model.extra, "providers": offers, **named})


def _offers(item: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Every endpoint, prices converted, and the one with the lowest prompt price (the first on a tie)."""
    endpoints = item.get("endpoints") or []
    if not isinstance(endpoints, list) or not all(isinstance(endpoint, Mapping) for endpoint in endpoints):
        raise RejectItem("endpoints is not a list of objects")
    offers = []
    for endpoint in endpoints:
        stated = {key: PER_MILLION.read(mapping(endpoint.get("pricing")).get(field)) for key, field in PRICES.items()}
        provider = text(endpoint.get("providerSlug")) or text(endpoint.get("provider"))
        pricing = {key: value for key, value in stated.items() if value is not None or key in NO_PRICES}
        offers.append({"provider": provider, "pricing": pricing, "supports_ptb": endpoint.get("supportsPtb") is True})
    priced = [offer for offer in offers if offer["pricing"]["prompt"] is not None]
    return offers, min(priced, key=lambda offer: offer["pricing"]["prompt"], default=None)
