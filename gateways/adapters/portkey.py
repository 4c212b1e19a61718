"""Portkey model catalog.  Reference: https://portkey.ai/docs/api-reference/inference-api/models

`GET /v1/models` (key in `x-portkey-api-key`; no provider header, so the workspace catalog comes
back) lists ids only: `@<provider>/<provider-model-id>`. Prices, context and modality are filled at
refresh time from our own stored rows, by indexed lookup (`enrich`), in this order:

1. the row of the native gateway named by the provider head (`@deepinfra` -> the `deepinfra` kind;
   `@together-ai` -> `together`) with the same provider-model id, case-insensitively;
2. the stored OpenRouter row with the same merge key (for a bare provider-model id, also
   `<provider>/<id>`, so `@openai/gpt-4o` finds `openai/gpt-4o`);
3. otherwise null (modality: the id keyword table, else unknown).

Each field comes from the first source that has it; `extra` records the sources
(`price_source`, `context_source`, `modality_from`). Nothing is fetched live (UPSTREAMS.md 2.2).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from gateways.adapters.base import (
    Adapter,
    NormalizedModel,
    ParseResult,
    author_slug,
    fallback_modalities,
    last_segment,
    modality_string,
    required_id,
)
from gateways.registry import register, registered_kinds

FALLBACK_KIND = "openrouter"
TIER_LIMITS = ("min_prompt_tokens", "utc_start", "utc_end")


@register
class Portkey(Adapter):
    kind = "portkey"
    label = "Portkey"
    default_base_url = "https://api.portkey.ai/v1"
    price_unit_label = "none in the list: copied (USD per token) from the matched stored row"
    reference = "https://portkey.ai/docs/api-reference/inference-api/models"

    @classmethod
    def auth_headers(cls, key: str) -> dict[str, str]:
        return {"x-portkey-api-key": key}

    def items(self, body: Any) -> list[Any]:
        found = super().items(body)
        total = body.get("total") if isinstance(body, dict) else None
        if isinstance(total, int) and not isinstance(total, bool) and total != len(found):
            self.warnings.append(f"Portkey says total={total} but sent {len(found)} models (its catalog may be capped)")
        return found

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        model_id = required_id(item)
        head, model_slug = split_id(model_id)
        ins, outs, source = fallback_modalities(model_slug)
        return NormalizedModel(
            id=model_id,
            name=last_segment(model_slug or model_id),  # never empty, even for an id such as "/"
            input_modalities=ins,
            output_modalities=outs,
            modality=modality_string(ins, outs),
            modality_source=source,
            pricing={"prompt": None, "completion": None},
            provider_slug=author_slug(model_slug),
            merge_base=model_slug,
            extra={"provider": head} if head else {},
            raw=item,
        )

    def enrich(self, result: ParseResult, lookup: Any) -> None:
        kinds = set(registered_kinds()) - {self.kind}
        wanted: dict[str, set[str]] = defaultdict(set)
        keys: set[str] = set()
        for model in result.models:
            head, model_slug = split_id(model.id)
            kind = native_kind(head, kinds)
            if kind:
                wanted[kind].add(model_slug)
            keys.update(_fallback_keys(head, model_slug))
        native = {kind: lookup.by_gateway_ids(gateway_kind=kind, upstream_ids=ids) for kind, ids in wanted.items()}
        fallback = lookup.by_canonical_keys(gateway_kind=FALLBACK_KIND, keys=keys) if FALLBACK_KIND in kinds else {}
        for index, model in enumerate(result.models):
            head, model_slug = split_id(model.id)
            kind = native_kind(head, kinds)
            sources = [native.get(kind, {}).get(model_slug.lower())] if kind else []
            sources += [fallback.get(key) for key in _fallback_keys(head, model_slug)]
            rows = list({(row["gateway__slug"], row["upstream_id"]): row for row in sources if row}.values())
            result.models[index] = _filled(model, rows)


def split_id(model_id: str) -> tuple[str | None, str]:
    """`@deepinfra/Qwen/Qwen3-8B` -> (`deepinfra`, `Qwen/Qwen3-8B`); an id without the head is kept."""
    if model_id.startswith("@") and "/" in model_id:
        head, rest = model_id[1:].split("/", 1)
        if head and rest:
            return head.lower(), rest
    return None, model_id


def native_kind(head: str | None, kinds: set[str]) -> str | None:
    """The registered adapter kind a Portkey provider head names: `deepinfra`, `together-ai` ->
    `together`, `x-ai` -> `xai`, `fireworks-ai` -> `fireworks`."""
    if not head:
        return None
    for candidate in (head, head.removesuffix("-ai"), head.replace("-", "")):
        if candidate in kinds:
            return candidate
    return None


def _fallback_keys(head: str | None, model_slug: str) -> list[str]:
    key = model_slug.lower()
    return [key, f"{head}/{key}"] if head and "/" not in key else [key]


def _decimal(value: Any) -> Decimal | None:
    return Decimal(value) if isinstance(value, str) else None


def _filled(model: NormalizedModel, rows: list[Mapping[str, Any]]) -> NormalizedModel:
    changes: dict[str, Any] = {}
    extra = dict(model.extra)
    priced = next((r for r in rows if any(v is not None for k, v in (r["pricing"] or {}).items() if k != "overrides")), None)
    if priced:
        stored = priced["pricing"] or {}
        changes["pricing"] = {k: _decimal(v) for k, v in stored.items() if k != "overrides"}
        changes["pricing_overrides"] = tuple(
            {k: (v if k in TIER_LIMITS else _decimal(v)) for k, v in tier.items()} for tier in stored.get("overrides") or ()
        )
        changes["price_unit"] = "per_token_usd"  # stored rows are already USD per token
        extra["price_source"] = priced["gateway__slug"]
    sized = next((r for r in rows if r["context_length"]), None)
    if sized:
        changes["context_length"] = sized["context_length"]
        extra["context_source"] = sized["gateway__slug"]
    typed = next((r for r in rows if r["modality"] and r["modality_source"] != "unknown"), None)
    if typed:
        changes.update(
            input_modalities=tuple(typed["input_modalities"]),
            output_modalities=tuple(typed["output_modalities"]),
            modality=typed["modality"],
            modality_source=typed["modality_source"],
        )
        extra["modality_from"] = typed["gateway__slug"]
    author = next((r["provider_slug"] for r in rows if r["provider_slug"]), None)
    if model.provider_slug is None and author:
        changes["provider_slug"] = author
    if rows:
        extra["matched"] = [{"gateway": r["gateway__slug"], "id": r["upstream_id"]} for r in rows]
    return replace(model, **changes, extra=extra) if changes or rows else model
