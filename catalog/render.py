"""The served JSON of a model, rendered once at publish time (never per request)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

from catalog.prices import components, served_pricing, served_tiers, usd_text
from catalog.records import NormalizedModel


def price_text(value: Decimal | None) -> str | None:
    """OpenRouter's style (`usd_text`); None stays None."""
    return None if value is None else usd_text(value)


def _walk(value: Any, decimal: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal(value)
    if isinstance(value, dict):
        return {str(k): _walk(v, decimal) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_walk(v, decimal) for v in value]
    return value


def _encode_decimal(value: Any) -> Any:
    if isinstance(value, Decimal):
        return price_text(value)
    raise TypeError


def jsonable(value: Any) -> Any:
    """Decimals to OpenRouter price strings, tuples to lists, recursively.

    A round trip through orjson does the walk in C (a raw upstream item is converted for every
    model on every refresh); anything orjson cannot encode takes the Python walk instead."""
    try:
        return orjson.loads(orjson.dumps(value, default=_encode_decimal, option=orjson.OPT_NON_STR_KEYS))
    except TypeError:
        return _walk(value, price_text)


def _decimal_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return exact_number(value)
    raise TypeError


def exact_number(value: Decimal) -> float | str:
    """A stated number that is not a price, as the JSON number the upstream wrote: the float whose
    shortest text is that value (`0.95` stays `0.95`). One with more digits than a double holds is
    kept as its decimal text, never rounded."""
    number = float(value)
    if number == number and abs(number) != float("inf") and Decimal(repr(number)) == value:
        return number
    return price_text(value)


def numbers(value: Any) -> Any:
    """Like `jsonable`, for values that are not prices (`default_parameters`, `top_provider`,
    `per_request_limits`): decimals stay JSON numbers (`exact_number`)."""
    try:
        return orjson.loads(orjson.dumps(value, default=_decimal_number, option=orjson.OPT_NON_STR_KEYS))
    except TypeError:
        return _walk(value, exact_number)


def instant_text(moment: datetime) -> str:
    """An instant as the API writes it: ISO 8601 in UTC, with `Z`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def dumps(document: Any) -> str:
    return orjson.dumps(document).decode()


def content_hash(document: Any) -> str:
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _lower_unique(values: tuple[str, ...]) -> list[str]:
    # The served vocabulary is lower-case (UPSTREAMS.md 1.1); adapters already comply, this keeps it so.
    return list(dict.fromkeys(v.lower() for v in values))


# OpenRouter-shape fields an upstream may state, kept by its adapter in `extra` under these names
# and served as given (numbers as numbers) when of the type named here; else null.
PASSED_THROUGH: dict[str, type] = {
    "expiration_date": str,
    "knowledge_cutoff": str,
    "alias_target": str,
    "supported_voices": list,
    "reasoning": dict,
    "benchmarks": dict,
    "links": dict,
    "quantization": str,
}


def _passed_through(extra: Any) -> dict[str, Any]:
    served = {}
    for name, kind in PASSED_THROUGH.items():
        value = extra.get(name)
        if kind is list and isinstance(value, list):
            value = [item for item in value if isinstance(item, str)]
        served[name] = numbers(value) if isinstance(value, kind) and value != "" else None
    return served


# `availability`: whether the gateway's last published list had the model (`catalog.lifecycle`).
AVAILABLE, MISSING = "available", "missing"


def time_text(moment: datetime | int | None) -> str | None:
    """An instant as the catalog serves it: ISO-8601 in UTC with `Z` (Unix seconds or a datetime)."""
    if moment is None:
        return None
    if isinstance(moment, int):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _deprecation(model: NormalizedModel) -> dict[str, Any] | None:
    if not model.deprecated:
        return None
    return {
        "deprecated_at": time_text(model.deprecated_at),
        "sunset_at": time_text(model.sunset_at),
        "successor": model.successor,
    }


def model_document(model: NormalizedModel, *, gateway_slug: str) -> dict[str, Any]:
    """The OpenRouter-shaped public record of a `NormalizedModel`, plus `source_gateway` and
    `provider_slug`. No raw upstream payload."""
    units = {"stated": model.price_units, "outputs": model.output_modalities}
    pricing: dict[str, Any] = {key: price_text(value) for key, value in served_pricing(model.pricing, **units).items()}
    if model.pricing_overrides:
        pricing["overrides"] = jsonable(served_tiers(model.pricing_overrides, **units))
    top = (
        dict(model.top_provider)
        if model.top_provider is not None
        else {
            "context_length": model.context_length,
            "max_completion_tokens": None,
            "is_moderated": None,
        }
    )
    return {
        "id": model.id,
        "canonical_slug": model.canonical_slug,
        "hugging_face_id": model.hugging_face_id,
        "name": model.name,
        "created": model.created,
        "description": model.description,
        "context_length": model.context_length,
        "architecture": {
            "modality": model.modality,
            "input_modalities": _lower_unique(model.input_modalities),
            "output_modalities": _lower_unique(model.output_modalities),
            "tokenizer": model.tokenizer,
            "instruct_type": model.instruct_type,
        },
        "pricing": pricing,
        "prices": [price.document() for price in components(model.pricing, model.pricing_overrides, **units)],
        "pricing_dynamic": model.pricing_dynamic,
        "top_provider": numbers(top),
        "per_request_limits": numbers(model.per_request_limits) if model.per_request_limits is not None else None,
        "supported_parameters": list(model.supported_parameters),
        "default_parameters": numbers(dict(model.default_parameters)),
        **_passed_through(model.extra),
        "upstream_active": model.upstream_active,
        "deprecation": _deprecation(model),
        "availability": AVAILABLE,  # a model missing from its list is re-served by `catalog.lifecycle`
        "missing_since": None,
        "source_gateway": gateway_slug,
        "provider_slug": model.provider_slug,
    }


def openai_document(document: dict[str, Any]) -> dict[str, Any]:
    """The entry of `GET /v1/models`: the full catalog document plus OpenAI's `object`, `owned_by`
    and an integer `created` (0 when unknown: OpenAI SDKs type it as an int). Rendered at publish
    time next to `public_json`, so the OpenAI-shaped list joins stored fragments too."""
    created = document.get("created")
    rest = {key: value for key, value in document.items() if key not in ("id", "created", "name")}
    return {
        "id": document["id"],
        "object": "model",
        "created": created if isinstance(created, int) and not isinstance(created, bool) and created > 0 else 0,
        "owned_by": document.get("provider_slug") or document.get("source_gateway") or "unknown",
        "name": document.get("name") or document["id"],
        **rest,
    }
