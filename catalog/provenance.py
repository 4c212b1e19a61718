"""Where a merged entry's values came from, and where its offers disagree (ARCHITECTURE.md, "Trust":
provenance). Pure functions over the documents `catalog.merge` merges; no database.

- `sources`: each offer's origin, `{"gateway", "run", "fetched_at"}`: the refresh run whose list
  last changed the offer's row and when it was published (an unchanged refresh changes neither,
  so the entry stays byte-identical). `run` is null for rows last written before runs were
  recorded on them, or by a publish outside a run (tests, the shell).
- `provenance`: the primary offer's origin for every served field, plus `fields`: the fields
  another offer filled in (`catalog.merge.FILLABLE`, `supported_parameters`, `architecture`)
  with that offer's origin. `lowest_pricing`/`lowest_prices` name their gateway per price already.
- `disagreements`: offers of the same model from the same serving provider (`serving_provider`)
  whose prices for one slot (component, tier, window, unit) or context lengths differ by more
  than `TOLERANCE` of the larger value. Offers from different providers may well differ: that is
  the market, not a disagreement. An unknown value never disagrees with a known one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import combinations
from typing import Any

from catalog.render import instant_text

# Relative: 0.01 flags 0.000001 against 0.00000102 but not against 0.0000010001.
TOLERANCE = Decimal("0.01")

Offer = tuple[str, Mapping[str, Any]]  # (gateway slug, model document)


def serving_provider(gateway: str, document: Mapping[str, Any]) -> str:
    """Who serves this offer: the provider an aggregator states (`provider`: OpenRouter endpoints),
    the `@provider/` head of a Portkey-style id, else the gateway itself. Spelled one way: lower
    case, letters and digits only, without an `ai` suffix (`Fireworks AI`, `fireworks-ai`,
    `fireworks` are one)."""
    stated = document.get("provider")
    model_id = str(document.get("id") or "")
    if not stated and model_id.startswith("@") and "/" in model_id:
        stated = model_id[1:].split("/", 1)[0]
    name = re.sub(r"[^a-z0-9]", "", str(stated or gateway).lower())
    return name.removesuffix("ai") or name


def origin(gateway: str, run_id: int | None, written_at: datetime) -> dict[str, Any]:
    """An offer's origin: its gateway, the run whose list last changed its row, and when."""
    return {"gateway": gateway, "run": run_id, "fetched_at": instant_text(written_at)}


def provenance(primary: Mapping[str, Any], filled: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The served `provenance` object: the primary's origin, and each filled field's."""
    return {**primary, "fields": {field: dict(origin) for field, origin in sorted(filled.items())}}


def _differ(a: Decimal, b: Decimal) -> bool:
    largest = max(abs(a), abs(b))
    return largest > 0 and abs(a - b) > TOLERANCE * largest


def _prices(document: Mapping[str, Any]) -> dict[tuple[Any, ...], str]:
    """Each stated price by slot (component, tier, window, unit), as its exact text."""
    found = {}
    for entry in document.get("prices") or ():
        window = entry.get("window") or {}
        slot = (entry["component"], entry.get("min_prompt_tokens"), window.get("start"), window.get("end"), entry["unit"])
        found[slot] = entry["usd"]
    return found


def _slot_name(slot: tuple[Any, ...]) -> str:
    component, tier, start, end, _ = slot
    name = f"prices.{component}"
    if tier is not None:
        name += f" from {tier} prompt tokens"
    if start is not None:
        name += f" {start}-{end}"
    return name


def _side(gateway: str, document: Mapping[str, Any], value: Any) -> dict[str, Any]:
    return {"gateway": gateway, "id": document.get("id"), "value": value}


def disagreements(offers: Sequence[Offer]) -> list[dict[str, Any]]:
    """Each pair of offers from one serving provider that states different values, per field:
    `{"provider", "field", "offers": [{"gateway", "id", "value"}, ...]}` (`field`: `context_length`,
    or `prices.<component>` with its tier or window, plus the price's `unit`)."""
    found = []
    providers: dict[str, list[int]] = {}
    for index, (gateway, document) in enumerate(offers):
        providers.setdefault(serving_provider(gateway, document), []).append(index)
    for provider, members in providers.items():
        for i, j in combinations(members, 2):
            (gateway_a, a), (gateway_b, b) = offers[i], offers[j]
            context_a, context_b = a.get("context_length"), b.get("context_length")
            if context_a is not None and context_b is not None and _differ(Decimal(context_a), Decimal(context_b)):
                found.append(
                    {
                        "provider": provider,
                        "field": "context_length",
                        "offers": [_side(gateway_a, a, context_a), _side(gateway_b, b, context_b)],
                    }
                )
            prices_a, prices_b = _prices(a), _prices(b)
            for slot in sorted(set(prices_a) & set(prices_b), key=repr):
                if _differ(Decimal(prices_a[slot]), Decimal(prices_b[slot])):
                    sides = [_side(gateway_a, a, prices_a[slot]), _side(gateway_b, b, prices_b[slot])]
                    found.append({"provider": provider, "field": _slot_name(slot), "unit": slot[4], "offers": sides})
    return found


def disagreeing_gateways(found: Sequence[Mapping[str, Any]]) -> list[str]:
    """The gateways named in `found`, each once, in order of appearance."""
    return list(dict.fromkeys(side["gateway"] for item in found for side in item["offers"]))
