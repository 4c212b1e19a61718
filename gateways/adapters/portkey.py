"""Portkey model catalog.  Reference: https://portkey.ai/docs/api-reference/inference-api/models

`GET /v1/models` lists `@<provider>/<provider-model id>` ids only. Prices, context and modality are
filled at refresh time from our stored rows, never fetched live (`enrich`; docs/adapters.md, "Portkey").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities, NormalizedModel, ParseResult
from gateways.adapters.borrowed import Route, fill_all, kind_named, native_variant, split_id
from gateways.adapters.modalities import fallback_modalities
from gateways.adapters.values import author_slug
from gateways.registry import register, registered_kinds

FALLBACK_KIND = "openrouter"


@register
class Portkey(Adapter):
    kind = "portkey"
    label = "Portkey"
    default_base_url = "https://api.portkey.ai/v1"
    builtin = Builtin(priority=10, min_expected_models=1)
    price_unit_label = "none in the list: copied (USD per token) from the matched stored row"
    key_header = ("x-portkey-api-key", "")
    reference = "https://portkey.ai/docs/api-reference/inference-api/models"
    # Items are ids only: every other field comes from the provider-model id or from `enrich`.
    name_fields = description_fields = created_fields = context_fields = ()
    hugging_face_field = owner_field = None
    total_field = "total"  # Portkey is reported to cap its catalog at 500

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        return fallback_modalities(split_id(model_id)[1])

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        head, model_slug = split_id(model.id)
        base, variant = native_variant(head, model_slug)
        return replace(
            model, provider_slug=author_slug(base), merge_base=base, variant=variant, extra={"provider": head} if head else {}
        )

    def enrich(self, result: ParseResult, lookup: Any) -> None:
        kinds = set(registered_kinds()) - {self.kind}
        routes = [_route(model.id, kinds) for model in result.models]
        fill_all(result.models, routes, lookup, fallback_kind=FALLBACK_KIND if FALLBACK_KIND in kinds else None)


def _route(model_id: str, kinds: set[str]) -> Route:
    """The native kind and id, and the OpenRouter merge keys (`@openai/gpt-4o` also tries `openai/gpt-4o`)."""
    head, model_slug = split_id(model_id)
    key = model_slug.lower()
    return kind_named(head, kinds), model_slug, [key, f"{head}/{key}"] if head and "/" not in key else [key]
