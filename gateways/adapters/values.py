"""Reading one field of an upstream item: exact prices and their units, whole numbers, dates,
strings, ids and authors. Every reader returns None for an absent value and raises `RejectItem`
for a value that cannot be what the field says (the item is then counted as rejected)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.prices import TIER_KEYS

MILLION = Decimal(1_000_000)
HUNDRED = Decimal(100)
# The keys of a price tier (`pricing_overrides`) that are thresholds, kept as integers, not prices.
TIER_LIMITS = TIER_KEYS


class RejectItem(ValueError):
    """This item cannot become a model record; the message says why."""


def dig(item: Any, path: str) -> Any:
    """The value at a dotted path (`"metadata.pricing.input"`; a number steps into a list:
    `"providers.0.pricing"`), or None where any step is missing."""
    value = item
    for step in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit():
            value = value[int(step)] if int(step) < len(value) else None
        else:
            return None
    return value


def first(item: Any, paths: Iterable[str], read: Any = None) -> Any:
    """The first of `paths` that holds a value (read through `read` when given, which may turn a
    present value into None, e.g. a 0 context length)."""
    for path in paths:
        value = dig(item, path)
        if read is not None:
            value = read(value)
        if value is not None:
            return value
    return None


def text(value: Any, *, limit: int | None = None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise RejectItem(f"expected a string, got {type(value).__name__}")
        value = str(value)
    value = value.strip()
    if not value:
        return None
    return value[:limit] if limit else value


def required_id(item: Mapping[str, Any], key: str = "id") -> str:
    raw = item.get(key)
    if raw is not None and not isinstance(raw, str):
        raise RejectItem(f"{key!r} is a {type(raw).__name__}, not a string")
    value = text(raw)
    if not value:
        raise RejectItem(f"no {key!r}")
    return value


def positive_int(value: Any) -> int | None:
    """Context lengths, token limits, timestamps: 0, negative or missing mean unknown."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    try:
        number = Decimal(value) if not isinstance(value, int) else value
    except (InvalidOperation, TypeError):
        raise RejectItem(f"expected a number, got {value!r:.40}") from None
    if isinstance(number, Decimal) and (not number.is_finite() or number != number.to_integral_value()):
        raise RejectItem(f"expected a whole number, got {value!r:.40}")
    number = int(number)
    return number if number > 0 else None


def unix_time(value: Any) -> int | None:
    """Unix seconds from an int or an ISO-8601 string; 0 or missing is unknown. A date or time
    without an offset (OpenRouter's `expiration_date: "2026-03-01"`) is UTC, never the machine's zone."""
    if isinstance(value, str) and value.strip() and not value.strip().lstrip("-").isdigit():
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise RejectItem(f"unreadable date {value!r:.40}") from None
        return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()) or None
    return positive_int(value)


def lifecycle_time(value: Any) -> int | None:
    """`unix_time` for a lifecycle date (an end, a deprecation): an unreadable one is unknown, not
    a reason to reject the model, which is served the same whatever its end says. So is one past
    the year 9999, which no date type holds."""
    try:
        seconds = unix_time(value)
    except RejectItem:
        return None
    return seconds if seconds is not None and seconds <= LAST_SECOND else None


LAST_SECOND = 253402300799  # 9999-12-31T23:59:59Z


# A double holds 15 significant digits: a stated price with more is noise from the upstream's own
# float arithmetic (`0.010399999999999998`), rounded to 15 to recover the price meant (`0.0104`).
FLOAT_DIGITS = 15
ROUNDED = "rounded_15_digits"  # joins a record's `price_unit` when one of its prices was rounded


def float_noise(value: Any) -> bool:
    """Whether a stated price has more significant digits than a double holds."""
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        return False
    return number.is_finite() and number != 0 and len(number.normalize().as_tuple().digits) > FLOAT_DIGITS


def price(value: Any) -> Decimal | None:
    """An exact, finite, non-negative decimal from a JSON number or numeric string; None if absent.
    Kept exactly as written up to 15 significant digits; float noise past that is rounded off."""
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise RejectItem("a price cannot be a boolean")
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    if isinstance(value, float):  # never produced by our decoder; refuse rather than guess
        raise RejectItem("price arrived as a binary float")
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise RejectItem(f"unreadable price {value!r:.40}") from None
    if not number.is_finite():
        raise RejectItem(f"non-finite price {value!r:.40}")
    if number < 0:
        raise RejectItem(f"negative price {value!r:.40}")
    if float_noise(number):
        number = number.quantize(Decimal(1).scaleb(number.adjusted() - FLOAT_DIGITS + 1)).normalize()
    return number


def per_million(value: Any) -> Decimal | None:
    number = price(value)
    return None if number is None else number / MILLION


def cents(value: Any) -> Decimal | None:
    number = price(value)
    return None if number is None else number / HUNDRED


def scaled(value: Any, exponent: int) -> Decimal | None:
    """`value x 10^exponent`, exactly (xAI and Novita: 0.0001 USD per 1M tokens = x 10^-10)."""
    number = price(value)
    return None if number is None else number.scaleb(exponent)


def last_segment(model_id: str) -> str:
    return model_id.rstrip("/").rsplit("/", 1)[-1] or model_id


def hf_style(value: str | None) -> str | None:
    """A Hugging Face repo id has exactly the `Org/Repo` form."""
    if value and value.count("/") == 1 and not value.startswith(("@", "/", "~")) and ":" not in value:
        return value
    return None


def true_keys(value: Any) -> tuple[str, ...]:
    """A list of strings, or the true keys of an object of booleans."""
    if isinstance(value, dict):
        return tuple(sorted(str(k) for k, v in value.items() if v is True))
    if isinstance(value, list):
        return tuple(dict.fromkeys(str(v) for v in value if isinstance(v, str) and v))
    return ()


_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def author_slug(model_id: str, owned_by: Any = None) -> str | None:
    """Who made the model: the head of an `org/model` id, else a slug-like `owned_by`."""
    head = model_id.lstrip("~").split("/", 1)[0].lower() if "/" in model_id else ""
    if head and _SLUG.match(head) and head not in ("accounts", "models"):
        return head
    owner = owned_by.strip().lower() if isinstance(owned_by, str) else ""
    return owner if owner and _SLUG.match(owner) else None


ASSUMED_PER_MILLION_FROM = Decimal("0.001")


def assumed_price(value: Any) -> tuple[Decimal | None, str | None]:
    """For upstreams whose price unit is unverified (AIMO, NEAR's old list): a value of at least
    0.001 is read as USD per 1M tokens, a smaller positive value as USD per token already. Returns
    the price and the assumed unit (None for an absent price or a 0, which needs no unit)."""
    number = price(value)
    if number is None or number == 0:
        return number, None
    if number >= ASSUMED_PER_MILLION_FROM:
        return number / MILLION, "per_1m_usd_assumed"
    return number, "per_token_usd_assumed"


def combined_unit(*units: str | None) -> str | None:
    """One `price_unit` label for a record whose prices came through one or more conversions."""
    distinct = sorted({u for u in units if u})
    return "+".join(distinct) or None


def pick(item: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """The named fields of an item that are present and not null (for `extra`)."""
    return {key: item[key] for key in keys if item.get(key) is not None}


def mapping(value: Any) -> Mapping[str, Any]:
    """An object field, or an empty mapping when it is missing or not an object."""
    return value if isinstance(value, Mapping) else {}


def priced(prices: dict[str, Decimal | None], unit: str) -> tuple[dict[str, Decimal | None], str | None]:
    """`prices` with the conversion that produced them, or no unit when every price is unknown."""
    return prices, (unit if any(value is not None for value in prices.values()) else None)


def top_provider(context_length: int | None, max_completion_tokens: Any) -> dict[str, Any]:
    """OpenRouter's `top_provider` from the upstream's context and output limits."""
    return {
        "context_length": context_length,
        "max_completion_tokens": positive_int(max_completion_tokens),
        "is_moderated": None,
    }


def stated_top_provider(value: Any) -> dict[str, Any] | None:
    """A `top_provider` object in OpenRouter's shape, its values checked; None if not an object."""
    if not isinstance(value, Mapping):
        return None
    moderated = value.get("is_moderated")
    limits = top_provider(positive_int(value.get("context_length")), value.get("max_completion_tokens"))
    return {**limits, "is_moderated": moderated if isinstance(moderated, bool) else None}


@dataclass(frozen=True, slots=True)
class Unit:
    """How an upstream writes a price: `read` turns its value into USD per token; `label` is stored
    with the record (`price_unit`) so a reader knows which conversion produced the figure."""

    label: str
    read: Callable[[Any], Decimal | None]
    # For a unit guessed per value (`assumed_price`): the label a stated value was read with.
    label_of: Callable[[Any], str | None] | None = None

    def label_for(self, value: Any) -> str | None:
        return self.label_of(value) if self.label_of is not None else self.label


PER_TOKEN = Unit("per_token_usd", price)
PER_MILLION = Unit("per_1m_usd", per_million)
CENTS_PER_TOKEN = Unit("per_token_usd_cents", cents)
# Unverified units (AIMO, NEAR's old list): read from the magnitude, labelled with the unit assumed.
ASSUMED_FROM_MAGNITUDE = Unit("assumed", lambda value: assumed_price(value)[0], lambda value: assumed_price(value)[1])
# Integers in units of 0.0001 USD (1/100 of a US cent) per 1M tokens: value x 10^-10 (xAI, Novita).
TEN_THOUSANDTHS_PER_MILLION = Unit("per_1m_0.0001usd", lambda value: scaled(value, -10))
