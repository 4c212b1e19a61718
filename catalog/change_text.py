"""A recorded change in words a person reads: the Atom feed's titles and entry text
("openai/gpt-4o at openrouter: input $2.50 -> $2.00 per 1M tokens").

Per-token prices are shown per million tokens, other prices per their own unit; an unknown price
says so. Reads either stored shape of `before`/`after` (`catalog.change_prices`)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from catalog.change_prices import PER_TOKEN, PriceMove, price_moves

TOKENS_PER_PRICE = 1_000_000
LABELS = {
    "input_token": "input",
    "output_token": "output",
    "cache_read": "cache read",
    "cache_write_5m": "cache write (5 min)",
    "cache_write_1h": "cache write (1 h)",
    "reasoning_token": "reasoning",
}
_CENTS = Decimal("0.01")


def component_label(component: str) -> str:
    return LABELS.get(component) or component.removesuffix("_token").replace("_", " ")


def unit_text(unit: str) -> str:
    if unit == PER_TOKEN:
        return "per 1M tokens"
    return f"per {unit.replace('_', ' ')}" if unit else ""


def dollars(usd: Decimal | None, unit: str) -> str:
    """`$2.50` (USD per 1M tokens for a per-token price, else per unit); `unknown` for None."""
    if usd is None:
        return "unknown"
    amount = usd * TOKENS_PER_PRICE if unit == PER_TOKEN else usd
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    text = f"{amount:,.2f}" if amount == amount.quantize(_CENTS) else f"{amount.normalize():,f}"
    return f"{sign}${text}"


def _moves_text(moves: list[PriceMove], *, both_sides: bool) -> str:
    """`input $2.50 -> $2.00, output $10.00 -> $8.00 per 1M tokens`: the unit once when all share it."""
    one_unit = len({move.unit for move in moves}) == 1
    parts = []
    for move in moves:
        value = (
            f"{dollars(move.before, move.unit)} -> {dollars(move.after, move.unit)}"
            if both_sides
            else dollars(move.after, move.unit)
        )
        suffix = "" if one_unit else unit_text(move.unit)
        parts.append(" ".join(filter(None, (component_label(move.component), value, suffix))))
    text = ", ".join(parts)
    return f"{text} {unit_text(moves[0].unit)}".rstrip() if one_unit else text


def _context(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else "unknown"


def change_title(change: Mapping[str, Any]) -> str:
    """One line: what changed, for which model, at which gateway."""
    model, gateway, kind = change["model_id"], change["gateway"], change["kind"]
    before, after = change.get("before"), change.get("after")
    provider = next((side.get("provider") for side in (after, before) if isinstance(side, Mapping)), None)
    if provider:  # one serving provider's offer inside an aggregator (`catalog.endpoints`)
        gateway = f"{gateway} via {provider}"
    if kind == "added":
        known = [move for move in price_moves(None, after) if move.after is not None]
        return f"{model} added at {gateway}" + (f": {_moves_text(known, both_sides=False)}" if known else "")
    if kind == "removed":
        return f"{model} removed from {gateway}"
    if kind == "missing":
        return f"{model} missing from {gateway}'s list (still served during the grace period)"
    if kind == "returned":
        return f"{model} back on {gateway}'s list"
    if kind == "context_changed":
        old = before.get("context_length") if isinstance(before, Mapping) else None
        new = after.get("context_length") if isinstance(after, Mapping) else None
        return f"{model} at {gateway}: context {_context(old)} -> {_context(new)} tokens"
    moved = [move for move in price_moves(before, after) if move.changed]
    return f"{model} at {gateway}: " + (_moves_text(moved, both_sides=True) if moved else "prices changed")


def change_text(change: Mapping[str, Any]) -> str:
    """The entry's text: the title, then each price on its own line with the largest change."""
    lines = [change_title(change)]
    if change["kind"] == "price_changed":
        for move in price_moves(change.get("before"), change.get("after")):
            if move.changed:
                lines.append(
                    f"{component_label(move.component)}: {dollars(move.before, move.unit)} -> "
                    f"{dollars(move.after, move.unit)} {unit_text(move.unit)}".rstrip()
                )
        if change.get("change_percent") is not None:
            lines.append(f"Largest per-token price change: {change['change_percent']}%")
    lines.append(f"Recorded at {change['recorded_at']}.")
    return "\n".join(lines)
