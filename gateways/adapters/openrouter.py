"""OpenRouter model list.  Reference: https://openrouter.ai/docs/api-reference/list-available-models

Already in the target shape: fields are copied, prices are strings in USD per token. Asks for
`output_modalities=all` (the default silently omits non-text models) and follows `links.next`
(2026 bodies). `"-1"` prices mark router pseudo-models whose price is decided per request:
every price is null and `pricing_dynamic` is set (UPSTREAMS.md 2.1).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from gateways.adapters.base import (
    INPUT_ORDER,
    OUTPUT_ORDER,
    Adapter,
    NormalizedModel,
    RejectItem,
    author_slug,
    hf_style,
    ordered,
    positive_int,
    price,
    required_id,
    text,
    true_keys,
    unix_time,
)
from gateways.registry import register

DYNAMIC = Decimal(-1)
TIER_LIMITS = ("min_prompt_tokens", "utc_start", "utc_end")
PRICE_KEYS = {
    "prompt",
    "completion",
    "request",
    "image",
    "web_search",
    "internal_reasoning",
    "input_cache_read",
    "input_cache_write",
    "input_cache_write_1h",
    "audio",
    "audio_output",
    "input_audio_cache",
    "image_output",
    "image_token",
}
EXTRA_FIELDS = ("expiration_date", "knowledge_cutoff", "alias_target", "supported_voices", "reasoning", "links")


@register
class OpenRouter(Adapter):
    kind = "openrouter"
    label = "OpenRouter"
    default_base_url = "https://openrouter.ai/api/v1"
    list_params = {"output_modalities": "all"}
    requires_key = False
    price_unit_label = "USD per token (strings)"
    reference = "https://openrouter.ai/docs/api-reference/list-available-models"

    def fetch(self, client: httpx.Client) -> list[Any]:
        # 2026 bodies carry `links.next` (null on the last page); older bodies are one page.
        return self.fetch_pages(client, _next_link)

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        model_id = required_id(item)
        base, _, variant = model_id.partition(":")
        prices, overrides, dynamic = self._pricing(item.get("pricing"))
        architecture = item.get("architecture") if isinstance(item.get("architecture"), dict) else {}
        ins = ordered(architecture.get("input_modalities") or (), INPUT_ORDER)
        outs = ordered(architecture.get("output_modalities") or (), OUTPUT_ORDER)
        modality = text(architecture.get("modality"))
        top = item.get("top_provider") if isinstance(item.get("top_provider"), dict) else None
        defaults = item.get("default_parameters")
        return NormalizedModel(
            id=model_id,
            name=text(item.get("name")) or base.rsplit("/", 1)[-1],
            canonical_slug=text(item.get("canonical_slug")),
            hugging_face_id=hf_style(text(item.get("hugging_face_id"))),
            description=text(item.get("description")),
            created=unix_time(item.get("created")),
            context_length=positive_int(item.get("context_length")),
            input_modalities=ins,
            output_modalities=outs,
            # OpenRouter's own string is kept as is: its order can differ from the lists'.
            modality=modality,
            modality_source="upstream" if (ins and outs) or modality else "unknown",
            tokenizer=text(architecture.get("tokenizer")),
            instruct_type=text(architecture.get("instruct_type")),
            pricing=prices,
            pricing_overrides=overrides,
            pricing_dynamic=dynamic,
            price_unit="per_token_usd",
            top_provider=(
                {
                    "context_length": positive_int(top.get("context_length")),
                    "max_completion_tokens": positive_int(top.get("max_completion_tokens")),
                    "is_moderated": top.get("is_moderated") if isinstance(top.get("is_moderated"), bool) else None,
                }
                if top is not None
                else None
            ),
            per_request_limits=item.get("per_request_limits") if isinstance(item.get("per_request_limits"), dict) else None,
            supported_parameters=true_keys(item.get("supported_parameters")),
            default_parameters=defaults if isinstance(defaults, dict) else {},
            provider_slug=author_slug(model_id),
            variant=variant or None,
            merge_base=model_id if model_id.startswith("~") else base,
            extra={key: item[key] for key in EXTRA_FIELDS if item.get(key) is not None},
            raw=item,
        )

    def _pricing(self, pricing: Any) -> tuple[dict[str, Decimal | None], tuple[dict[str, Any], ...], bool]:
        if pricing is None:
            return {"prompt": None, "completion": None}, (), False
        if not isinstance(pricing, dict):
            raise RejectItem("pricing is not an object")
        raw = {key: value for key, value in pricing.items() if key != "overrides"}
        if any(_is_dynamic(raw.get(key)) for key in ("prompt", "completion")):
            return dict.fromkeys(["prompt", "completion", *raw]), (), True
        prices: dict[str, Decimal | None] = {"prompt": None, "completion": None}
        for key, value in raw.items():
            if key in PRICE_KEYS:
                prices[key] = price(value)
                continue
            try:
                prices[str(key)] = price(value)  # a new price key, kept in the same unit
            except RejectItem:
                continue  # an unknown field that is not a price: ignored
        tiers = pricing.get("overrides") or []
        if not isinstance(tiers, list):
            raise RejectItem("pricing.overrides is not a list")
        overrides = []
        for tier in tiers:
            if not isinstance(tier, dict):
                raise RejectItem("a pricing override is not an object")
            converted: dict[str, Any] = {}
            for key, value in tier.items():
                if key in TIER_LIMITS:
                    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                        raise RejectItem(f"pricing override {key} is not an integer")
                    converted[key] = value
                else:
                    converted[key] = price(value)
            overrides.append(converted)
        return prices, tuple(overrides), False


def _next_link(body: Any, params: dict[str, Any]) -> str | None:
    links = body.get("links") if isinstance(body, dict) else None
    following = links.get("next") if isinstance(links, dict) else None
    return following if isinstance(following, str) and following else None


def _is_dynamic(value: Any) -> bool:
    try:
        return value is not None and Decimal(str(value).strip()) == DYNAMIC
    except ArithmeticError:
        return False
