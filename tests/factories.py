"""Small builders for tests: gateways and normalized models with sensible defaults."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from catalog.records import NormalizedModel
from gateways.models import Gateway


def make_gateway(slug: str = "acme", **fields: Any) -> Gateway:
    defaults: dict[str, Any] = {
        "name": slug.title(),
        "kind": "openai_compatible",
        "base_url": f"https://{slug}.example.test/v1",
        "options": {"price_unit": "per_token"},
        "min_expected_models": 1,
    }
    defaults.update(fields)
    gateway, _ = Gateway.objects.update_or_create(slug=slug, defaults=defaults)
    return gateway


def make_model(
    model_id: str, *, prompt: str | None = "0.000001", completion: str | None = "0.000002", **fields: Any
) -> NormalizedModel:
    values: dict[str, Any] = {
        "name": model_id.rsplit("/", 1)[-1],
        "context_length": 8192,
        "input_modalities": ("text",),
        "output_modalities": ("text",),
        "modality": "text->text",
        "pricing": {
            "prompt": Decimal(prompt) if prompt is not None else None,
            "completion": Decimal(completion) if completion is not None else None,
        },
        "price_unit": "per_token_usd",
    }
    values.update(fields)
    return NormalizedModel(id=model_id, **values)


def openai_body(*items: dict[str, Any]) -> dict[str, Any]:
    return {"object": "list", "data": list(items)}


def openai_item(model_id: str, prompt: str = "0.000001", completion: str = "0.000002", context: int = 8192) -> dict[str, Any]:
    return {
        "id": model_id,
        "object": "model",
        "created": 1760000000,
        "owned_by": "acme",
        "context_length": context,
        "pricing": {"prompt": prompt, "completion": completion},
    }


def token_prices(prompt: str, completion: str) -> list[dict[str, str]]:
    """The served `prices` of a record priced per input and output token only."""
    return [
        {"component": "input_token", "unit": "token", "usd": prompt},
        {"component": "output_token", "unit": "token", "usd": completion},
    ]
