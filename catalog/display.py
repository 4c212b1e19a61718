"""Stored figures for people (admin pages, the health dashboard).

Prices: stored prices are exact USD per token; people read USD per 1M tokens. The old dashboard
printed per-token prices under a "/1M tokens" label. Here the conversion is explicit and the unit
travels with every figure (`PriceLine.unit`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import formats, timezone
from django.utils.html import format_html

from catalog.render import price_text

MILLION = Decimal(1_000_000)
PER_MILLION_TOKENS = "USD per 1M tokens"
# Pricing keys whose stored unit is one token (UPSTREAMS.md 1.1); they are shown per 1M tokens.
TOKEN_KEYS = (
    "prompt",
    "completion",
    "internal_reasoning",
    "input_cache_read",
    "input_cache_write",
    "input_cache_write_1h",
    "audio",
    "audio_output",
    "input_audio_cache",
    "image_token",
)
# Keys priced per something else, shown as stored with that unit.
OTHER_UNITS = {"request": "USD per request", "image": "USD per input image", "web_search": "USD per web search"}


def as_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def usd_per_million(per_token: Any, *, places: int | None = None) -> str | None:
    """USD per 1M tokens, as plain text, from a stored USD-per-token price; None when unknown.

    Exact by default (`"0.0000005"` -> `"0.5"`). `places` rounds, for aggregates that SQLite
    computed in floating point."""
    number = as_decimal(per_token)
    if number is None:
        return None
    number = number * MILLION
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places))
    return price_text(number)


@dataclass(frozen=True, slots=True)
class PriceLine:
    key: str
    stored: str | None  # as stored: USD per token for token keys, else per `unit`
    shown: str | None  # what a person reads, in `unit`
    unit: str


def price_lines(pricing: Mapping[str, Any] | None) -> list[PriceLine]:
    """Every price of a stored `pricing` object, token prices converted to USD per 1M tokens."""
    lines = []
    for key, value in (pricing or {}).items():
        if key == "overrides":
            continue
        stored = price_text(as_decimal(value))
        if key in TOKEN_KEYS:
            lines.append(PriceLine(key, stored, usd_per_million(value), PER_MILLION_TOKENS))
        else:
            lines.append(PriceLine(key, stored, stored, OTHER_UNITS.get(key, "USD per unit (as the upstream bills it)")))
    return lines


def duration_text(seconds: float | None) -> str:
    """`42 s`, `12 min`, `5 h`, `3 d`: coarse on purpose, for people scanning a table."""
    if seconds is None:
        return "never"
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def milliseconds_text(value: int | None) -> str:
    """`812 ms`, `60.0 s`: a refresh's duration; `-` when unknown."""
    if value is None:
        return "-"
    return f"{value} ms" if value < 10_000 else f"{value / 1000:.1f} s"


def when_text(value: datetime | None) -> str:
    """A timestamp as every admin page shows it (`2026-12-04 21:23:05`, UTC): the project's
    DATETIME_FORMAT (gatewayz_site/formats), which Django's own admin fields use too."""
    if value is None:
        return "never"
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def ago_text(value: datetime | None, *, now: datetime) -> str:
    """`42 s ago`, `12 min ago`: the same coarse steps as every age on the page (`duration_text`),
    never Django's `0 minutes`."""
    if value is None:
        return "never"
    return f"{duration_text(max(0, (now - value).total_seconds()))} ago"


def json_block(value: Any) -> str:
    """Pretty, escaped JSON in a <pre> block: upstream text is data, never markup."""
    if value in (None, "", [], {}):
        return "-"
    return format_html('<pre class="json-block">{}</pre>', json.dumps(value, indent=2, ensure_ascii=False, default=str))
