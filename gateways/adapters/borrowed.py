"""Fields an adapter fills from other gateways' stored rows, for an upstream whose list carries ids
only (Portkey): which registered kind a provider name means, and the record with each field taken
from the first matched row that has it. The rows come from `catalog.selectors.ModelLookup`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from gateways.adapters.base import NormalizedModel
from gateways.adapters.values import PER_TOKEN, TIER_LIMITS
from gateways.adapters.variants import split_variant
from gateways.registry import registered_kinds


def kind_named(name: str | None, kinds: Iterable[str]) -> str | None:
    """The registered adapter kind a provider name means: `deepinfra`; `together-ai` -> `together`,
    `x-ai` -> `xai`, `fireworks-ai` -> `fireworks`."""
    known = set(kinds)
    if not name:
        return None
    return next((c for c in (name, name.removesuffix("-ai"), name.replace("-", "")) if c in known), None)


def split_id(model_id: str) -> tuple[str | None, str]:
    """`@deepinfra/Qwen/Qwen3-8B` -> (`deepinfra`, `Qwen/Qwen3-8B`); an id without the head is kept."""
    head, _, rest = model_id[1:].partition("/") if model_id.startswith("@") else ("", "", "")
    return (head.lower(), rest) if head and rest else (None, model_id)


def native_variant(head: str | None, model_id: str) -> tuple[str, str | None]:
    """(merge base, variant) of `model_id` by the variant rule of the kind `head` names
    (`gateways.adapters.variants`): `@nebius/...-fast` is Nebius's fast offer."""
    kinds = registered_kinds()
    native = kinds.get(kind_named(head, kinds) or "")
    return split_variant(model_id, native.variant_suffixes if native is not None else {})


Route = tuple[str | None, str, list[str]]  # (native kind or None, id at that kind, fallback merge keys)


def fill_all(models: list[NormalizedModel], routes: list[Route], lookup: Any, *, fallback_kind: str | None) -> None:
    """Fill each model in place from its route's rows: the native kind's row with the same id
    (case-insensitively), then `fallback_kind`'s rows with the fallback merge keys. Two indexed
    lookups per kind, whatever the number of models."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for kind, native_id, _ in routes:
        if kind:
            wanted[kind].add(native_id)
    native = {kind: lookup.by_gateway_ids(gateway_kind=kind, upstream_ids=ids) for kind, ids in wanted.items()}
    keys = {key for *_, fallback_keys in routes for key in fallback_keys}
    fallback = lookup.by_canonical_keys(gateway_kind=fallback_kind, keys=keys) if fallback_kind else {}
    for index, (kind, native_id, fallback_keys) in enumerate(routes):
        sources = [native.get(kind, {}).get(native_id.lower())] if kind else []
        sources += [fallback.get(key) for key in fallback_keys]
        rows = list({(row["gateway__slug"], row["upstream_id"]): row for row in sources if row}.values())
        models[index] = filled(models[index], rows)


def filled(model: NormalizedModel, rows: list[Mapping[str, Any]]) -> NormalizedModel:
    """Prices, context, modality and author each from the first row that has them (a modality the
    upstream stated before an inferred one); `extra` names
    the sources (`price_source`, `context_source`, `modality_from`) and every `matched` row."""
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
    known = [r for r in rows if r["modality"] and r["modality_source"] != "unknown"]
    typed = next((r for r in known if r["modality_source"] == "upstream"), known[0] if known else None)  # stated first
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


def _decimal(value: Any) -> Decimal | None:
    return Decimal(value) if isinstance(value, str) else None
