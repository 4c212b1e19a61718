"""Reads of the stored catalog."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from catalog.models import AIModel


class ModelLookup:
    """Indexed lookups of stored models for adapters that fill data from other gateways' rows at
    refresh time (Portkey). Database reads only, in chunks of indexed `IN` queries; no live calls,
    no N x M scans."""

    CHUNK = 500
    FIELDS = (
        "upstream_id",
        "canonical_key",
        "pricing",
        "price_unit",
        "context_length",
        "input_modalities",
        "output_modalities",
        "modality",
        "modality_source",
        "provider_slug",
        "gateway__slug",
    )

    def by_gateway_ids(self, *, gateway_kind: str, upstream_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Active rows of the gateway(s) of `gateway_kind`, keyed by lower-cased upstream id.

        Ids are compared case-insensitively: an exact match is looked up first (the
        `(gateway, is_active, upstream_id)` index), then the remaining ids by their lower-cased form
        against the indexed `canonical_key`, which is the lower-cased id for most rows."""
        ids = sorted(set(upstream_ids))
        found: dict[str, dict[str, Any]] = {}
        rows = AIModel.objects.filter(gateway__kind=gateway_kind, is_active=True).order_by("-gateway__priority", "pk")
        for start in range(0, len(ids), self.CHUNK):
            for row in rows.filter(upstream_id__in=ids[start : start + self.CHUNK]).values(*self.FIELDS):
                found.setdefault(row["upstream_id"].lower(), row)
        missing = sorted({i.lower() for i in ids} - set(found))
        for start in range(0, len(missing), self.CHUNK):
            chunk = set(missing[start : start + self.CHUNK])
            for row in rows.filter(canonical_key__in=chunk).values(*self.FIELDS):
                lowered = row["upstream_id"].lower()
                if lowered in chunk:
                    found.setdefault(lowered, row)
        return found

    def by_canonical_keys(self, *, gateway_kind: str, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Active rows of `gateway_kind` whose merge key is in `keys`, keyed by merge key."""
        wanted = sorted(set(keys))
        found: dict[str, dict[str, Any]] = {}
        rows = AIModel.objects.filter(gateway__kind=gateway_kind, is_active=True).order_by("-gateway__priority", "pk")
        for start in range(0, len(wanted), self.CHUNK):
            for row in rows.filter(canonical_key__in=wanted[start : start + self.CHUNK]).values(*self.FIELDS):
                found.setdefault(row["canonical_key"], row)
        return found
