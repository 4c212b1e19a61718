"""An aggregator's per-model endpoints body: one entry per serving provider of one model, each with
its own prices, discount, quantization, context and status (OpenRouter's `GET
/models/{author}/{slug}/endpoints`, UPSTREAMS.md 2.1; the storage in docs/adapters.md, "OpenRouter
endpoints").

`{"data": {"id": ..., "architecture": {...}, "endpoints": [{provider_name, tag, quantization,
context_length, max_completion_tokens, max_prompt_tokens, status, uptime_last_30m,
supported_parameters, pricing: {...}, discount}]}}`. The body is strict (not that shape: a
malformed body, nothing published); each endpoint is read item by item (a bad one is counted and
skipped). Prices are read like the list's, `"-1"` marks a price decided per request, and the
stated discount (a fraction in [0, 1), beside `pricing` or inside it) is applied exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from catalog.records import NormalizedEndpoint, NormalizedEndpoints
from gateways.adapters.modalities import OUTPUT_ORDER, ordered
from gateways.adapters.parameters import named_parameters
from gateways.adapters.pricing import per_request, price_object
from gateways.adapters.values import RejectItem, Unit, dig, positive_int, price, text
from gateways.errors import malformed

SHAPE = '{"data": {"id": "<author>/<slug>", "endpoints": [...]}}'
MAX_ERRORS = 20


def is_endpoints_body(body: Any) -> bool:
    """Whether a decoded body is a per-model endpoints body (its `data` an object with `endpoints`)."""
    return isinstance(body, Mapping) and isinstance(body.get("data"), Mapping) and "endpoints" in body["data"]


@dataclass(slots=True)
class EndpointsResult:
    endpoints: NormalizedEndpoints
    rejected: int = 0
    errors: list[str] = field(default_factory=list)

    def reject(self, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(reason[:300])


def parse_endpoints(body: Any, unit: Unit) -> EndpointsResult:
    """Every endpoint of `body`, prices read through `unit`; raises a malformed `AdapterError` for
    a body that is not `SHAPE`."""
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, Mapping):
        raise malformed(f"expected an endpoints body {SHAPE}, got {type(body).__name__} without a 'data' object")
    model_id = text(data.get("id"))
    if not model_id:
        raise malformed(f"the endpoints body has no model id in data.id; expected {SHAPE}")
    entries = data.get("endpoints")
    if not isinstance(entries, list):
        raise malformed(f"data.endpoints of {model_id!r} is not a list; expected {SHAPE}")
    outputs = tuple(ordered(dig(data, "architecture.output_modalities") or (), OUTPUT_ORDER))
    result = EndpointsResult(NormalizedEndpoints(model_id=model_id, output_modalities=outputs))
    read: list[NormalizedEndpoint] = []
    for index, entry in enumerate(entries):
        try:
            endpoint = _endpoint(entry, unit)
        except (ValueError, TypeError, ArithmeticError) as exc:
            result.reject(f"endpoint {index} of {model_id!r}: {exc}")
            continue
        if any(other.provider == endpoint.provider for other in read):
            result.reject(f"endpoint {index} of {model_id!r}: duplicate provider {endpoint.provider!r}")
            continue
        read.append(endpoint)
    result.endpoints = NormalizedEndpoints(model_id=model_id, endpoints=tuple(read), output_modalities=outputs)
    return result


def _endpoint(entry: Any, unit: Unit) -> NormalizedEndpoint:
    if not isinstance(entry, Mapping):
        raise RejectItem(f"an endpoint is a {type(entry).__name__}, not an object")
    name = text(entry.get("provider_name"))
    provider = text(entry.get("tag")) or _slug(name)
    if not provider:
        raise RejectItem("an endpoint names no provider (no 'tag' or 'provider_name')")
    pricing = entry.get("pricing")
    if pricing is not None and not isinstance(pricing, Mapping):
        raise RejectItem("pricing is not an object")
    pricing = dict(pricing or {})
    stated_discount = entry["discount"] if "discount" in entry else pricing.pop("discount", None)
    pricing.pop("discount", None)
    discount = _discount(stated_discount)
    dynamic = per_request(pricing)
    prices = {"prompt": None, "completion": None, **price_object(pricing, unit.read)}
    if discount:
        prices = {key: None if value is None else value * (1 - discount) for key, value in prices.items()}
    known = any(value is not None for value in prices.values())
    return NormalizedEndpoint(
        provider=provider,
        provider_name=name,
        pricing=prices,
        pricing_dynamic=dynamic,
        discount=discount,
        price_unit=unit.label if known or dynamic else None,
        quantization=text(entry.get("quantization")),
        context_length=positive_int(entry.get("context_length")),
        max_completion_tokens=positive_int(entry.get("max_completion_tokens")),
        max_prompt_tokens=positive_int(entry.get("max_prompt_tokens")),
        status=_status(entry.get("status")),
        uptime_last_30m=_uptime(entry.get("uptime_last_30m")),
        supported_parameters=named_parameters(entry.get("supported_parameters")),
        raw=dict(entry),
    )


def _slug(name: str | None) -> str | None:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or None if name else None


def _discount(value: Any) -> Decimal | None:
    """A fraction of the price taken off: a number (or numeric string) in [0, 1)."""
    if value is None:
        return None
    number = price(value)  # exact, finite, non-negative; a boolean or text rejects the endpoint
    if number is not None and number >= 1:
        raise RejectItem(f"discount {value!r:.40} is not a fraction below 1")
    return number


def _status(value: Any) -> int | str | None:
    """OpenRouter states an integer (0: serving; negative: degraded or down); kept as given."""
    if isinstance(value, bool):
        raise RejectItem("status is a boolean")
    if isinstance(value, int) or (isinstance(value, str) and value.strip()):
        return value.strip() if isinstance(value, str) else value
    return None


def _uptime(value: Any) -> Decimal | None:
    """A percentage in [0, 100]; anything else is not a statistic we serve (the endpoint stays)."""
    try:
        number = price(value)
    except RejectItem:
        return None
    return number if number is not None and number <= 100 else None
