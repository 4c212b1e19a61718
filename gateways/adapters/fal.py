"""Fal model list.  Reference: https://docs.fal.ai/platform-apis/v1/models

`GET /v1/models` -> `{"models": [...], "next_cursor", "has_more"}`, followed by passing `cursor` back
unchanged until `next_cursor` is null or `has_more` is false. Listing needs no key; a configured key
raises rate limits and travels as `Authorization: Key <key>`. Every endpoint is its own row (`/edit`,
`/image-to-video` siblings included). Prices are not in this list (they are per image, per second,
per megapixel... from a separate call), so they are null; there is no context length. The modality
comes from `metadata.category` (`<in>-to-<out>`); an unknown category is unknown, never text->image
(UPSTREAMS.md 2.17).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities, NormalizedModel
from gateways.adapters.pagination import Cursors
from gateways.adapters.values import author_slug, dig, mapping, pick, text
from gateways.registry import register

CATEGORIES = {
    "text-to-image": (("text",), ("image",)),
    "image-to-image": (("text", "image"), ("image",)),
    "text-to-video": (("text",), ("video",)),
    "image-to-video": (("text", "image"), ("video",)),
    "video-to-video": (("text", "video"), ("video",)),
    "text-to-audio": (("text",), ("audio",)),
    "text-to-speech": (("text",), ("speech",)),
    "speech-to-text": (("audio",), ("transcription",)),
    "audio-to-audio": (("audio",), ("audio",)),
    "image-to-3d": (("image",), ("3d",)),
    "text-to-3d": (("text",), ("3d",)),
    "llm": (("text",), ("text",)),
    "vision": (("text", "image"), ("text",)),
}
# `fal-ai/...` is Fal's own namespace for hosted models, not the model's author.
HOST_NAMESPACE = "fal-ai"


@register
class Fal(Adapter):
    kind = "fal"
    label = "Fal"
    default_base_url = "https://api.fal.ai/v1"
    builtin = Builtin(priority=35, min_expected_models=50)
    requires_key = False
    price_unit_label = "none in the list (billed per image/second/megapixel): null"
    key_header = ("Authorization", "Key ")
    reference = "https://docs.fal.ai/platform-apis/v1/models"
    envelope_keys = ("models", "data")
    pages = Cursors()
    id_field = "endpoint_id"
    name_fields, description_fields = ("metadata.display_name",), ("metadata.description",)
    created_fields, context_fields = ("metadata.date",), ()
    type_field, type_modalities = "metadata.category", CATEGORIES
    active_field, inactive_values = "metadata.status", ("deprecated",)

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        category = text(dig(item, "metadata.category"))
        if _training(item) or category not in (None, *CATEGORIES):
            return (), (), "unknown"  # a fine-tuning endpoint, or a category we do not know: never guessed
        return super().modalities(model_id, item)  # no category at all: the id decides

    def author(self, model_id: str, item: Mapping[str, Any]) -> str | None:
        return None if model_id.split("/", 1)[0].lower() == HOST_NAMESPACE else author_slug(model_id)

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        metadata = mapping(item.get("metadata"))
        extra = {
            **pick(metadata, "category", "status", "tags", "license_type", "model_url"),
            **({"kind": "training"} if _training(item) else pick(metadata, "kind")),
            **({"group": metadata["group"]} if isinstance(metadata.get("group"), Mapping) else {}),
        }
        return replace(model, extra=extra)


def _training(item: Mapping[str, Any]) -> bool:
    return dig(item, "metadata.category") == "training" or dig(item, "metadata.kind") == "training"
