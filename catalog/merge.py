"""Merging the same model across gateways (ARCHITECTURE.md, "Merging gateways").

Rows are grouped by `canonical_key`: the lower-cased Hugging Face id when the upstream states one,
else the lower-cased id with gateway-only prefixes removed (each adapter supplies that as
`merge_base`), plus the variant (`:free`, `-TEE`, `-fast`), which is never the same offer.
A merged entry keeps the id and fields of its highest-priority gateway, fills missing fields from
the others in priority order, lists every offer, and carries the lowest price across offers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from catalog.render import price_text

FILLABLE = ("canonical_slug", "hugging_face_id", "description", "created", "context_length")


def canonical_key(
    *, model_id: str, merge_base: str | None = None, hugging_face_id: str | None = None, variant: str | None = None
) -> str:
    if model_id.startswith("~"):  # moving aliases are rows of their own, never grouped
        return model_id.lower()
    base = (hugging_face_id or merge_base or model_id).strip().lower()
    return f"{base}:{variant.strip().lower()}" if variant else base


def _min_price(values: list[str | None]) -> str | None:
    known = [Decimal(v) for v in values if v is not None]
    return price_text(min(known)) if known else None


def merge_documents(offers: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """`offers` are `(gateway_slug, model document)` pairs, highest priority first."""
    primary_slug, primary = offers[0]
    merged = dict(primary)
    for field in FILLABLE:
        if merged.get(field) is None:
            for _, doc in offers[1:]:
                if doc.get(field) is not None:
                    merged[field] = doc[field]
                    break
    if not merged.get("supported_parameters"):
        for _, doc in offers[1:]:
            if doc.get("supported_parameters"):
                merged["supported_parameters"] = doc["supported_parameters"]
                break
    merged["source_gateway"] = primary_slug
    merged["source_gateways"] = [slug for slug, _ in offers]
    merged["lowest_pricing"] = {
        key: _min_price([(doc.get("pricing") or {}).get(key) for _, doc in offers]) for key in ("prompt", "completion")
    }
    merged["offers"] = [
        {
            "gateway": slug,
            "id": doc["id"],
            "pricing": {key: (doc.get("pricing") or {}).get(key) for key in ("prompt", "completion")},
            "pricing_dynamic": doc.get("pricing_dynamic", False),
            "context_length": doc.get("context_length"),
        }
        for slug, doc in offers
    ]
    return merged
