"""What a change row says about prices, in either stored shape of `ModelChange.before`/`after`.

Two shapes are stored, and readers (the feed's `min_change_percent`, Atom titles) read both:

- OpenRouter's per-token keys: `{"prompt": "0.0000025", "completion": "0.00001"}` (older
  `price_changed` rows), or the same under `pricing` next to `context_length` (`added`/`removed`);
- every component: `{"prompt": ..., "completion": ..., "prices": [{"component": "input_token", "unit": "token",
  "usd": "0.0000025"}, ...]}`, where `prices` is authoritative when present.

Prices are exact decimals (USD per unit); an unknown or unreadable price is None, never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from catalog.prices import COMPONENTS

# OpenRouter's per-token keys and the components they are.
PRICING_KEYS = {"prompt": "input_token", "completion": "output_token"}
PER_TOKEN = "token"  # noqa: S105 - the unit a price counts, not a secret
# A relative change is stored with six decimals (rounded down) and capped here; a per-token price
# that went from 0 to a positive price counts as the cap (it matches every `min_change_percent`).
PERCENT_CAP = Decimal(10) ** 9
PERCENT_PLACES = Decimal("0.000001")
_RANK = {name: index for index, name in enumerate(COMPONENTS)}


@dataclass(frozen=True, slots=True)
class PriceMove:
    """One price component of a change: its unit and USD per unit before and after (None: unknown
    or not listed on that side)."""

    component: str
    unit: str
    before: Decimal | None
    after: Decimal | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _usd(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def side_prices(side: Any) -> dict[tuple[Any, ...], tuple[str, str, Decimal | None]]:
    """One side's prices by identity (component, unit and any tier keys): (component, unit, usd)."""
    if not isinstance(side, Mapping):
        return {}
    listed = side.get("prices")
    if isinstance(listed, list):
        found: dict[tuple[Any, ...], tuple[str, str, Decimal | None]] = {}
        for entry in listed:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("component"), str):
                continue
            component, unit = entry["component"], str(entry.get("unit") or "")
            # Tier keys (a context threshold, a time window) keep two prices of one component apart.
            tier = tuple(sorted((k, repr(v)) for k, v in entry.items() if k not in ("component", "unit", "usd")))
            found[(component, unit, tier)] = (component, unit, _usd(entry.get("usd")))
        return found
    pricing = side.get("pricing") if isinstance(side.get("pricing"), Mapping) else side
    return {
        (component, PER_TOKEN, ()): (component, PER_TOKEN, _usd(pricing.get(key)))
        for key, component in PRICING_KEYS.items()
        if key in pricing
    }


def price_moves(before: Any, after: Any) -> list[PriceMove]:
    """Every price component on either side, in the vocabulary's order (`catalog.prices`)."""
    old, new = side_prices(before), side_prices(after)
    moves = []
    for identity in dict.fromkeys([*old, *new]):
        component, unit, _ = old.get(identity) or new[identity]
        was = old[identity][2] if identity in old else None
        now = new[identity][2] if identity in new else None
        moves.append(PriceMove(component, unit, was, now))
    return sorted(moves, key=lambda move: _RANK.get(move.component, len(_RANK)))


def largest_change_percent(before: Any, after: Any) -> Decimal | None:
    """The largest |after - before| / before x 100 over the per-token components known on both
    sides; None when there is none (an added or removed model has no before or no after)."""
    if before is None or after is None:
        return None
    largest: Decimal | None = None
    for move in price_moves(before, after):
        if move.unit != PER_TOKEN or move.before is None or move.after is None or move.before < 0:
            continue
        if move.before == 0:
            percent = PERCENT_CAP if move.after > 0 else Decimal(0)
        else:
            percent = min(abs(move.after - move.before) / move.before * 100, PERCENT_CAP)
        largest = percent if largest is None else max(largest, percent)
    return None if largest is None else largest.quantize(PERCENT_PLACES, rounding=ROUND_FLOOR)
