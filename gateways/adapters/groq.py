"""Groq model list.  Reference: https://console.groq.com/docs/models

No prices in the list. Context is `context_window` (the old system read a field that does not
exist and stored 0). No type field: the id decides the modality (UPSTREAMS.md 2.12).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from gateways.adapters.base import NormalizedModel, author_slug, modality_string, positive_int
from gateways.adapters.openai_compatible import OpenAICompatible
from gateways.registry import register

_RULES: tuple[tuple[re.Pattern[str], tuple[str, ...], tuple[str, ...]], ...] = (
    (re.compile(r"whisper"), ("audio",), ("transcription",)),
    (re.compile(r"orpheus|tts"), ("text",), ("speech",)),
    (re.compile(r"guard"), ("text",), ("text",)),
    (re.compile(r"vision|llama-4-(scout|maverick)"), ("text", "image"), ("text",)),
)


@register
class Groq(OpenAICompatible):
    kind = "groq"
    label = "Groq"
    default_base_url = "https://api.groq.com/openai/v1"
    price_unit_label = "none in the list"
    reference = "https://console.groq.com/docs/models"

    configurable = False

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        model = super().normalize(item)
        assert model is not None
        lowered = model.id.lower()
        ins, outs = ("text",), ("text",)
        for pattern, rule_ins, rule_outs in _RULES:
            if pattern.search(lowered):
                ins, outs = rule_ins, rule_outs
                break
        max_completion = positive_int(item.get("max_completion_tokens"))
        context = positive_int(item.get("context_window"))
        return replace(
            model,
            context_length=context,
            input_modalities=ins,
            output_modalities=outs,
            modality=modality_string(ins, outs),
            modality_source="inferred",
            pricing={"prompt": None, "completion": None},
            price_unit=None,
            # owned_by is a display name ("Alibaba Cloud"), not a slug: only an id head says who.
            provider_slug=author_slug(model.id, None),
            top_provider={"context_length": context, "max_completion_tokens": max_completion, "is_moderated": None},
            upstream_active=item.get("active") is not False,
        )
