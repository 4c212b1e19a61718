"""Groq model list.  Reference: https://console.groq.com/docs/models

No prices in the list. Context is `context_window` (the old system read a field that does not
exist and stored 0). No type field: the id decides the modality (UPSTREAMS.md 2.12). `owned_by` is
a display name ("Alibaba Cloud"), not a slug: only an id's head says who made a model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities
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
    context_fields = ("context_window",)
    max_output_fields = ("max_completion_tokens",)
    owner_field = None
    active_field, inactive_values = "active", (False,)

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        lowered = model_id.lower()
        for pattern, ins, outs in _RULES:
            if pattern.search(lowered):
                return ins, outs, "inferred"
        return ("text",), ("text",), "inferred"
