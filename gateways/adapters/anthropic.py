"""Anthropic model list.  Reference: https://docs.anthropic.com/en/api/models-list

`GET /v1/models?limit=1000`, the key in `x-api-key` plus `anthropic-version`; `has_more` pages follow
`last_id` as `?after_id=`. No prices (null). Context is `max_input_tokens`, the output limit
`max_tokens`; inputs from `capabilities` (`image_input`, `pdf_input`). `lifecycle: retired` is inactive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities
from gateways.adapters.pagination import Cursors
from gateways.adapters.values import dig
from gateways.registry import register

API_VERSION = "2023-06-01"  # the Messages API version every request names
INPUTS = (("image_input", "image"), ("pdf_input", "file"))
PARAMETERS = (("structured_outputs", "structured_outputs"), ("thinking", "reasoning"))


@register
class Anthropic(Adapter):
    kind = "anthropic"
    label = "Anthropic"
    default_base_url = "https://api.anthropic.com/v1"
    builtin = Builtin(priority=60, min_expected_models=1)
    price_unit_label = "none in the list: null"
    key_header, sole_author = ("x-api-key", ""), "anthropic"
    reference = "https://docs.anthropic.com/en/api/models-list"
    list_params, pages, max_pages = {"limit": 1000}, Cursors(param="after_id", field="last_id"), 20
    name_fields, description_fields, created_fields = ("display_name",), (), ("created_at",)
    context_fields, max_output_fields = ("max_input_tokens",), ("max_tokens",)
    hugging_face_field = owner_field = None
    chat_models = True  # the Messages API serves Claude chat models only
    active_field, inactive_values = "lifecycle", ("retired",)
    sunset_fields, deprecated_at_fields = ("retires_at",), ("deprecated_at",)
    extra_fields = ("lifecycle", "deprecated_at", "retires_at", "line")

    @classmethod
    def auth_headers(cls, key: str) -> dict[str, str]:
        return {**super().auth_headers(key), "anthropic-version": API_VERSION}

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        if not isinstance(item.get("capabilities"), Mapping):
            return super().modalities(model_id, item)  # an older body: the id decides (text->text)
        extra = tuple(name for key, name in INPUTS if dig(item, f"capabilities.{key}.supported") is True)
        return ("text", *extra), ("text",), "upstream"

    def parameters(self, item: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(name for key, name in PARAMETERS if dig(item, f"capabilities.{key}.supported") is True)
