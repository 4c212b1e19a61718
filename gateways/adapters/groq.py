"""Groq model list.  Reference: https://console.groq.com/docs/models

Older bodies state no prices, no modalities and no parameters: context is `context_window` (the
old system read a field that does not exist and stored 0) and the id decides the modality. Mid-2026
bodies add OpenRouter-style fields (UPSTREAMS.md 2.12), which win over those rules: `pricing` in
USD per token, `input_modalities`/`output_modalities`, `context_length`, `max_output_length`,
`supported_sampling_parameters` (OpenRouter parameter names) and `supported_features` (mapped to
them). `owned_by` is a display name ("Alibaba Cloud"), not a slug: only an id's head says who made a model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities
from gateways.adapters.values import PER_TOKEN
from gateways.registry import register

_RULES: tuple[tuple[re.Pattern[str], tuple[str, ...], tuple[str, ...]], ...] = (
    (re.compile(r"whisper"), ("audio",), ("transcription",)),
    (re.compile(r"orpheus|tts"), ("text",), ("speech",)),
    (re.compile(r"guard"), ("text",), ("text",)),
    (re.compile(r"vision|llama-4-(scout|maverick)"), ("text", "image"), ("text",)),
)


@register
class Groq(Adapter):
    kind = "groq"
    label = "Groq"
    default_base_url = "https://api.groq.com/openai/v1"
    builtin = Builtin(priority=60, min_expected_models=5)
    reference = "https://console.groq.com/docs/models"
    price_unit_label = "USD per token (strings), in mid-2026 bodies; none in older ones"
    context_fields = ("context_length", "context_window")
    max_output_fields = ("max_output_length", "max_completion_tokens")
    owner_field = None
    active_field, inactive_values = "active", (False,)
    price_object_field, price_unit = "pricing", PER_TOKEN
    parameter_fields = ("supported_sampling_parameters",)
    feature_fields = ("supported_features",)
    extra_fields = ("supported_features",)  # as stated: the features with no OpenRouter parameter name too

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        stated = super().modalities(model_id, item)
        if stated[2] == "upstream":
            return stated
        lowered = model_id.lower()
        for pattern, ins, outs in _RULES:
            if pattern.search(lowered):
                return ins, outs, "inferred"
        return ("text",), ("text",), "inferred"
