"""Featherless model list.  Reference: https://featherless.ai/docs/api-reference-models

Featherless sells flat monthly plans, so the list has no per-token prices: null, never 0. It serves
text-generation models only (chat and completions): every model is text->text. The id is the
Hugging Face repo id. The unpaged list is several megabytes (about 22k models in 2026), so it is
fetched in pages of `PAGE_SIZE` until `pagination.current_page >= total_pages`.

`items()` also reads the web catalog's shape (`/feather/models`: `{"items": [...], "pagination"}`),
whose items have no context length and a `status` (`active`, `pending_deploy`, `not_deployed`):
anything not `active` is kept and marked inactive (UPSTREAMS.md 2.3).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx

from gateways.adapters.base import (
    NormalizedModel,
    hf_style,
    pick,
    text,
    top_provider,
    unix_time,
)
from gateways.adapters.openai_compatible import OpenAICompatible
from gateways.registry import register

PAGE_SIZE = 1000


@register
class Featherless(OpenAICompatible):
    kind = "featherless"
    label = "Featherless"
    default_base_url = "https://api.featherless.ai/v1"
    envelope_keys = ("data", "items")
    requires_key = False
    configurable = False
    price_unit_label = "none (flat monthly plans): null"
    reference = "https://featherless.ai/docs/api-reference-models"
    max_pages = 100
    # One page is well under the default cap; this only matters if the upstream ignores `per_page`
    # and sends the whole catalog at once.
    max_body_bytes = 64 * 1024 * 1024

    def fetch(self, client: httpx.Client) -> list[Any]:
        return self.fetch_pages(client, _next_page, params={"per_page": PAGE_SIZE, "page": 1})

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        model = super().normalize(item)
        assert model is not None
        status = text(item.get("status"))
        return replace(
            model,
            name=text(item.get("name")) or model.id,
            created=unix_time(item.get("created")) or unix_time(item.get("created_at")),
            hugging_face_id=hf_style(model.id),
            input_modalities=("text",),
            output_modalities=("text",),
            modality="text->text",
            modality_source="upstream",
            top_provider=top_provider(model.context_length, item.get("max_completion_tokens")),
            upstream_active=status is None or status == "active",
            extra=pick(item, "model_class", "is_gated", "available_on_current_plan", "status", "health"),
        )


def _next_page(body: Any, params: dict[str, Any]) -> dict[str, Any] | None:
    pagination = body.get("pagination") if isinstance(body, dict) else None
    if not isinstance(pagination, dict):
        return None  # an unpaged body: the whole list
    current, total = pagination.get("current_page"), pagination.get("total_pages")
    if not isinstance(current, int) or not isinstance(total, int) or current >= total:
        return None
    return {**params, "page": current + 1}
