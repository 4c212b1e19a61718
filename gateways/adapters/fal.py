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
from typing import Any

import httpx

from gateways.adapters.base import (
    Adapter,
    NormalizedModel,
    author_slug,
    fallback_modalities,
    last_segment,
    mapping,
    modality_string,
    pick,
    required_id,
    text,
    unix_time,
)
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
    envelope_keys = ("models", "data")
    requires_key = False
    price_unit_label = "none in the list (billed per image/second/megapixel): null"
    reference = "https://docs.fal.ai/platform-apis/v1/models"

    @classmethod
    def auth_headers(cls, key: str) -> dict[str, str]:
        return {"Authorization": f"Key {key}"}

    def fetch(self, client: httpx.Client) -> list[Any]:
        return self.fetch_pages(client, _next_cursor)

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        endpoint_id = required_id(item, "endpoint_id")
        metadata = mapping(item.get("metadata"))
        category = text(metadata.get("category"))
        training = category == "training" or metadata.get("kind") == "training"
        if training:
            ins, outs, source = (), (), "unknown"  # a fine-tuning endpoint: no modality
        elif category in CATEGORIES:
            ins, outs = CATEGORIES[category]
            source = "upstream"
        elif category is None:
            ins, outs, source = fallback_modalities(endpoint_id)  # no type at all: the id decides
        else:
            ins, outs, source = (), (), "unknown"
        head = endpoint_id.split("/", 1)[0].lower()
        return NormalizedModel(
            id=endpoint_id,
            name=text(metadata.get("display_name")) or last_segment(endpoint_id),
            description=text(metadata.get("description")),
            created=unix_time(metadata.get("date")),
            input_modalities=ins,
            output_modalities=outs,
            modality=modality_string(ins, outs),
            modality_source=source,
            pricing={"prompt": None, "completion": None},
            provider_slug=None if head == HOST_NAMESPACE else author_slug(endpoint_id),
            merge_base=endpoint_id,
            upstream_active=text(metadata.get("status")) != "deprecated",
            extra={
                **pick(metadata, "category", "status", "tags", "license_type", "model_url"),
                **({"kind": "training"} if training else pick(metadata, "kind")),
                **({"group": metadata["group"]} if isinstance(metadata.get("group"), Mapping) else {}),
            },
            raw=item,
        )


def _next_cursor(body: Any, params: dict[str, Any]) -> dict[str, Any] | None:
    if not isinstance(body, dict) or body.get("has_more") is False:
        return None
    cursor = body.get("next_cursor")
    return {**params, "cursor": cursor} if isinstance(cursor, str) and cursor else None
