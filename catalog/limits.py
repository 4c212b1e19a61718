"""What one stored model can hold, and fitting a normalized record into it.

Upstream content is hostile until proven otherwise: a 10 MB name, a NUL byte (PostgreSQL refuses
it), a lone surrogate (not UTF-8), an integer or a float exponent no column or JSON encoder can
hold, an item nested a thousand levels deep. Adapters call `storage_problem()` on every raw item
and `fit_to_storage()` on every record (`gateways.adapters.base.Adapter.parse`), so such content is
either fitted (and the fitting recorded) or the item is rejected and counted; it never crashes a
publish, on SQLite or on PostgreSQL. docs/security.md lists the rules.

- An item containing a NUL character, a lone surrogate, an integer beyond 64 bits, a number whose
  exponent is beyond +-100, or nesting deeper than `MAX_ITEM_DEPTH`: rejected.
- `id` longer than `ID_MAX`, a merge key longer than its column, modalities that do not fit their
  columns, or a prompt/completion price of 10^10 USD per token or more: rejected.
- `name` longer than `NAME_MAX` and `description` longer than `DESCRIPTION_MAX`: truncated.
- Optional identifiers (canonical slug, Hugging Face id, provider slug, tokenizer, instruct type,
  modality, variant) longer than their columns, and a context length or created time beyond 64
  bits: cleared to unknown.
Each fitting is recorded in the record's `extra["truncated"]` (field -> original length, or
"cleared") and summarized in the refresh run's warnings.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from catalog.merge import canonical_key
from catalog.records import NormalizedModel

# Column sizes of catalog.AIModel (a test keeps them equal to the model's max_length values).
ID_MAX = 512
NAME_MAX = 512
CANONICAL_KEY_MAX = 600
MODALITIES_TEXT_MAX = 256
OPTIONAL_MAX = {
    "canonical_slug": 512,
    "hugging_face_id": 512,
    "provider_slug": 128,
    "tokenizer": 64,
    "instruct_type": 64,
    "modality": 128,
    "variant": 64,
    "price_unit": 48,
}
# Our own cap: the longest description in the upstream bodies we have seen is under 2,000 characters.
DESCRIPTION_MAX = 8_000
MAX_ITEM_DEPTH = 32
BIGINT_MAX = 2**63 - 1
EXPONENT_LIMIT = 100
# prompt_price/completion_price are numeric(40, 30): below 10^10.
PRICE_LIMIT = Decimal(10) ** 10

_UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")
_TEXT_PROBLEM = "contains a NUL character or an unpaired surrogate (not storable text)"


class ItemTooHostile(ValueError):
    """The item holds something no column can store; the message says what."""


def storage_problem(item: Any) -> str | None:
    """Why this raw upstream item cannot be stored as received, or None."""
    return _problem(item, 0)


def _problem(value: Any, depth: int) -> str | None:
    # Called for every value of every item of a refresh (20,000 items: about a million calls), so
    # the common types are told apart by `type()` first, and containers recurse in place.
    if depth > MAX_ITEM_DEPTH:
        return f"nested deeper than {MAX_ITEM_DEPTH} levels"
    kind = type(value)
    if kind is str:
        return _TEXT_PROBLEM if _UNSTORABLE_TEXT.search(value) else None
    if kind is dict:
        for key, child in value.items():
            problem = _problem(key, depth + 1) or _problem(child, depth + 1)
            if problem:
                return problem
        return None
    if kind is list or kind is tuple:
        for child in value:
            problem = _problem(child, depth + 1)
            if problem:
                return problem
        return None
    if value is None or kind is bool:
        return None
    if isinstance(value, str):
        return _TEXT_PROBLEM if _UNSTORABLE_TEXT.search(value) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return "contains an integer beyond 64 bits" if abs(value) > BIGINT_MAX else None
    if isinstance(value, Decimal):
        if value.is_finite() and value and abs(value.adjusted()) > EXPONENT_LIMIT:
            return f"contains a number with an exponent beyond ±{EXPONENT_LIMIT}"
        return None
    if isinstance(value, dict):
        return _problem(dict(value), depth)
    if isinstance(value, list | tuple):
        return _problem(list(value), depth)
    return None


def _modalities_text(values: tuple[str, ...]) -> int:
    return 1 + sum(len(v) + 1 for v in values)


def fit_to_storage(model: NormalizedModel) -> tuple[NormalizedModel, dict[str, Any]]:
    """The record fitted to the columns, and what was fitted (field -> original length or
    "cleared"). Raises `ItemTooHostile` for a record that cannot be stored at all."""
    if len(model.id) > ID_MAX:
        raise ItemTooHostile(f"id is {len(model.id)} characters long; at most {ID_MAX} are stored")
    for side in ("input_modalities", "output_modalities"):
        if _modalities_text(getattr(model, side)) > MODALITIES_TEXT_MAX:
            raise ItemTooHostile(f"{side} do not fit in {MODALITIES_TEXT_MAX} characters")
    for key in ("prompt", "completion"):
        value = model.pricing.get(key)
        if isinstance(value, Decimal) and value >= PRICE_LIMIT:
            raise ItemTooHostile(f"{key} price {value:.3E} USD per token is beyond any real price")

    changes: dict[str, Any] = {}
    fitted: dict[str, Any] = {}
    if len(model.name) > NAME_MAX:
        changes["name"], fitted["name"] = model.name[:NAME_MAX], len(model.name)
    if model.description is not None and len(model.description) > DESCRIPTION_MAX:
        changes["description"], fitted["description"] = model.description[:DESCRIPTION_MAX], len(model.description)
    for name, limit in OPTIONAL_MAX.items():
        value = getattr(model, name)
        if value is not None and len(value) > limit:
            changes[name], fitted[name] = None, "cleared"
    for name in ("context_length", "created"):
        value = getattr(model, name)
        if value is not None and abs(value) > BIGINT_MAX:
            changes[name], fitted[name] = None, "cleared"
    if changes:
        model = replace(model, **changes, extra={**model.extra, "truncated": fitted})
    key = canonical_key(
        model_id=model.id, merge_base=model.merge_base, hugging_face_id=model.hugging_face_id, variant=model.variant
    )
    if len(key) > CANONICAL_KEY_MAX:
        raise ItemTooHostile(f"merge key is {len(key)} characters long; at most {CANONICAL_KEY_MAX} are stored")
    return model, fitted
