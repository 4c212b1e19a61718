"""Merging the same model across gateways (ARCHITECTURE.md, "Merging gateways").

Rows are grouped by `canonical_key`: the Hugging Face id when the upstream states one, else the id
with gateway-only prefixes removed (each adapter supplies that as `merge_base`), spelled one way and
resolved through the alias table (`catalog.identity`), plus the variant (`:free`, `-TEE`, `-fast`),
which is never the same offer.

Within a key, rows whose stated output modalities differ are different products built on the same
weights (a chat model and its speech-to-text sibling share a Hugging Face id, UPSTREAMS.md 1.5):
`partition()` splits them into separate entries. A row with unknown modalities joins the first
entry. Each entry keeps the id and fields of its highest-priority offer, fills missing fields from
the others in priority order, lists every offer (two providers of one model are two offers, even
on the same gateway: a row's per-provider endpoints are offers of their own, `provider` named), and
carries the lowest prices across the rows' offers: `lowest_pricing` per OpenRouter
pricing key (per-token keys hold per-token prices only, `catalog.prices`), `lowest_prices` per
component and unit (base prices; tiers and windows stay in each offer's `prices`), each with the
gateway that asks it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from catalog import identity, provenance
from catalog.render import AVAILABLE, MISSING, price_text

FILLABLE = ("canonical_slug", "hugging_face_id", "description", "created", "context_length", "provider_slug")
PRICE_KEYS = ("prompt", "completion")


def canonical_key(
    *,
    model_id: str,
    merge_base: str | None = None,
    hugging_face_id: str | None = None,
    variant: str | None = None,
    aliases: Mapping[str, str] | None = None,
) -> str:
    """A record's merge key (`catalog.identity`: base, spelling, aliases, then the variant)."""
    return identity.merge_key(
        model_id=model_id, merge_base=merge_base, hugging_face_id=hugging_face_id, variant=variant, aliases=aliases or {}
    )


def _outputs(document: dict[str, Any]) -> tuple[str, ...]:
    architecture = document.get("architecture") or {}
    return tuple(sorted(architecture.get("output_modalities") or ()))


def partition(offers: Sequence[tuple[str, dict[str, Any]]]) -> list[list[int]]:
    """Split one key's offers (highest priority first) into entries by stated output modalities.
    Returns the offers' indexes per entry; order is kept inside each entry and entries are ordered
    by their first offer."""
    entries: list[tuple[tuple[str, ...], list[int]]] = []
    for position, (_, document) in enumerate(offers):
        outputs = _outputs(document)
        for index, (signature, members) in enumerate(entries):
            if not outputs or not signature or outputs == signature:
                members.append(position)
                if not signature:
                    entries[index] = (outputs, members)
                break
        else:
            entries.append((outputs, [position]))
    return [members for _, members in entries]


def entry_key(key: str, index: int, offers: Sequence[tuple[str, dict[str, Any]]]) -> str:
    """The unique key of the `index`-th entry of `key`: the key itself for the first entry, the key
    plus its output modalities for a sibling product (`x|transcription`)."""
    if index == 0:
        return key
    signature = next((outputs for _, doc in offers if (outputs := _outputs(doc))), ())
    return f"{key}|{'+'.join(signature)}"


def _min_price(values: list[str | None]) -> str | None:
    known = [Decimal(v) for v in values if v is not None]
    return price_text(min(known)) if known else None


def _lowest_pricing(offers: list[tuple[str, dict[str, Any]]]) -> dict[str, str | None]:
    keys = dict.fromkeys([*PRICE_KEYS, *(k for _, doc in offers for k, v in (doc.get("pricing") or {}).items() if v is not None)])
    keys.pop("overrides", None)
    return {key: _min_price([(doc.get("pricing") or {}).get(key) for _, doc in offers]) for key in keys}


def _lowest_prices(offers: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    lowest: dict[tuple[str, str], tuple[Decimal, dict[str, Any]]] = {}
    for slug, doc in offers:
        for entry in doc.get("prices") or ():
            if "min_prompt_tokens" in entry or "window" in entry:
                continue
            slot, usd = (entry["component"], entry["unit"]), Decimal(entry["usd"])
            if slot not in lowest or usd < lowest[slot][0]:
                lowest[slot] = (usd, {**entry, "gateway": slug})
    return [entry for _, entry in lowest.values()]


def _availability(documents: list[dict[str, Any]]) -> tuple[str, str | None]:
    """An entry is available while any offer is (the model can still be called there); else it is
    missing since the latest offer went (ISO texts of one format order as the instants do)."""
    if any(doc.get("availability", AVAILABLE) != MISSING for doc in documents):
        return AVAILABLE, None
    return MISSING, max(doc.get("missing_since") or "" for doc in documents) or None


def merge_documents(
    offers: list[tuple[str, dict[str, Any]]], sources: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """`offers` are `(gateway_slug, model document)` pairs of one entry, highest priority first;
    `sources`, when given, each offer's origin (`catalog.provenance`), in the same order."""
    primary_slug, primary = offers[0]
    merged = dict(primary)
    others = [doc for _, doc in offers[1:]]
    filled: dict[str, int] = {}  # field -> the offer that supplied it (an index into `offers`)
    for field in FILLABLE:
        if merged.get(field) is None:
            found = next((i for i, doc in enumerate(others, 1) if doc.get(field) is not None), None)
            if found is not None:
                merged[field], filled[field] = offers[found][1][field], found
            else:
                merged[field] = None
    if not merged.get("supported_parameters"):
        found = next((i for i, doc in enumerate(others, 1) if doc.get("supported_parameters")), None)
        merged["supported_parameters"] = offers[found][1]["supported_parameters"] if found is not None else []
        if found is not None:
            filled["supported_parameters"] = found
    architecture = merged.get("architecture") or {}
    if not architecture.get("input_modalities") and not architecture.get("output_modalities"):
        # The primary did not say what the model does (Portkey, some OpenAI-compatible lists).
        found = next((i for i, doc in enumerate(others, 1) if (doc.get("architecture") or {}).get("output_modalities")), None)
        if found is not None:
            merged["architecture"], filled["architecture"] = dict(offers[found][1]["architecture"]), found
    merged["availability"], merged["missing_since"] = _availability([doc for _, doc in offers])
    merged["source_gateway"] = primary_slug
    merged["source_gateways"] = list(dict.fromkeys(slug for slug, _ in offers))
    merged["lowest_pricing"] = _lowest_pricing(offers)
    merged["lowest_prices"] = _lowest_prices(offers)
    merged.pop("endpoints", None)  # served as offers of their own
    merged["offers"] = [
        offer for index, (slug, doc) in enumerate(offers) for offer in _offers(slug, doc, sources[index] if sources else None)
    ]
    if sources:
        merged["provenance"] = provenance.provenance(sources[0], {field: sources[i] for field, i in filled.items()})
    # Every offer, per-provider endpoints included: one provider's offers on two gateways may disagree.
    merged["disagreements"] = provenance.disagreements([(offer["gateway"], offer) for offer in merged["offers"]])
    return merged


def _offers(slug: str, document: dict[str, Any], source: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """A row's offer (the gateway routes it: `provider` null), then one per serving provider the
    row's `endpoints` name (`catalog.endpoints`): same gateway and id, that provider's prices,
    context, quantization and `endpoint` facts. `source`: the row's origin (`catalog.provenance`)."""
    routed = {
        "gateway": slug,
        "id": document["id"],
        "provider_slug": document.get("provider_slug"),
        "provider": None,
        "pricing": {key: (document.get("pricing") or {}).get(key) for key in PRICE_KEYS},
        "prices": document.get("prices") or [],
        "pricing_dynamic": document.get("pricing_dynamic", False),
        "context_length": document.get("context_length"),
        "quantization": document.get("quantization"),
        "availability": document.get("availability", AVAILABLE),
        "sunset_at": (document.get("deprecation") or {}).get("sunset_at"),
        "endpoint": None,
        **({"run": source["run"], "fetched_at": source["fetched_at"]} if source else {}),
    }
    return [routed, *({**routed, **endpoint} for endpoint in document.get("endpoints") or ())]
