"""The source hash: which upstream items need no normalizing again (docs/design.md, "Source hash").

A stored row keeps the hash of the upstream item it was rendered from (`AIModel.source_hash`).
The hash covers the item (its canonical JSON: keys sorted, exact decimals as their text) and
everything else its row was computed from: the adapter (kind, class, `normalization_version`),
the code that normalizes and renders (a fingerprint of `gateways/adapters/` and `catalog/`, so a
deploy that changes either renders every row once more), the gateway's slug, base URL and
options, and what of the item depends on the time rather than the item (whether it is active
now: a retirement date passing). An item whose hash a stored row already has is not normalized,
fitted or rendered: the publish counts it unchanged (`catalog_publish(unchanged=...)`).

An adapter that fills records from other gateways' rows (`Adapter.enrich` overridden: Portkey)
depends on more than its item, so it gets no salt and every item of its list is normalized.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from gateways.adapters.base import Adapter

# A decimal's text, marked so that a number and a string of the same text hash apart.
_DECIMAL = "\x00decimal:"
_ROOT = Path(__file__).resolve().parent.parent
_FINGERPRINTED = ("gateways/adapters", "catalog")


@cache
def code_fingerprint() -> str:
    """A hash of the source of every module that normalizes an item or renders its row."""
    digest = hashlib.blake2b(digest_size=16)
    for folder in _FINGERPRINTED:
        for path in sorted((_ROOT / folder).glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def salt(adapter: Adapter, gateway: Any) -> bytes | None:
    """What every item of this gateway's list is hashed with; None when its items must always be
    normalized (an adapter that reads other gateways' rows)."""
    kind = type(adapter)
    if kind.enrich is not Adapter.enrich:
        return None
    facts = {
        "adapter": f"{kind.__module__}.{kind.__qualname__}",
        "kind": kind.kind,
        "version": kind.normalization_version,
        "code": code_fingerprint(),
        "gateway": gateway.slug,
        "base_url": gateway.base_url or "",
        "options": adapter.options,
    }
    return orjson.dumps(facts, option=orjson.OPT_SORT_KEYS, default=str) + b"\n"


def _default(value: Any) -> str:
    if isinstance(value, Decimal):
        return _DECIMAL + str(value)
    raise TypeError


def item_hash(item: Any, salt: bytes, volatile: Any = None) -> str | None:
    """The hash of one raw item under `salt`, with `volatile` (`Adapter.volatile`); None when the
    item cannot be dumped canonically (it is then normalized every time)."""
    try:
        text = orjson.dumps([volatile, item], option=orjson.OPT_SORT_KEYS, default=_default)
    except (orjson.JSONEncodeError, TypeError):
        return None
    return hashlib.blake2b(salt + text, digest_size=16).hexdigest()
