"""Cloudflare Workers AI model search.  Reference: https://developers.cloudflare.com/api/resources/ai/subresources/models/methods/list

`GET /accounts/{account_id}/ai/models/search`, the account id from the gateway's options (none: unconfigured); `result`
pages until one is empty. The id is `name` (`id` is a UUID); modality from `task.name`; `properties` pairs hold the context,
flags and `price` entries: USD per 1M tokens become token prices, other units stay raw in `extra` (docs/adapters.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gateways.adapters.base import NO_PRICES, Adapter, Builtin, Modalities, NormalizedModel, Prices
from gateways.adapters.pagination import PageNumbers
from gateways.adapters.values import author_slug, dig, per_million, priced
from gateways.registry import register

T = ("text",)
TASKS = {"Text Generation": (T, T), "Translation": (T, T), "Summarization": (T, T), "Text Embeddings": (T, ("embeddings",))}
TASKS |= {"Text-to-Image": (T, ("image",)), "Image-to-Text": (("text", "image"), T), "Text-to-Speech": (T, ("speech",))}
TASKS |= {"Automatic Speech Recognition": (("audio",), ("transcription",))}
PER_M = {"per M input tokens": "prompt", "per M output tokens": "completion", "per M cached input tokens": "input_cache_read"}


@register
class CloudflareWorkersAI(Adapter):
    kind, label = "cloudflare-workers-ai", "Cloudflare Workers AI"
    default_base_url = "https://api.cloudflare.com/client/v4"
    builtin = Builtin(priority=40, min_expected_models=10)
    price_unit_label = "USD per 1M tokens (`price` properties); other units raw in extra"
    reference = "https://developers.cloudflare.com/api/resources/ai/subresources/models/methods/list"
    list_path = "accounts/{account_id}/ai/models/search"
    option_patterns = {"account_id": ("[0-9a-f]{32}", "a Cloudflare account id: 32 lower-case hex characters")}
    envelope_keys, pairs_field = ("result",), ("properties", "property_id", "value")
    pages = PageNumbers(100, current="result_info.page", total="result_info.total_pages", items="result")
    id_field, name_fields, created_fields, owner_field = "name", (), (), None
    context_fields, type_field, type_modalities = ("properties.context_window",), "task.name", TASKS
    feature_fields, retired_field = ("properties",), "properties.planned_deprecation_date"
    extra_fields = ("task", "tags", "created_at", "properties.planned_deprecation_date")

    def prices(self, item: Mapping[str, Any]) -> Prices:
        stated = {PER_M[entry["unit"]]: per_million(entry.get("price")) for entry in _price_entries(item, per_token=True)}
        return priced({**NO_PRICES, **stated}, "per_1m_usd")

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        ins, outs, source = super().modalities(model_id, item)
        return (("text", "image") if dig(item, "properties.vision") is True and outs == T else ins), outs, source

    def author(self, model_id: str, item: Mapping[str, Any]) -> str | None:
        return author_slug(model_id.split("/", 1)[-1])  # `@cf/meta/...`: `@cf` is Cloudflare's namespace

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        others = _price_entries(item, per_token=False)  # per image, per audio minute...: not token prices
        return replace(model, extra={**model.extra, **({"other_prices": others} if others else {})})


def _price_entries(item: Mapping[str, Any], *, per_token: bool) -> list[Mapping[str, Any]]:
    entries = [entry for entry in dig(item, "properties.price") or () if isinstance(entry, Mapping)]
    return [e for e in entries if (e.get("currency") == "USD" and e.get("unit") in PER_M) is per_token]
