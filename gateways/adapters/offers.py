"""Models an upstream lists with several serving providers, each with its own price and context:
one item per provider (AIMO), or the provider entries read and the one whose price stands for the
model chosen (Hugging Face's router; the convention in docs/adapters.md, "Hugging Face")."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from gateways.adapters.values import RejectItem, Unit, positive_int, price, text

FLAGS = ("is_free", "supports_tools", "supports_structured_output", "is_model_author")
STATISTICS = ("first_token_latency_ms", "throughput")


def one_item_per_offer(entries: list[Any], field: str) -> list[Any]:
    """For an upstream that routes each (model, provider) pair separately: one item per provider,
    the model entry with only that provider in `field`. Entries without a usable list pass through
    whole, to be rejected and counted."""
    expanded: list[Any] = []
    for entry in entries:
        offers = entry.get(field) if isinstance(entry, dict) else None
        if isinstance(offers, list) and offers:
            expanded.extend({**entry, field: [offer]} for offer in offers)
        else:
            expanded.append(entry)
    return expanded


def read_offers(value: Any, unit: Unit) -> list[dict[str, Any]]:
    """Every provider entry of `value` (a list or null), prices read through `unit`, unknown keys
    dropped; an entry that is not an object or names no provider rejects the item."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise RejectItem("providers is not a list")
    return [_offer(entry, unit) for entry in value]


def _offer(entry: Any, unit: Unit) -> dict[str, Any]:
    if not isinstance(entry, Mapping):
        raise RejectItem("a provider entry is not an object")
    slug = text(entry.get("provider"))
    if not slug:
        raise RejectItem("a provider entry has no 'provider'")
    offer: dict[str, Any] = {"provider": slug, "status": text(entry.get("status"))}
    context = positive_int(entry.get("context_length"))
    if context:
        offer["context_length"] = context
    pricing = entry.get("pricing")
    if isinstance(pricing, Mapping):
        offer["pricing"] = {"prompt": unit.read(pricing.get("input")), "completion": unit.read(pricing.get("output"))}
    offer.update({key: entry[key] for key in FLAGS if isinstance(entry.get(key), bool)})
    for key in STATISTICS:
        try:
            number = price(entry.get(key))  # finite and non-negative
        except RejectItem:
            number = None  # a broken statistic drops the statistic, not the model
        if number is not None:
            # Statistics, not prices: plain JSON numbers are fine here.
            offer[key] = int(number) if number == number.to_integral_value() else float(number)
    return offer


def best_offer(offers: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The priced offer that stands for the model: live ones first (any priced one when none is
    live), then the highest throughput (none ranks last), the lowest input price, the upstream's order."""
    priced = [offer for offer in offers if "pricing" in offer]
    candidates = [offer for offer in priced if offer.get("status") == "live"] or priced
    if not candidates:
        return None

    def rank(indexed: tuple[int, dict[str, Any]]) -> tuple[Any, ...]:
        index, offer = indexed
        throughput, prompt = offer.get("throughput"), offer["pricing"].get("prompt")
        return (
            throughput is None,
            -(throughput or Decimal(0)),
            prompt is None,
            prompt if prompt is not None else Decimal(0),
            index,
        )

    return min(enumerate(candidates), key=rank)[1]
