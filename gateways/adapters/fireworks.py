"""Fireworks model list.  Reference: https://docs.fireworks.ai/api-reference/list-models

No prices in this list: null. Ids are `accounts/fireworks/models/<slug>` and are kept whole (it is
what a client sends); the merge base drops that prefix. Fireworks slugs are not Hugging Face ids
(`llama-v3p1-8b-instruct`), so they rarely group with other gateways. `kind` decides the modality
before `supports_chat` (embedding models also say `supports_chat: true`) (UPSTREAMS.md 2.13).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities
from gateways.adapters.values import text
from gateways.registry import register

PREFIX = "accounts/fireworks/models/"
CHAT_KINDS = {"HF_BASE_MODEL", "CUSTOM_MODEL", "HF_PEFT_ADDON"}
_IMAGE_ID = re.compile(r"flux|stable-diffusion")


@register
class Fireworks(Adapter):
    kind = "fireworks"
    label = "Fireworks"
    default_base_url = "https://api.fireworks.ai/inference/v1"
    builtin = Builtin(priority=55, min_expected_models=5)
    price_unit_label = "none in the list: null"
    reference = "https://docs.fireworks.ai/api-reference/list-models"
    merge_prefix = PREFIX
    extra_fields = ("kind", "supports_chat", "supports_image_input")

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        kind = (text(item.get("kind")) or "").upper()
        lowered = model_id.lower()
        if kind == "EMBEDDING_MODEL":
            return ("text",), (("rerank",) if "rerank" in lowered else ("embeddings",)), "upstream"
        if "FLUMINA" in kind:
            return ("text",), ("image",), "upstream"
        if _IMAGE_ID.search(lowered):
            return ("text",), ("image",), "inferred"
        if item.get("supports_chat") is True:
            return (("text", "image") if item.get("supports_image_input") is True else ("text",)), ("text",), "upstream"
        ins, outs, source = super().modalities(model_id, item)
        if source == "unknown" and kind in CHAT_KINDS:  # a language model that does not chat
            return ("text",), ("text",), "inferred"
        return ins, outs, source

    def parameters(self, item: Mapping[str, Any]) -> tuple[str, ...]:
        return ("tools",) if item.get("supports_tools") is True else ()

    def author(self, model_id: str, item: Mapping[str, Any]) -> str | None:
        return None  # owned_by is "fireworks" (the account), and the id head is "accounts"
