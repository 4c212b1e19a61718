"""Reads of the stored catalog."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from catalog.models import AIModel


class ModelLookup:
    """Indexed lookups of stored models for adapters that fill data from other gateways' rows at
    refresh time (Portkey). Database reads only; no live calls, no N x M scans."""

    def by_gateway_ids(self, *, gateway_kind: str, upstream_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Active rows of the gateway(s) of `gateway_kind`, keyed by lower-cased upstream id."""
        wanted = sorted({i.lower() for i in upstream_ids})
        found: dict[str, dict[str, Any]] = {}
        if not wanted:
            return found
        rows = AIModel.objects.filter(gateway__kind=gateway_kind, is_active=True).values(
            "upstream_id",
            "pricing",
            "price_unit",
            "context_length",
            "input_modalities",
            "output_modalities",
            "modality",
            "gateway__slug",
        )
        wanted_set = set(wanted)
        for row in rows.iterator(chunk_size=2000):
            lowered = row["upstream_id"].lower()
            if lowered in wanted_set and lowered not in found:
                found[lowered] = row
        return found

    def by_canonical_keys(self, *, gateway_kind: str, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Active rows of `gateway_kind` whose merge key is in `keys`, keyed by merge key."""
        wanted = sorted(set(keys))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):
            rows = AIModel.objects.filter(
                gateway__kind=gateway_kind, is_active=True, canonical_key__in=wanted[start : start + 500]
            ).values(
                "canonical_key",
                "upstream_id",
                "pricing",
                "price_unit",
                "context_length",
                "input_modalities",
                "output_modalities",
                "modality",
                "gateway__slug",
            )
            for row in rows:
                found.setdefault(row["canonical_key"], row)
        return found
