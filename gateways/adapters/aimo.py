"""AIMO Network model list.  Reference: https://docs.aimo.network (no public schema)

A client calls either `org/model` (the network picks a provider) or `<provider pubkey>:<model name>`
(a direct route). We store one row per (model, provider) with the direct-route id; the merge base
drops the `<pubkey>:` head. Entries without `name` or without `providers` cannot be used: rejected.

**The price unit is unverified** (UPSTREAMS.md 2.15): a value of at least 0.001 is read as USD per 1M
tokens, a smaller positive value as USD per token already; `price_unit` says which was assumed
(`per_1m_usd_assumed`, `per_token_usd_assumed`), and every run records the first priced entry it saw
as a warning so the rule can be checked against real bodies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities, NormalizedModel, Prices
from gateways.adapters.values import RejectItem, assumed_price, author_slug, combined_unit, mapping, required_id, text
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
    name_fields = ("display_name", "name")
    description_fields = ()
    context_fields = ("context_length",)
    hugging_face_field = None
    input_modalities_field = "architecture.input_modalities"
    output_modalities_field = "architecture.output_modalities"

    def items(self, body: Any) -> list[Any]:
        """One item per (model, provider): the model entry with only that provider in `providers`.
        Entries without a usable providers list pass through whole, to be rejected and counted."""
        expanded: list[Any] = []
        for entry in super().items(body):
            providers = entry.get("providers") if isinstance(entry, dict) else None
            if isinstance(providers, list) and providers:
                expanded.extend({**entry, "providers": [provider]} for provider in providers)
            else:
                expanded.append(entry)
        noted = next((e for e in expanded if mapping(_provider(e)).get("pricing")), None)
        if noted is not None:
            pricing = mapping(mapping(_provider(noted)).get("pricing"))
            shown = ", ".join(f"{key}={value}" for key, value in pricing.items())
            sample = f"name={noted.get('name')!s} pricing: {shown}"
            self.warnings.append(f"AIMO price unit is assumed; first priced entry: {sample[:200]}")
        return expanded

    def model_id(self, item: Mapping[str, Any]) -> str:
        name, provider = required_id(item, "name"), _provider(item)
        if not isinstance(provider, Mapping):
            raise RejectItem("no providers: the model cannot be routed")
        pubkey = text(provider.get("id"))
        if not pubkey:
            raise RejectItem("a provider has no 'id' (public key)")
        return f"{pubkey}:{name}"

    def prices(self, item: Mapping[str, Any]) -> Prices:
        pricing = _provider(item).get("pricing")
        if pricing is not None and not isinstance(pricing, Mapping):
            raise RejectItem("provider pricing is not an object")
        prompt, prompt_unit = assumed_price(mapping(pricing).get("prompt"))
        completion, completion_unit = assumed_price(mapping(pricing).get("completion"))
        return {"prompt": prompt, "completion": completion}, combined_unit(prompt_unit, completion_unit)

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        ins, outs, source = super().modalities(model_id, item)
        return (ins, outs, source) if source == "upstream" else (("text",), ("text",), "inferred")  # missing: text->text

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        name, provider = required_id(item, "name"), _provider(item)
        extra = {"provider_id": text(provider.get("id"))}
        if provider.get("name"):
            extra["provider_name"] = text(provider.get("name"))
        return replace(model, provider_slug=author_slug(name), merge_base=name, extra=extra)


def _provider(item: Any) -> Any:
    providers = item.get("providers") if isinstance(item, dict) else None
    return providers[0] if isinstance(providers, list) and providers else None
