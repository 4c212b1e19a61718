"""The drift guard's rules (ARCHITECTURE.md, "Trust"): is a new list's value believable next to the
stored one? Pure: stored rows' facts and the new `NormalizedModel`s in, suspects with reasons out;
no database, no settings. `catalog.services.catalog_publish` asks it before every publish that has
something stored to compare with, and holds what it reports (docs/operations.md, "Drift guard").

Prices are compared per pricing key, tier and window (`prompt` at 128k+ tokens from 22:00, ...),
not per served component: a per-token price multiplied by a million crosses the per-token ceiling
and is served under another component (`input` instead of `input_token`, `catalog.prices`), and
that is exactly the change this guard is for. Amounts are exact `Decimal`s, ratios too.

The rules, for one gateway (thresholds per gateway, `Thresholds`):

1. Factor: a price present before and after, both above 0, that moved up or down by more than
   `price_factor` (default 10x). That model's prices are suspect.
2. Share: more than `repriced_share` (default 50 %) of the compared models that had a price
   changed any price at once. Every price change of the list is suspect.
3. Field loss: a field (`TRACKED_FIELDS`, and prices as a whole) that at least `field_share`
   (default 80 %) of the compared models had, lost by more than half of them: the upstream
   renamed or dropped it. The stored values of that field are kept; the loss is suspect.
4. Unit: more than half of the changed prices, of at least `UNIT_MIN_MODELS` models, moved by the
   same power of ten that unit mix-ups produce (x100 cents/dollars, x1,000 per 1K/per 1M,
   x1,000,000 per token/per 1M, either way).
   Those changes are suspect even when the factor rule would let them through (a gateway whose
   `price_factor` is set above 100).

"Compared models" are the stored active models the new list also has; models new to the list,
or lacked by it, have nothing to compare (lifecycle handles the latter). The list rules (2-4) need
at least `MIN_COMPARED` compared models: a share of two models says nothing. A first publish
(nothing stored) has nothing to compare and is never suspect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from catalog.prices import KEYS, OTHER_UNITS, components
from catalog.records import NormalizedModel

DEFAULT_PRICE_FACTOR = Decimal(10)
DEFAULT_REPRICED_SHARE = Decimal("0.5")
DEFAULT_FIELD_SHARE = Decimal("0.8")
FIELD_LOSS_SHARE = Decimal("0.5")  # "most" of the models that had the field
UNIT_SHARE = Decimal("0.5")  # "most" of the changed prices
UNIT_MIN_MODELS = 3  # a unit switch is list-wide: one model moving x1,000 is the factor rule's
MIN_COMPARED = 5
# Fields whose stored value a publish can keep when a list loses it: `NormalizedModel` fields that
# are also `AIModel` columns of the same name and type.
TRACKED_FIELDS = ("context_length", "created", "description", "hugging_face_id", "tokenizer")
PRICES = "prices"  # the field loss of every price at once (the upstream renamed `pricing`)
# Unit mix-ups and the factor each produces; a change within UNIT_TOLERANCE of one is that mix-up.
UNIT_FACTORS: dict[Decimal, str] = {
    Decimal(100): "cents vs dollars",
    Decimal(1000): "per 1K vs per 1M tokens",
    Decimal(1_000_000): "per token vs per 1M tokens",
}
UNIT_TOLERANCE = Decimal("0.02")
KEY_LABELS = {"prompt": "input", "completion": "output"}

# A served component -> the pricing key it came from (several components come from one key
# when its value counts another unit: `prompt` is `input_token`, `character`, `input`, ...).
_KEY_OF: dict[str, str] = {component: key for key, (component, _) in KEYS.items()}
_KEY_OF.update({component: key for (key, _), component in OTHER_UNITS.items()})

Slot = tuple[Any, ...]  # (pricing key, min_prompt_tokens, window start, window end)


@dataclass(frozen=True, slots=True)
class Thresholds:
    price_factor: Decimal = DEFAULT_PRICE_FACTOR
    repriced_share: Decimal = DEFAULT_REPRICED_SHARE
    field_share: Decimal = DEFAULT_FIELD_SHARE


@dataclass(frozen=True, slots=True)
class Stored:
    """What the guard reads of one stored row: its served `prices` entries and tracked fields."""

    prices: Sequence[Mapping[str, Any]]
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Suspect:
    """One model's suspect values: `prices` (its stored prices are kept: the stored row stays as
    it is) and/or `fields` (tracked field -> the stored value kept), each with its reasons."""

    prices: bool = False
    fields: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Drift:
    """The guard's verdict on one list: the list-level reasons and the suspects by model id."""

    reasons: list[str] = field(default_factory=list)
    suspects: dict[str, Suspect] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.suspects)

    def all_reasons(self) -> list[str]:
        """List-level reasons first, then each model's, in model order."""
        return [*self.reasons, *(reason for suspect in self.suspects.values() for reason in suspect.reasons)]

    def _suspect(self, model_id: str) -> Suspect:
        return self.suspects.setdefault(model_id, Suspect())


def _slot(key: str, entry_tier: Any, window: Mapping[str, Any] | None) -> Slot:
    window = window or {}
    return (key, entry_tier, window.get("start"), window.get("end"))


def stored_amounts(prices: Iterable[Mapping[str, Any]]) -> dict[Slot, Decimal]:
    """A stored row's served prices by slot (pricing key, tier, window), amounts exact."""
    return {
        _slot(_KEY_OF.get(entry["component"], entry["component"]), entry.get("min_prompt_tokens"), entry.get("window")): Decimal(
            entry["usd"]
        )
        for entry in prices
    }


def new_amounts(model: NormalizedModel) -> dict[Slot, Decimal]:
    """A new record's prices by the same slots."""
    return {
        _slot(
            _KEY_OF.get(price.component, price.component),
            price.min_prompt_tokens,
            price.window.document() if price.window else None,
        ): (price.usd)
        for price in components(model.pricing, model.pricing_overrides, stated=model.price_units, outputs=model.output_modalities)
    }


def factor_text(ratio: Decimal) -> str:
    """`x1,000,000`, `x2.5`, `/1,000`: how far a price moved."""
    if ratio >= 1:
        return f"x{_grouped(ratio)}"
    return f"/{_grouped(1 / ratio)}"


def _grouped(value: Decimal) -> str:
    rounded = value.quantize(Decimal(1)) if value >= 100 else value.quantize(Decimal("0.01")).normalize()
    return f"{rounded:,f}" if rounded == rounded.to_integral_value() else f"{rounded:f}"


def _label(slot: Slot) -> str:
    key, tier, start, end = slot
    text = f"{KEY_LABELS.get(slot[0], key)} price"
    if tier is not None:
        text += f" (from {tier:,} prompt tokens)"
    if start is not None:
        text += f" ({start}-{end})"
    return text


def _usd(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %"


def _unit_match(ratio: Decimal) -> Decimal | None:
    """The unit factor `ratio` is (up or down), signed by direction: 1000 or 1/1000; else None."""
    for factor in UNIT_FACTORS:
        for target in (factor, 1 / factor):
            if abs(ratio / target - 1) <= UNIT_TOLERANCE:
                return target
    return None


def compare(
    *,
    stored: Mapping[str, Stored],
    models: Sequence[NormalizedModel],
    thresholds: Thresholds,
    unchanged: Iterable[str] = (),
) -> Drift:
    """The drift between `stored` (upstream id -> facts of the stored active row) and the new list.
    `unchanged`: ids the list also has whose records are their stored rows' (the source hash,
    `gateways.source_hash`): compared models that changed nothing, counted in every share."""
    drift = Drift()
    compared = [(model, stored[model.id]) for model in models if model.id in stored]
    if not compared:
        return drift  # a first publish, nothing in common, or nothing changed: nothing can be suspect
    same = [stored[uid] for uid in unchanged if uid in stored]

    # Price changes per model: (slot, old, new) where both are above 0; and who repriced at all.
    changes: dict[str, list[tuple[Slot, Decimal, Decimal]]] = {}
    repriced: list[str] = []
    priced = 0
    for model, facts in compared:
        old, new = stored_amounts(facts.prices), new_amounts(model)
        if old:
            priced += 1
        if old and new and old != new:
            repriced.append(model.id)
        moved = [(slot, old[slot], new[slot]) for slot in old if slot in new and old[slot] != new[slot]]
        changes[model.id] = [(slot, before, after) for slot, before, after in moved if before > 0 and after > 0]
    priced += sum(1 for facts in same if facts.prices)  # present before and after, not repriced
    enough = len(compared) + len(same) >= MIN_COMPARED

    # 1. Factor.
    factor = thresholds.price_factor
    for model_id, moved in changes.items():
        for slot, before, after in moved:
            ratio = after / before
            if ratio > factor or ratio < 1 / factor:
                suspect = drift._suspect(model_id)
                suspect.prices = True
                suspect.reasons.append(f"{model_id}: {_label(slot)} {factor_text(ratio)} ({_usd(before)} -> {_usd(after)})")

    # 4. Unit: most changed prices moved by one unit factor.
    ratios = [
        (model_id, slot, before, after, _unit_match(after / before))
        for model_id, moved in changes.items()
        for slot, before, after in moved
    ]
    if enough and ratios:
        counts: dict[Decimal, int] = {}
        models_by: dict[Decimal, set[str]] = {}
        for model_id, *_, match in ratios:
            if match is not None:
                counts[match] = counts.get(match, 0) + 1
                models_by.setdefault(match, set()).add(model_id)
        if counts:
            target, count = max(counts.items(), key=lambda item: item[1])
            if Decimal(count) / len(ratios) > UNIT_SHARE and len(models_by[target]) >= UNIT_MIN_MODELS:
                name = UNIT_FACTORS[target if target > 1 else 1 / target]
                drift.reasons.append(
                    f"the unit looks switched ({name}): {count} of {len(ratios)} changed prices moved {factor_text(target)}"
                )
                for model_id, slot, before, after, match in ratios:
                    if match == target:
                        suspect = drift._suspect(model_id)
                        if not suspect.prices:
                            suspect.reasons.append(
                                f"{model_id}: {_label(slot)} {factor_text(after / before)} ({_usd(before)} -> {_usd(after)})"
                            )
                        suspect.prices = True

    # 2. Share of models repriced at once.
    if enough and priced and Decimal(len(repriced)) / priced > thresholds.repriced_share:
        drift.reasons.append(
            f"{len(repriced)} of {priced} models changed price at once ({_percent(len(repriced), priced)}, "
            f"over {round(thresholds.repriced_share * 100)} %): every price change of this list is held"
        )
        for model_id in repriced:
            suspect = drift._suspect(model_id)
            if not suspect.prices:
                suspect.reasons.append(f"{model_id}: price change held with the list's ({len(repriced)} of {priced} repriced)")
            suspect.prices = True

    # 3. Field loss: a field most models had, lost by most of them.
    if enough:
        for name in (*TRACKED_FIELDS, PRICES):
            if name == PRICES:
                had = [(m, f) for m, f in compared if f.prices]
                lost = [(m, f) for m, f in had if not new_amounts(m) and not m.pricing_dynamic]
                kept = sum(1 for f in same if f.prices)  # unchanged: had it, still has it
            else:
                had = [(m, f) for m, f in compared if f.fields.get(name) not in (None, "")]
                lost = [(m, f) for m, f in had if getattr(m, name) in (None, "")]
                kept = sum(1 for f in same if f.fields.get(name) not in (None, ""))
            total, having = len(compared) + len(same), len(had) + kept
            if Decimal(having) / total < thresholds.field_share or not lost:
                continue
            if Decimal(len(lost)) / having <= FIELD_LOSS_SHARE:
                continue
            drift.reasons.append(
                f"{name} missing on {_percent(len(lost), total)} of models (was on {_percent(having, total)}): "
                "the stored values are kept"
            )
            for model, facts in lost:
                suspect = drift._suspect(model.id)
                if name == PRICES:
                    suspect.prices = True
                else:
                    suspect.fields[name] = facts.fields[name]
    return drift
