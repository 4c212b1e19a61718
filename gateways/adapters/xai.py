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

from typing import Any

import httpx

from gateways.adapters.base import (
    Adapter,
    NormalizedModel,
    RejectItem,
    fallback_modalities,
    modalities_from_lists,
    modality_string,
    pick,
    positive_int,
    required_id,
    scaled,
    unix_time,
)
from gateways.errors import AdapterError, ErrorKind
from gateways.fetch import fetch_json
from gateways.registry import register

SCALE = -10  # 0.0001 USD per 1M tokens -> USD per token
PRICE_FIELDS = {
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
    list_path = "language-models"
    envelope_keys = ("models", "data")
    price_unit_label = "0.0001 USD per 1M tokens (x 10^-10)"
    reference = "https://docs.x.ai/docs/api-reference#list-language-models"

    def fetch(self, client: httpx.Client) -> list[Any]:
        items = self.items(fetch_json(client, self.list_path))
        for path in MEDIA_LISTS:
            try:
                items.extend(self.items(fetch_json(client, path)))
            except AdapterError as exc:
                if exc.kind != ErrorKind.NOT_FOUND:
                    raise  # a transient failure must not publish a list without the media models
                self.warnings.append(f"/{path} answered 404; its models are not in this list")
        return items

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        model_id = required_id(item)
        stated = modalities_from_lists(item.get("input_modalities"), item.get("output_modalities"))
        (ins, outs), source = (stated, "upstream") if stated else _from_id(model_id.lower())
        prices = {
            key: scaled(item.get(field), SCALE)
            for key, field in {**PRICE_FIELDS, "web_search": "search_price"}.items()
            if key in ("prompt", "completion") or item.get(field) is not None
        }
        priced = any(value is not None for value in prices.values())
        context = positive_int(item.get("max_prompt_length"))
        aliases = [a for a in item.get("aliases") or () if isinstance(a, str) and a]
        return NormalizedModel(
            id=model_id,
            name=model_id,
            created=unix_time(item.get("created")),
            context_length=context,
            input_modalities=ins,
            output_modalities=outs,
            modality=modality_string(ins, outs),
            modality_source=source,
            pricing=prices if priced else {"prompt": None, "completion": None},
            pricing_overrides=_long_context_tier(item, prices),
            price_unit="per_1m_0.0001usd" if priced else None,
            provider_slug="xai",  # xAI serves its own models only
            merge_base=model_id,
            extra={**pick(item, "version", "fingerprint"), **({"aliases": aliases} if aliases else {})},
            raw=item,
        )


def _from_id(lowered: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], str]:
    """The plain `/v1/models` list states no type (UPSTREAMS.md 2.8)."""
    if "video" in lowered:
        return (("text",), ("video",)), "inferred"
    if "image" in lowered:
        return (("text",), ("image",)), "inferred"
    if lowered.startswith("grok"):
        return ((("text", "image") if "vision" in lowered else ("text",)), ("text",)), "inferred"
    ins, outs, source = fallback_modalities(lowered)
    return (ins, outs), source


def _long_context_tier(item: dict[str, Any], prices: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    threshold = item.get("long_context_threshold")
    if threshold is None or threshold == 0:
        return ()
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        raise RejectItem(f"long_context_threshold {threshold!r:.40} is not a token count")
    tier: dict[str, Any] = {"min_prompt_tokens": threshold}
    for key, field in PRICE_FIELDS.items():
        value = scaled(item.get(f"{field}_long_context"), SCALE)
        if value is not None:
            tier[key] = prices.get(key) if value == 0 else value
    return (tier,) if len(tier) > 1 else ()
