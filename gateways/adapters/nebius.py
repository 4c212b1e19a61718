"""Nebius AI Studio / Token Factory model list.  Reference: https://docs.tokenfactory.nebius.com/api-reference/models

`GET /v1/models?verbose=true` adds `pricing` (USD per token), `context_length`, `architecture.modality`
and `per_request_limits`; if the verbose form is refused (400, 404, 422) the plain list is used, and
the run warns. A `-fast` suffix is a separate, differently priced offer (UPSTREAMS.md 2.7).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx

from gateways.adapters.base import Adapter, Builtin, NormalizedModel
from gateways.adapters.values import PER_TOKEN, hf_style
from gateways.errors import AdapterError
from gateways.fetch import fetch_json
from gateways.registry import register


@register
class Nebius(Adapter):
    kind = "nebius"
    label = "Nebius"
    default_base_url = "https://api.tokenfactory.nebius.com/v1"
    builtin = Builtin(priority=50, min_expected_models=5)
    price_unit_label = "USD per token (strings, verbose list)"
    reference = "https://docs.tokenfactory.nebius.com/api-reference/models"
    list_params = {"verbose": "true"}
    context_fields = ("context_length", "config.max_tokens")
    price_fields = {"prompt": ("pricing.prompt",), "completion": ("pricing.completion",)}
    price_unit = PER_TOKEN
    owner_field = None
    parameter_fields, feature_fields = ("supported_sampling_parameters",), ("supported_features",)
    variant_suffixes = {"-fast": "fast"}
    extra_fields, per_request_limits_field = ("regions",), "per_request_limits"

    def fetch(self, client: httpx.Client) -> list[Any]:
        try:
            return super().fetch(client)
        except AdapterError as exc:
            if exc.http_status not in (400, 404, 422):
                raise
            self.warnings.append(
                f"verbose list refused (HTTP {exc.http_status}); used the plain list: no prices or context lengths"
            )
        return self.items(fetch_json(client, self.list_path))

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        return replace(model, hugging_face_id=hf_style(model.merge_base))
