"""What a workload costs at one offer: exact, per component, with the tier and window that applied.

A workload is counts (`WORKLOAD`: input tokens, output tokens, cached input tokens, ...), each
billed at one price component (`catalog.prices`). For every count above zero the offer's price is
the most specific of its `prices` entries that apply:

- a context tier applies when the prompt (`input_tokens + cached_input_tokens + cache_write_tokens`)
  has at least its `min_prompt_tokens`; the highest threshold that applies wins;
- a time window applies when the instant (default: now) is inside it (start inclusive, end
  exclusive, in the window's time zone); a window price wins over a tier or base price.

A count the offer has no price for leaves the cost unknown (`complete: false`, `cost_usd` null):
never priced as 0, never guessed from another component (reasoning tokens are not billed as output
tokens here: a client that wants that counts them in `output_tokens`). A price decided per request
(`pricing_dynamic`) is unknown the same way. `cached_input_tokens` are billed at the cache-read
price; `input_tokens` counts only the uncached part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from catalog.prices import Window, usd_text

# A workload count -> the component and unit it is billed at.
WORKLOAD: dict[str, tuple[str, str]] = {
    "input_tokens": ("input_token", "token"),
    "output_tokens": ("output_token", "token"),
    "cached_input_tokens": ("cache_read", "token"),
    "cache_write_tokens": ("cache_write_5m", "token"),
    "reasoning_tokens": ("reasoning_token", "token"),
    "images": ("image_input", "image"),
    "requests": ("request", "request"),
    "audio_seconds": ("audio_second", "second"),
}
PROMPT_COUNTS = ("input_tokens", "cached_input_tokens", "cache_write_tokens")


@dataclass(frozen=True, slots=True)
class Workload:
    counts: Mapping[str, int]  # only names of `WORKLOAD`, each >= 0
    at: datetime  # aware

    @property
    def prompt_tokens(self) -> int:
        return sum(self.counts.get(name, 0) for name in PROMPT_COUNTS)


@dataclass(frozen=True, slots=True)
class OfferCost:
    cost_usd: Decimal | None  # None unless complete
    complete: bool
    breakdown: list[dict[str, Any]]
    missing: list[str]  # components the workload uses that the offer has no price for
    tier: int | None  # the highest `min_prompt_tokens` that applied
    window: dict[str, str] | None  # the first window that applied

    def document(self) -> dict[str, Any]:
        return {
            "cost_usd": usd_text(self.cost_usd) if self.cost_usd is not None else None,
            "complete": self.complete,
            "breakdown": self.breakdown,
            "missing": self.missing,
            "tier": {"min_prompt_tokens": self.tier} if self.tier is not None else None,
            "window": self.window,
        }


def applicable(prices: Sequence[Mapping[str, Any]], component: str, unit: str, workload: Workload) -> Mapping[str, Any] | None:
    """The `prices` entry that bills `component` for this workload, or None."""
    best: tuple[tuple[bool, int], Mapping[str, Any]] | None = None
    for entry in prices:
        if entry.get("component") != component or entry.get("unit") != unit:
            continue
        threshold = entry.get("min_prompt_tokens")
        if threshold is not None and workload.prompt_tokens < threshold:
            continue
        window = entry.get("window")
        if window is not None and not Window.from_document(window).holds_at(workload.at):
            continue
        rank = (window is not None, threshold or 0)
        if best is None or rank > best[0]:
            best = (rank, entry)
    return best[1] if best else None


def offer_cost(prices: Sequence[Mapping[str, Any]], workload: Workload, *, dynamic: bool = False) -> OfferCost:
    total = Decimal(0)
    breakdown: list[dict[str, Any]] = []
    missing: list[str] = []
    tier: int | None = None
    window: dict[str, str] | None = None
    for name, (component, unit) in WORKLOAD.items():
        quantity = workload.counts.get(name, 0)
        if not quantity:
            continue
        entry = None if dynamic else applicable(prices, component, unit, workload)
        if entry is None:
            missing.append(component)
            breakdown.append({"component": component, "unit": unit, "quantity": quantity, "usd_per_unit": None, "cost_usd": None})
            continue
        usd = Decimal(entry["usd"])
        line = {"component": component, "unit": unit, "quantity": quantity, "usd_per_unit": entry["usd"]}
        line["cost_usd"] = usd_text(usd * quantity)
        total += usd * quantity
        if (threshold := entry.get("min_prompt_tokens")) is not None:
            line["min_prompt_tokens"] = threshold
            tier = max(tier or 0, threshold)
        if entry.get("window") is not None:
            line["window"] = entry["window"]
            window = window or dict(entry["window"])
        breakdown.append(line)
    complete = not missing
    return OfferCost(total if complete else None, complete, breakdown, missing, tier, window)
