"""Mistral model list.  Reference: https://docs.mistral.ai/api/#tag/models/operation/list_models_v1_models_get

`GET /v1/models`: no prices. Context is `max_context_length`; `capabilities` (booleans) say chat,
vision and tools; a model that is not a chat model gets its modality from the id. `name` is the
snapshot an alias points at, not a display name (kept in `extra`); a past `deprecation` date, or an
archived fine-tuned model, is inactive (docs/adapters.md, "Mistral").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities
from gateways.adapters.values import mapping
from gateways.registry import register

FEATURES = {"function_calling": "tools"}
# Ids of Mistral's models that are not chat models and that the keyword table does not know.
ID_RULES = (("ocr", ("image", "file"), ("text",)), ("transcribe", ("audio",), ("transcription",)))


@register
class Mistral(Adapter):
    kind = "mistral"
    label = "Mistral"
    default_base_url = "https://api.mistral.ai/v1"
    builtin = Builtin(priority=55, min_expected_models=5)
    price_unit_label = "none in the list: null"
    reference = "https://docs.mistral.ai/api/#tag/models/operation/list_models_v1_models_get"
    sole_author = "mistralai"
    name_fields, context_fields = (), ("max_context_length",)
    retired_field, active_field, inactive_values = "deprecation", "archived", (True,)
    successor_fields = ("deprecation_replacement_model",)
    extra_fields = ("name", "aliases", "deprecation", "deprecation_replacement_model", "type", "root", "job", "archived")

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        capabilities, lowered = mapping(item.get("capabilities")), model_id.lower()
        if capabilities.get("completion_chat") is not True:
            if capabilities.get("classification") is True:
                return ("text",), ("text",), "upstream"  # moderation and classifiers (UPSTREAMS.md 1.4)
            rule = next((rule for rule in ID_RULES if rule[0] in lowered), None)
            return (rule[1], rule[2], "inferred") if rule else super().modalities(model_id, item)
        ins = ("text", "image") if capabilities.get("vision") is True else ("text",)
        if "voxtral" in lowered:
            return (*ins, "audio"), ("text",), "inferred"  # Voxtral chat models take audio: not a capability
        return ins, ("text",), "upstream"

    def parameters(self, item: Mapping[str, Any]) -> tuple[str, ...]:
        capabilities = mapping(item.get("capabilities"))
        return tuple(name for key, name in FEATURES.items() if capabilities.get(key) is True)
