"""AIMO Network model list.  Reference: https://docs.aimo.network (no public schema)

One row per (model, provider), id `<provider pubkey>:<model name>`, merged on the model name. **The
price unit is unverified** (UPSTREAMS.md 2.15): read from the magnitude, the first priced entry noted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities, NormalizedModel
from gateways.adapters.offers import one_item_per_offer
from gateways.adapters.values import ASSUMED_FROM_MAGNITUDE, RejectItem, author_slug, dig, mapping, required_id, text
from gateways.registry import register


@register
class AIMO(Adapter):
    kind = "aimo"
    label = "AIMO Network"
    default_base_url = "https://devnet.aimo.network/api/v1"
    builtin = Builtin(priority=30, min_expected_models=1)
    requires_key = False
    price_unit_label = "unverified: >= 0.001 read as USD per 1M tokens, smaller as USD per token"
    reference = "https://docs.aimo.network"
    name_fields, description_fields, context_fields = ("display_name", "name"), (), ("context_length",)
    hugging_face_field = None
    price_container, price_unit = "providers.0.pricing", ASSUMED_FROM_MAGNITUDE
    price_fields = {key: (f"providers.0.pricing.{key}",) for key in ("prompt", "completion")}
    input_modalities_field, output_modalities_field = "architecture.input_modalities", "architecture.output_modalities"

    def items(self, body: Any) -> list[Any]:
        expanded = one_item_per_offer(super().items(body), "providers")
        noted = next((e for e in expanded if mapping(dig(e, "providers.0.pricing"))), None)
        if noted is not None:
            shown = ", ".join(f"{key}={value}" for key, value in dig(noted, "providers.0.pricing").items())
            sample = f"name={noted.get('name')!s} pricing: {shown}"
            self.warnings.append(f"AIMO price unit is assumed; first priced entry: {sample[:200]}")
        return expanded

    def model_id(self, item: Mapping[str, Any]) -> str:
        name, provider = required_id(item, "name"), dig(item, "providers.0")
        if not isinstance(provider, Mapping):
            raise RejectItem("no providers: the model cannot be routed")
        if not (pubkey := text(provider.get("id"))):
            raise RejectItem("a provider has no 'id' (public key)")
        return f"{pubkey}:{name}"

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        ins, outs, source = super().modalities(model_id, item)
        return (ins, outs, source) if source == "upstream" else (("text",), ("text",), "inferred")  # missing: text->text

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        name, provider = required_id(item, "name"), dig(item, "providers.0")
        extra = {"provider_id": text(provider.get("id"))} | (
            {"provider_name": text(provider["name"])} if provider.get("name") else {}
        )
        return replace(model, provider_slug=author_slug(name), merge_base=name, extra=extra)
