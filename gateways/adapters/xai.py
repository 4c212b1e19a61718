"""xAI model lists.  Reference: https://docs.x.ai/docs/api-reference#list-language-models

`GET /v1/language-models` carries prices as integers in units of 0.0001 USD per 1M tokens (1/100 of a
US cent per 1M), i.e. USD per token = value x 10^-10 (`30000` -> `0.000003`). `search_price` uses the
same scale per search. `*_long_context` prices become one `overrides` tier at `min_prompt_tokens =
long_context_threshold` (a long-context price of 0 means "same as the base price"; a threshold of 0
means no tier). Its siblings `/v1/image-generation-models` and `/v1/video-generation-models` share the
envelope and are fetched too; their per-image/per-video prices are not token prices and stay raw.
`aliases` (other callable ids of the same model) are kept in `extra`, never as separate rows.
A saved body of the plain `/v1/models` list imports too: no prices, modality from the id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import httpx

from gateways.adapters.base import Adapter, Builtin, Modalities, NormalizedModel
from gateways.adapters.modalities import fallback_modalities
from gateways.adapters.values import TEN_THOUSANDTHS_PER_MILLION, RejectItem
from gateways.errors import AdapterError, ErrorKind
from gateways.fetch import fetch_json
from gateways.registry import register

TOKEN_PRICES = {
    "prompt": "prompt_text_token_price",
    "completion": "completion_text_token_price",
    "input_cache_read": "cached_prompt_text_token_price",
    "image_token": "prompt_image_token_price",
}
MEDIA_LISTS = ("image-generation-models", "video-generation-models")


@register
class XAI(Adapter):
    kind = "xai"
    label = "xAI"
    default_base_url = "https://api.x.ai/v1"
    builtin = Builtin(priority=60, min_expected_models=1)
    price_unit_label = "0.0001 USD per 1M tokens (x 10^-10)"
    reference = "https://docs.x.ai/docs/api-reference#list-language-models"
    list_path = "language-models"
    envelope_keys = ("models", "data")
    name_fields, description_fields = ("id",), ()
    context_fields = ("max_prompt_length",)
    price_fields = {**{key: (field,) for key, field in TOKEN_PRICES.items()}, "web_search": ("search_price",)}
    price_unit = TEN_THOUSANDTHS_PER_MILLION
    extra_fields = ("version", "fingerprint")

    def fetch(self, client: httpx.Client) -> list[Any]:
        items = super().fetch(client)
        for path in MEDIA_LISTS:
            try:
                items.extend(self.items(fetch_json(client, path)))
            except AdapterError as exc:
                if exc.kind != ErrorKind.NOT_FOUND:
                    raise  # a transient failure must not publish a list without the media models
                self.warnings.append(f"/{path} answered 404; its models are not in this list")
        return items

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        stated = super().modalities(model_id, item)
        if stated[2] == "upstream":
            return stated
        lowered = model_id.lower()  # the plain /v1/models list states no type (UPSTREAMS.md 2.8)
        if "video" in lowered or "image" in lowered:
            return ("text",), ("video" if "video" in lowered else "image",), "inferred"
        if lowered.startswith("grok"):
            return ("text", "image") if "vision" in lowered else ("text",), ("text",), "inferred"
        return fallback_modalities(lowered)

    def author(self, model_id: str, item: Mapping[str, Any]) -> str | None:
        return "xai"  # xAI serves its own models only

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        aliases = [a for a in item.get("aliases") or () if isinstance(a, str) and a]
        return replace(
            model,
            pricing_overrides=_long_context_tier(item, model.pricing),
            extra={**model.extra, **({"aliases": aliases} if aliases else {})},
        )


def _long_context_tier(item: dict[str, Any], prices: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    threshold = item.get("long_context_threshold")
    if threshold is None or threshold == 0:
        return ()
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        raise RejectItem(f"long_context_threshold {threshold!r:.40} is not a token count")
    tier: dict[str, Any] = {"min_prompt_tokens": threshold}
    for key, field in TOKEN_PRICES.items():
        value = TEN_THOUSANDTHS_PER_MILLION.read(item.get(f"{field}_long_context"))
        if value is not None:
            tier[key] = prices.get(key) if value == 0 else value
    return (tier,) if len(tier) > 1 else ()
