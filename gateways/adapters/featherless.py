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

from collections.abc import Mapping
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities
from gateways.adapters.pagination import PageNumbers
from gateways.registry import register


@register
class Featherless(Adapter):
    kind = "featherless"
    label = "Featherless"
    default_base_url = "https://api.featherless.ai/v1"
    builtin = Builtin(priority=40, min_expected_models=100)
    requires_key = False
    price_unit_label = "none (flat monthly plans): null"
    reference = "https://featherless.ai/docs/api-reference-models"
    envelope_keys = ("data", "items")
    pages = PageNumbers(size=1000)
    max_pages = 100
    # One page is well under the default cap; this only matters if the upstream ignores `per_page`
    # and sends the whole catalog at once.
    max_body_bytes = 64 * 1024 * 1024
    name_fields = ("name", "id")
    created_fields = ("created", "created_at")
    max_output_fields = ("max_completion_tokens",)
    id_is_hugging_face = True
    active_field, active_values = "status", ("active",)
    extra_fields = ("model_class", "is_gated", "available_on_current_plan", "status", "health")

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        return ("text",), ("text",), "upstream"
