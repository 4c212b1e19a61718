"""Prices as components (ARCHITECTURE.md, "Prices and units"): what each stated price counts.

Adapters state prices under OpenRouter's pricing keys (`NormalizedModel.pricing`: exact USD per the
key's usual unit, tiers in `pricing_overrides`) and name, in `NormalizedModel.price_units`, a key
whose value counts something else (Together's text-to-speech `prompt` is per character). This module
is the one place that turns that into components, each with the unit it counts:

- `KEYS`: a key's component and usual unit (`prompt` -> `input_token` per `token`).
- `OTHER_UNITS`: the component a key names when its value counts another unit.
- The per-token ceiling: a value under a per-token key that no per-token price reaches (over USD
  1,000 per 1M tokens; over USD 50 per 1M for a model with no text output, whose per-audio or
  per-image prices would otherwise read as tokens) is not believed to be per token: its unit is
  `unstated` (an `image_output` that large is per image, as OpenRouter documents it).

A price that is not per token never stands in a per-token field: `served_pricing` nulls it in the
served `pricing` object, so the sort and filter columns, `lowest_pricing` and the dashboard never
see it; `prices` carries it with its unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

TOKEN = "token"  # noqa: S105 (a unit, not a secret)
UNSTATED = "unstated"
UNITS = ("token", "image", "request", "search", "second", "character", UNSTATED)

# OpenRouter pricing key -> (component, the unit the key counts).
KEYS: dict[str, tuple[str, str]] = {
    "prompt": ("input_token", TOKEN),
    "completion": ("output_token", TOKEN),
    "input_cache_read": ("cache_read", TOKEN),
    "input_cache_write": ("cache_write_5m", TOKEN),
    "input_cache_write_1h": ("cache_write_1h", TOKEN),
    "internal_reasoning": ("reasoning_token", TOKEN),
    "audio": ("audio_input_token", TOKEN),
    "audio_output": ("audio_output_token", TOKEN),
    "input_audio_cache": ("audio_cache_read", TOKEN),
    "image_token": ("image_input_token", TOKEN),
    "image_output": ("image_output_token", TOKEN),
    "image": ("image_input", "image"),
    "request": ("request", "request"),
    "web_search": ("web_search", "search"),
}
# (key, another unit) -> the component the value is then.
OTHER_UNITS: dict[tuple[str, str], str] = {
    ("prompt", "character"): "character",
    ("prompt", "second"): "audio_second",
    ("prompt", UNSTATED): "input",
    ("completion", UNSTATED): "output",
    ("image_output", "image"): "image_output",
}
COMPONENTS: tuple[str, ...] = tuple(dict.fromkeys([c for c, _ in KEYS.values()] + list(OTHER_UNITS.values())))
PER_TOKEN_CEILING = Decimal("0.001")
MEDIA_PER_TOKEN_CEILING = Decimal("0.00005")
TIER_KEYS = ("min_prompt_tokens", "utc_start", "utc_end")


@dataclass(frozen=True, slots=True)
class Window:
    """A time-of-day window, `start` inclusive and `end` exclusive, in minutes after midnight in
    `time_zone`; `end <= start` wraps past midnight."""

    start: int
    end: int
    time_zone: str = "UTC"

    def document(self) -> dict[str, str]:
        return {"start": _clock(self.start), "end": _clock(self.end), "time_zone": self.time_zone}

    @classmethod
    def from_document(cls, served: Mapping[str, str]) -> Window:
        """The window of a served `prices` entry (`{"start": "22:00", "end": "06:00", ...}`)."""
        start, end = (int(served[key][:2]) * 60 + int(served[key][3:]) for key in ("start", "end"))
        return cls(start, end, served.get("time_zone") or "UTC")

    def holds(self, minute: int) -> bool:
        """Whether the minute of the day `minute` (in the window's zone) is inside it."""
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def holds_at(self, at: datetime) -> bool:
        """Whether the aware instant `at` is inside the window."""
        local = at.astimezone(ZoneInfo(self.time_zone))
        return self.holds(local.hour * 60 + local.minute)


@dataclass(frozen=True, slots=True)
class Price:
    component: str
    unit: str
    usd: Decimal
    min_prompt_tokens: int | None = None
    window: Window | None = None

    def document(self) -> dict[str, Any]:
        served: dict[str, Any] = {"component": self.component, "unit": self.unit, "usd": usd_text(self.usd)}
        if self.min_prompt_tokens is not None:
            served["min_prompt_tokens"] = self.min_prompt_tokens
        if self.window is not None:
            served["window"] = self.window.document()
        return served


def usd_text(value: Decimal) -> str:
    """OpenRouter's style: plain positional notation, no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def hhmm_minutes(value: int) -> int:
    """OpenRouter's `utc_start`/`utc_end` (`1000` is 10:00) as minutes after midnight; raises
    `ValueError` for a value that is not a time of day."""
    hours, minutes = divmod(value, 100)
    if not 0 <= hours <= 24 or not 0 <= minutes < 60 or (hours == 24 and minutes):
        raise ValueError(f"{value} is not an HHMM time of day")
    return hours * 60 + minutes


def unit_of(key: str, value: Decimal, *, stated: Mapping[str, str], outputs: Sequence[str]) -> str:
    """The unit `value` under pricing key `key` counts: the adapter's stated one, else the key's
    usual one, unless that is a token and the value is above the per-token ceiling."""
    if key in stated:
        return stated[key]
    usual = KEYS.get(key, (key, UNSTATED))[1]
    if usual != TOKEN:
        return usual
    ceiling = PER_TOKEN_CEILING if "text" in outputs or not outputs else MEDIA_PER_TOKEN_CEILING
    if value > ceiling:
        return "image" if key == "image_output" else UNSTATED
    return TOKEN


def component_of(key: str, unit: str) -> str:
    usual_component, usual_unit = KEYS.get(key, (key, UNSTATED))
    if unit == usual_unit:
        return usual_component
    return OTHER_UNITS.get((key, unit), key)


def components(
    pricing: Mapping[str, Decimal | None],
    overrides: Iterable[Mapping[str, Any]] = (),
    *,
    stated: Mapping[str, str] | None = None,
    outputs: Sequence[str] = (),
) -> list[Price]:
    """Every known price of a record: the base prices in `KEYS` order (then any other key), then
    each tier's (a context tier's `min_prompt_tokens`, a time window's `window`)."""
    stated = stated or {}
    order = {key: index for index, key in enumerate(KEYS)}
    found: list[Price] = []
    for key in sorted(pricing, key=lambda k: (order.get(k, len(order)), k)):
        value = pricing[key]
        if isinstance(value, Decimal):
            unit = unit_of(key, value, stated=stated, outputs=outputs)
            found.append(Price(component_of(key, unit), unit, value))
    for tier in overrides:
        window = None
        if tier.get("utc_start") is not None and tier.get("utc_end") is not None:
            window = Window(hhmm_minutes(tier["utc_start"]), hhmm_minutes(tier["utc_end"]))
        threshold = tier.get("min_prompt_tokens")
        for key in sorted(tier, key=lambda k: (order.get(k, len(order)), k)):
            value = tier[key]
            if key in TIER_KEYS or not isinstance(value, Decimal):
                continue
            unit = unit_of(key, value, stated=stated, outputs=outputs)
            found.append(Price(component_of(key, unit), unit, value, threshold, window))
    return found


def served_pricing(
    pricing: Mapping[str, Decimal | None], *, stated: Mapping[str, str] | None = None, outputs: Sequence[str] = ()
) -> dict[str, Decimal | None]:
    """`pricing` with every value that does not count its key's usual unit set to None (a per-1M-
    characters price is no `prompt` price per token); `prompt` and `completion` always present."""
    stated = stated or {}
    served: dict[str, Decimal | None] = {"prompt": None, "completion": None}
    for key, value in pricing.items():
        usual = KEYS.get(key, (key, None))[1]
        kept = value is not None and (usual is None or unit_of(key, value, stated=stated, outputs=outputs) == usual)
        served[key] = value if kept else None
    return served


def served_tiers(
    overrides: Iterable[Mapping[str, Any]], *, stated: Mapping[str, str] | None = None, outputs: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """`pricing.overrides` as served: each tier's prices under the same rule as `served_pricing`."""
    tiers = []
    for tier in overrides:
        limits = {key: tier[key] for key in TIER_KEYS if key in tier}
        prices = served_pricing({k: v for k, v in tier.items() if k not in TIER_KEYS}, stated=stated, outputs=outputs)
        tiers.append({**limits, **{k: v for k, v in prices.items() if k in tier}})
    return tiers
