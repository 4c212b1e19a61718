"""NEAR AI Cloud model list.  Reference: https://docs.near.ai/cloud/api

`GET /v1/models`, listed without a key. `pricing` mixes units in one object: `prompt`, `completion`,
`input_cache_read`, `image`, `request` are strings in USD per token (per image, per request), `input`
and `output` numbers in USD per 1M tokens; the per-token strings win, the others are the fallback,
never added. A saved body of the older `/v1/model/list` imports too (`NEARModelList`; UPSTREAMS.md 2.16).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateways.adapters.base import Adapter, Builtin
from gateways.adapters.saved_shapes import NEARModelList
from gateways.adapters.values import PER_MILLION, PER_TOKEN
from gateways.registry import register


@register
class NEAR(Adapter):
    kind = "near"
    label = "NEAR AI Cloud"
    default_base_url = "https://cloud-api.near.ai/v1"
    builtin = Builtin(priority=30, min_expected_models=1)
    requires_key = False
    price_unit_label = "USD per token (strings); fallback input/output USD per 1M"
    reference = "https://docs.near.ai/cloud/api"
    envelope_keys = ("data", "models")
    price_fields = {
        "prompt": ("pricing.prompt", ("pricing.input", PER_MILLION)),
        "completion": ("pricing.completion", ("pricing.output", PER_MILLION)),
        **{key: (f"pricing.{key}",) for key in ("input_cache_read", "image", "request")},
    }
    price_unit, price_container = PER_TOKEN, "pricing"
    max_output_fields = ("max_output_length",)
    parameter_fields, feature_fields = ("supported_sampling_parameters",), ("supported_features",)
    active_field, inactive_values = "is_ready", (False,)
    extra_fields = ("owned_by", "quantization", "datacenters", "is_ready")
    saved_shapes = (NEARModelList,)

    def author(self, model_id: str, item: Mapping[str, Any]) -> str | None:
        # owned_by is "nearai" for the models NEAR hosts itself, else the lab
        return super().author(model_id, {} if item.get("owned_by") == "nearai" else item)
