"""OpenRouter model list.  Reference: https://openrouter.ai/docs/api-reference/list-available-models

Already in the target shape: fields are copied (`architecture.modality` as given), prices and
`pricing.overrides` tiers are strings in USD per token. Asks for `output_modalities=all` (the default
omits non-text models) and follows `links.next`. `"-1"` prices mark router pseudo-models priced per
request: every price is null and `pricing_dynamic` is set (UPSTREAMS.md 2.1). Per-model endpoints
bodies (one offer per serving provider) are read by `gateways.adapters.endpoints`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities, NormalizedModel
from gateways.adapters.modalities import INPUT_ORDER, OUTPUT_ORDER, ordered
from gateways.adapters.pagination import NextLinks
from gateways.adapters.values import PER_TOKEN, dig, last_segment, mapping, text
from gateways.registry import register


@register
class OpenRouter(Adapter):
    kind = "openrouter"
    label = "OpenRouter"
    default_base_url = "https://openrouter.ai/api/v1"
    builtin = Builtin(priority=100, min_expected_models=50)
    requires_key = False
    price_unit_label = "USD per token (strings)"
    reference = "https://openrouter.ai/docs/api-reference/list-available-models"
    list_params = {"output_modalities": "all"}
    pages = NextLinks()
    endpoints_path = "models/{model_id}/endpoints"  # per-provider offers, for the models `endpoints_models` selects
    name_fields, context_fields, owner_field = ("name",), ("context_length",), None
    price_object_field, tiers_field, price_unit = "pricing", "pricing.overrides", PER_TOKEN
    top_provider_field, per_request_limits_field = "top_provider", "per_request_limits"
    parameter_fields = ("supported_parameters",)
    sunset_fields = ("expiration_date",)
    extra_fields = ("expiration_date", "knowledge_cutoff", "alias_target", "supported_voices", "reasoning", "links")

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        ins = ordered(dig(item, "architecture.input_modalities") or (), INPUT_ORDER)
        outs = ordered(dig(item, "architecture.output_modalities") or (), OUTPUT_ORDER)
        stated = (ins and outs) or text(dig(item, "architecture.modality"))
        return ins, outs, "upstream" if stated else "unknown"

    def merge_key(self, model_id: str) -> tuple[str, str | None]:
        base, _, variant = model_id.partition(":")
        return model_id if model_id.startswith("~") else base, variant or None

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        return replace(
            model,
            name=text(item.get("name")) or last_segment(model.id.partition(":")[0] or model.id),  # no variant in it
            canonical_slug=text(item.get("canonical_slug")),
            modality=text(dig(item, "architecture.modality")),  # kept as is: its order can differ from the lists'
            default_parameters=mapping(item.get("default_parameters")),
        )
