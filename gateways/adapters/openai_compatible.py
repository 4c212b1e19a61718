"""Any OpenAI-compatible endpoint: `GET {base_url}/models` -> `{"object": "list", "data": [...]}`.

Built-in adapters of almost-compatible upstreams subclass this one and override the hooks that
differ (`prices`, `context`, `modalities`) or `normalize` itself, with `configurable = False`.

Usable from an admin record with no code. A price's unit cannot be known from such a body, so the
gateway's options must state it (`{"price_unit": "per_token"}` or `"per_1m"`); without it prices
are null. Extras are read tolerantly: `context_length`, `context_window`, `max_model_len`,
`pricing.prompt`/`pricing.completion`, `input_modalities`/`output_modalities`, `hugging_face_id`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from gateways.adapters.base import (
    Adapter,
    NormalizedModel,
    author_slug,
    fallback_modalities,
    hf_style,
    last_segment,
    modalities_from_lists,
    modality_string,
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
    # True when the upstream lists chat models only: an id no keyword recognises is text->text.
    chat_models: bool = False

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
        stated = modalities_from_lists(item.get("input_modalities"), item.get("output_modalities"))
        if stated:
            return stated[0], stated[1], "upstream"
        return fallback_modalities(model_id, chat=bool(self.options.get("chat_models", self.chat_models)))

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        model_id = required_id(item)
        prices, unit = self.prices(item)
        ins, outs, source = self.modalities(model_id, item)
        return NormalizedModel(
            id=model_id,
            name=text(item.get("name")) or text(item.get("display_name")) or last_segment(model_id),
            hugging_face_id=hf_style(text(item.get("hugging_face_id"))),
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
            merge_base=model_id,
            raw=item,
        )
