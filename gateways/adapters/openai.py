"""OpenAI model list.  Reference: https://platform.openai.com/docs/api-reference/models/list

`GET /v1/models`, one page, items `{id, object, created, owned_by}` only: no prices (null), no context
(null), no type. `owned_by` names the account (`system`, `openai`, an organization for fine-tunes), so
every row's author is OpenAI. Modality from the id: the keyword table, then OpenAI's own families.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities
from gateways.adapters.modalities import infer_modalities
from gateways.registry import register

# After the keyword table (UPSTREAMS.md 1.6); first match wins. Inputs are only what the id says.
FAMILIES: tuple[tuple[re.Pattern[str], tuple[str, ...], tuple[str, ...]], ...] = (
    (re.compile(r"transcribe"), ("audio",), ("transcription",)),
    (re.compile(r"^dall-e"), ("text",), ("image",)),
    (re.compile(r"moderation"), ("text",), ("text",)),
    (re.compile(r"realtime|audio"), ("text", "audio"), ("text", "audio")),
    (re.compile(r"^(ft:)?(gpt-|chatgpt-|o\d|codex-|davinci|babbage)"), ("text",), ("text",)),
)


@register
class OpenAI(Adapter):
    kind = "openai"
    label = "OpenAI"
    default_base_url = "https://api.openai.com/v1"
    builtin = Builtin(priority=60, min_expected_models=5)
    price_unit_label = "none in the list: null"
    reference = "https://platform.openai.com/docs/api-reference/models/list"
    name_fields, description_fields, context_fields = (), (), ()
    hugging_face_field, owner_field, sole_author = None, None, "openai"
    extra_fields = ("owned_by",)

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        lowered = model_id.lower()
        stated = infer_modalities(lowered)
        if stated:
            return stated[0], stated[1], "inferred"
        for pattern, ins, outs in FAMILIES:
            if pattern.search(lowered):
                return ins, outs, "inferred"
        return (), (), "unknown"
