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

from gateways.adapters.base import Adapter, Builtin, Modalities, NormalizedModel, ParseResult
from gateways.adapters.modalities import fallback_modalities
from gateways.adapters.values import PER_TOKEN, TIER_LIMITS, author_slug, last_segment
from gateways.registry import register, registered_kinds

FALLBACK_KIND = "openrouter"


@register
class Portkey(Adapter):
    kind = "portkey"
    label = "Portkey"
    default_base_url = "https://api.portkey.ai/v1"
    builtin = Builtin(priority=10, min_expected_models=1)
    price_unit_label = "none in the list: copied (USD per token) from the matched stored row"
    reference = "https://portkey.ai/docs/api-reference/inference-api/models"
    # Items are ids only: every other field comes from the provider-model id or from `enrich`.
    name_fields = description_fields = created_fields = context_fields = ()
    hugging_face_field = owner_field = None

    @classmethod
    def auth_headers(cls, key: str) -> dict[str, str]:
        return {"x-portkey-api-key": key}

    def items(self, body: Any) -> list[Any]:
        found = super().items(body)
        total = body.get("total") if isinstance(body, dict) else None
        if isinstance(total, int) and not isinstance(total, bool) and total != len(found):
            self.warnings.append(f"Portkey says total={total} but sent {len(found)} models (its catalog may be capped)")
        return found

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        return fallback_modalities(split_id(model_id)[1])

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        head, model_slug = split_id(model.id)
        return replace(
            model,
            name=last_segment(model_slug),  # never empty, even for an id such as "/"
            provider_slug=author_slug(model_slug),
            merge_base=model_slug,
            extra={"provider": head} if head else {},
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
    """Each field from the first matched row that has it; `extra` names the sources."""
    if not rows:
        return model
    changes: dict[str, Any] = {}
    extra = dict(model.extra)
    priced = next((r for r in rows if any(v is not None for k, v in (r["pricing"] or {}).items() if k != "overrides")), None)
    if priced:
        stored = priced["pricing"] or {}
        changes["pricing"] = {k: _decimal(v) for k, v in stored.items() if k != "overrides"}
        changes["pricing_overrides"] = tuple(
            {k: (v if k in TIER_LIMITS else _decimal(v)) for k, v in tier.items()} for tier in stored.get("overrides") or ()
        )
        changes["price_unit"] = PER_TOKEN.label  # stored rows are already USD per token
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
    extra["matched"] = [{"gateway": r["gateway__slug"], "id": r["upstream_id"]} for r in rows]
    return replace(model, **changes, extra=extra)
