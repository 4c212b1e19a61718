"""Any OpenAI-compatible endpoint (`GET {base_url}/models`), from an admin record with no code. A body
cannot say its price unit: the options state it (`{"price_unit": "per_token"}` or `"per_1m"`; else
prices are null); `{"chat_models": true}` makes an id no keyword recognises text->text;
`{"requires_key": false}` refreshes a server that needs no key (vLLM, Ollama, LM Studio, llama.cpp)
without one, and still sends `GATEWAY_KEY_<SLUG>` when it is set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateways.adapters.base import Adapter
from gateways.adapters.values import PER_MILLION, PER_TOKEN
from gateways.registry import register

PRICE_UNITS = {"per_token": PER_TOKEN, "per_1m": PER_MILLION}


@register
class OpenAICompatible(Adapter):
    kind = "openai_compatible"
    label = "OpenAI-compatible endpoint"
    price_unit_label = "as the gateway's options state (per_token or per_1m); else null"
    reference = "https://platform.openai.com/docs/api-reference/models/list"
    price_fields = {"prompt": ("pricing.prompt",), "completion": ("pricing.completion",)}

    def __init__(self, *, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options=options)
        self.price_unit = PRICE_UNITS.get(self.options.get("price_unit", ""))
        self.chat_models = bool(self.options.get("chat_models", False))

    @classmethod
    def needs_key(cls, options: Mapping[str, Any]) -> bool:
        return options.get("requires_key", True) is not False

    @classmethod
    def clean_options(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(options, Mapping):
            raise ValueError("options must be a JSON object")
        if unknown := set(options) - {"price_unit", "chat_models", "requires_key"}:
            raise ValueError(f"unknown option(s) {', '.join(sorted(unknown))}; allowed: chat_models, price_unit, requires_key")
        if options.get("price_unit") not in (None, *PRICE_UNITS):
            raise ValueError(f"price_unit must be one of {', '.join(PRICE_UNITS)}, not {options['price_unit']!r}")
        for flag in ("chat_models", "requires_key"):
            if options.get(flag) is not None and not isinstance(options[flag], bool):  # 0 == False
                raise ValueError(f"{flag} must be true or false")
        return {key: value for key, value in options.items() if value is not None}
