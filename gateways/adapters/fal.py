"""Fal model list.  Reference: https://docs.fal.ai/platform-apis/v1/models

`GET /v1/models`, `cursor` pages, no key needed (a key raises rate limits: `Authorization: Key ...`).
Every endpoint is its own row. No prices (Fal bills per image, second or megapixel) and no context.
Modality from `metadata.category`; an unknown one stays unknown (UPSTREAMS.md 2.17; docs/adapters.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities, NormalizedModel
from gateways.adapters.modalities import FAL_CATEGORIES
from gateways.adapters.pagination import Cursors
from gateways.adapters.values import author_slug, dig, text
from gateways.registry import register

HOST_NAMESPACE = "fal-ai"  # Fal's own namespace for hosted models, not the model's author


@register
class Fal(Adapter):
    kind = "fal"
    label = "Fal"
    default_base_url = "https://api.fal.ai/v1"
    builtin = Builtin(priority=35, min_expected_models=50)
    requires_key, key_header = False, ("Authorization", "Key ")
    price_unit_label = "none in the list (billed per image/second/megapixel): null"
    reference = "https://docs.fal.ai/platform-apis/v1/models"
    envelope_keys, pages, id_field = ("models", "data"), Cursors(), "endpoint_id"
    name_fields, description_fields = ("metadata.display_name",), ("metadata.description",)
    created_fields, context_fields = ("metadata.date",), ()
    type_field, type_modalities = "metadata.category", FAL_CATEGORIES
    active_field, inactive_values = "metadata.status", ("deprecated",)
    extra_fields = tuple(f"metadata.{key}" for key in ("category", "status", "tags", "license_type", "model_url", "kind"))

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        if _training(item) or text(dig(item, "metadata.category")) not in (None, *FAL_CATEGORIES):
            return (), (), "unknown"  # a fine-tuning endpoint, or a category we do not know: never guessed
        return super().modalities(model_id, item)  # no category at all: the id decides

    def author(self, model_id: str, item: Mapping[str, Any]) -> str | None:
        return None if model_id.split("/", 1)[0].lower() == HOST_NAMESPACE else author_slug(model_id)

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        group = dig(item, "metadata.group")
        return replace(
            model,
            extra=model.extra
            | ({"kind": "training"} if _training(item) else {})
            | ({"group": group} if isinstance(group, Mapping) else {}),
        )


def _training(item: Mapping[str, Any]) -> bool:
    return dig(item, "metadata.category") == "training" or dig(item, "metadata.kind") == "training"
