"""What a `price_changed` change row says: the components that differ between two publishes.

A row's served `prices` (`catalog.prices`) is the comparison: any component, tier or window whose
amount, unit or presence changed makes a change, as does any served `pricing` key. The row's
`before`/`after` carry `prompt` and `completion` (USD per token, as the first feed did, changed or
not) and `prices`, the entries that changed; `components_text` names their components for the
feed's `component` filter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class PriceChange:
    before: dict[str, Any]
    after: dict[str, Any]
    components_text: str


def price_slot(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    """Which price an entry is: one component at one tier and window (its amount and unit are what
    may change; `catalog.history` adds the unit to name a span)."""
    window = entry.get("window") or {}
    return (entry.get("component"), entry.get("min_prompt_tokens"), window.get("start"), window.get("end"))


def price_change(
    *,
    old_pricing: Mapping[str, Any] | None,
    old_prices: Sequence[Mapping[str, Any]],
    new_pricing: Mapping[str, Any],
    new_prices: Sequence[Mapping[str, Any]],
) -> PriceChange | None:
    """The change between two stored price sets, or None when every price is the same."""
    old_pricing = {k: v for k, v in (old_pricing or {}).items() if k != "overrides"}
    new_flat = {k: v for k, v in new_pricing.items() if k != "overrides"}
    pricing_keys = [k for k in dict.fromkeys([*old_pricing, *new_flat]) if old_pricing.get(k) != new_flat.get(k)]
    old = {price_slot(entry): entry for entry in old_prices}
    new = {price_slot(entry): entry for entry in new_prices}
    slots = [slot for slot in dict.fromkeys([*old, *new]) if old.get(slot) != new.get(slot)]
    if not slots and not pricing_keys:
        return None
    names = dict.fromkeys(slot[0] for slot in slots)
    head = ("prompt", "completion")
    return PriceChange(
        before={**{k: old_pricing.get(k) for k in head}, "prices": [old[s] for s in slots if s in old]},
        after={**{k: new_flat.get(k) for k in head}, "prices": [new[s] for s in slots if s in new]},
        components_text="," + "".join(f"{name}," for name in names),
    )
