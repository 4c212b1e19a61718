"""Nebius AI Studio / Token Factory model list.  Reference: https://docs.tokenfactory.nebius.com/api-reference/models

`GET /v1/models?verbose=true` adds `pricing` (strings, USD per token), `context_length` and
`architecture.modality` (an arrow string; embedding models say `text->embedding`). If the verbose
form is refused (400, 404, 422) the plain list is fetched instead: bare ids, prices and context null,
modality from the id keyword table, and the run records a warning. A `-fast` suffix is a faster,
differently priced variant: a separate offer (UPSTREAMS.md 2.7).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

import httpx

from gateways.adapters.base import (
    NormalizedModel,
    author_slug,
    feature_parameters,
    hf_style,
    mapping,
    parse_modality,
    pick,
    positive_int,
    price,
    priced,
    text,
)
from gateways.adapters.openai_compatible import OpenAICompatible
from gateways.errors import AdapterError
from gateways.fetch import fetch_json
from gateways.registry import register

FAST = "-fast"


@register
class Nebius(OpenAICompatible):
    kind = "nebius"
    label = "Nebius"
    default_base_url = "https://api.tokenfactory.nebius.com/v1"
    list_params = {"verbose": "true"}
    configurable = False
    price_unit_label = "USD per token (strings, verbose list)"
    reference = "https://docs.tokenfactory.nebius.com/api-reference/models"

    def fetch(self, client: httpx.Client) -> list[Any]:
        try:
            return self.items(fetch_json(client, self.list_path, params=self.list_params))
        except AdapterError as exc:
            if exc.http_status not in (400, 404, 422):
                raise
            self.warnings.append(
                f"verbose list refused (HTTP {exc.http_status}); used the plain list: no prices or context lengths"
            )
        return self.items(fetch_json(client, self.list_path))

    def prices(self, item: Mapping[str, Any]) -> tuple[dict[str, Decimal | None], str | None]:
        pricing = mapping(item.get("pricing"))
        prices = {"prompt": price(pricing.get("prompt")), "completion": price(pricing.get("completion"))}
        return priced(prices, "per_token_usd")

    def context(self, item: Mapping[str, Any]) -> int | None:
        return positive_int(item.get("context_length")) or positive_int(mapping(item.get("config")).get("max_tokens"))

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...], str]:
        stated = parse_modality(text(mapping(item.get("architecture")).get("modality")))
        if stated:
            return stated[0], stated[1], "upstream"
        return super().modalities(model_id, item)

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        model = super().normalize(item)
        assert model is not None
        fast = model.id.lower().endswith(FAST)
        base = model.id[: -len(FAST)] if fast else model.id
        per_request = item.get("per_request_limits")
        return replace(
            model,
            hugging_face_id=hf_style(base),
            tokenizer=text(mapping(item.get("architecture")).get("tokenizer")),
            supported_parameters=feature_parameters(item.get("supported_features")),
            per_request_limits=per_request if isinstance(per_request, Mapping) else None,
            # owned_by is "system" for every model.
            provider_slug=author_slug(model.id),
            variant="fast" if fast else None,
            merge_base=base,
            extra=pick(item, "regions"),
        )
