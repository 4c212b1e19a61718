"""Any OpenAI-compatible endpoint: `GET {base_url}/models` -> `{"object": "list", "data": [...]}`.

Usable from an admin record with no code. A price's unit cannot be known from such a body, so the
gateway's options must state it (`{"price_unit": "per_token"}` or `"per_1m"`); without it prices
are null. Extras are read tolerantly: `context_length`, `context_window`, `max_model_len`,
`pricing.prompt`/`pricing.completion`, `input_modalities`/`output_modalities`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from gateways.adapters.base import (
    INPUT_ORDER,
    OUTPUT_ORDER,
    Adapter,
    NormalizedModel,
    author_slug,
    infer_modalities,
    last_segment,
    modality_string,
    ordered,
    per_million,
    positive_int,
    price,
    required_id,
    text,
    unix_time,
)
from gateways.registry import register

PRICE_UNITS = {"per_token": price, "per_1m": per_million}
OPTION_KEYS = {"price_unit", "chat_models"}


@register
class OpenAICompatible(Adapter):
    kind = "openai_compatible"
    label = "OpenAI-compatible endpoint"
    default_base_url = ""
    requires_key = True
    price_unit_label = "as the gateway's options state (per_token or per_1m); else null"
    reference = "https://platform.openai.com/docs/api-reference/models/list"
    # Built-in subclasses know their upstream's units and take no options.
    configurable: bool = True

    @classmethod
    def clean_options(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        if not cls.configurable:
            return Adapter.clean_options.__func__(cls, options)  # type: ignore[attr-defined]
        if not isinstance(options, Mapping):
            raise ValueError("options must be a JSON object")
        unknown = set(options) - OPTION_KEYS
        if unknown:
            raise ValueError(f"unknown option(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(OPTION_KEYS))}")
        cleaned: dict[str, Any] = {}
        unit = options.get("price_unit")
        if unit is not None:
            if unit not in PRICE_UNITS:
                raise ValueError(f"price_unit must be one of {', '.join(PRICE_UNITS)}, not {unit!r}")
            cleaned["price_unit"] = unit
        chat = options.get("chat_models")
        if chat is not None:
            if not isinstance(chat, bool):
                raise ValueError("chat_models must be true or false")
            cleaned["chat_models"] = chat
        return cleaned

    def prices(self, item: Mapping[str, Any]) -> tuple[dict[str, Decimal | None], str | None]:
        convert = PRICE_UNITS.get(self.options.get("price_unit", ""))
        pricing = item.get("pricing")
        if convert is None or not isinstance(pricing, dict):
            return {"prompt": None, "completion": None}, None
        return (
            {"prompt": convert(pricing.get("prompt")), "completion": convert(pricing.get("completion"))},
            f"{self.options['price_unit']}_usd",
        )

    def context(self, item: Mapping[str, Any]) -> int | None:
        for key in ("context_length", "context_window", "max_model_len"):
            value = positive_int(item.get(key))
            if value:
                return value
        return None

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...], str]:
        ins = ordered(item.get("input_modalities") or (), INPUT_ORDER)
        outs = ordered(item.get("output_modalities") or (), OUTPUT_ORDER)
        if ins and outs:
            return ins, outs, "upstream"
        inferred = infer_modalities(model_id, chat=bool(self.options.get("chat_models", False)))
        if inferred:
            return inferred[0], inferred[1], "inferred"
        return (), (), "unknown"

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        model_id = required_id(item)
        prices, unit = self.prices(item)
        ins, outs, source = self.modalities(model_id, item)
        return NormalizedModel(
            id=model_id,
            name=text(item.get("name")) or text(item.get("display_name")) or last_segment(model_id),
            description=text(item.get("description")),
            created=unix_time(item.get("created")),
            context_length=self.context(item),
            input_modalities=ins,
            output_modalities=outs,
            modality=modality_string(ins, outs),
            modality_source=source,
            pricing=prices,
            price_unit=unit,
            provider_slug=author_slug(model_id, item.get("owned_by")),
            raw=item,
        )
