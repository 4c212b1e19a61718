"""Google Gemini API model list.  Reference: https://ai.google.dev/api/models#method:-models.list

`GET /v1beta/models?pageSize=1000`, followed through `nextPageToken` (ignoring it silently
truncates the list). The key travels in the `x-goog-api-key` header, never in `?key=`. Ids are the
`name` without its leading `models/`. No prices in the API. Modality comes from
`supportedGenerationMethods`, then the name (UPSTREAMS.md 2.5): the API does not list input types,
so the inputs of chat models are inferred. The API serves Google's own models only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities, NormalizedModel
from gateways.adapters.modalities import fallback_modalities
from gateways.adapters.pagination import PageTokens
from gateways.adapters.values import RejectItem, positive_int, required_id, top_provider, true_keys
from gateways.registry import register

EMBEDDING_METHODS = {"embedContent", "batchEmbedContents", "embedText"}
GEMINI_INPUTS = ("text", "image", "file", "audio", "video")
_GEMMA_VERSION = re.compile(r"gemma-(\d+)")


@register
class Google(Adapter):
    kind = "google"
    label = "Google (Gemini API)"
    default_base_url = "https://generativelanguage.googleapis.com/v1beta"
    builtin = Builtin(priority=60, min_expected_models=5)
    price_unit_label = "none in the API: null"
    key_header = ("x-goog-api-key", "")
    reference = "https://ai.google.dev/api/models#method:-models.list"
    list_params = {"pageSize": 1000}
    pages, max_pages = PageTokens(), 50
    envelope_keys = ("models", "data")
    name_fields, created_fields, context_fields = ("displayName",), (), ("inputTokenLimit",)
    extra_fields = ("baseModelId", "version")

    def model_id(self, item: Mapping[str, Any]) -> str:
        name = required_id(item, "name")
        if not name.removeprefix("models/"):
            raise RejectItem(f"name {name!r} has no model id after 'models/'")
        return name.removeprefix("models/")

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        methods, lowered = set(true_keys(item.get("supportedGenerationMethods"))), model_id.lower()
        if methods & EMBEDDING_METHODS:
            return ("text",), ("embeddings",), "upstream"
        if "predictLongRunning" in methods:  # Veo
            return ("text", "image"), ("video",), "upstream"
        if "predict" in methods:  # Imagen
            return ("text",), ("image",), "upstream"
        if "generateAnswer" in methods and not methods & {"generateContent", "bidiGenerateContent"}:  # AQA
            return ("text",), ("text",), "upstream"
        if not methods & {"generateContent", "bidiGenerateContent"}:
            return fallback_modalities(lowered)
        if "tts" in lowered:
            return ("text",), ("speech",), "inferred"
        gemma = _GEMMA_VERSION.match(lowered)
        ins = GEMINI_INPUTS if lowered.startswith("gemini-") else ("text", "image") if gemma and int(gemma[1]) >= 3 else ("text",)
        if "native-audio" in lowered or "generateContent" not in methods:  # Live API (bidi) only
            return ins, ("audio",), "inferred"
        return ins, (("text", "image") if "image" in lowered else ("text",)), "inferred"

    def parameters(self, item: Mapping[str, Any]) -> tuple[str, ...]:
        return ("reasoning",) if item.get("thinking") is True else ()

    def author(self, model_id: str, item: Mapping[str, Any]) -> str | None:
        return "google"

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        # Embedding models report an output limit of 1: not a completion limit.
        limit = None if "embeddings" in model.output_modalities else positive_int(item.get("outputTokenLimit"))
        name = model.name if item.get("displayName") else model.id  # a tuned model's id has a slash: keep it whole
        return replace(model, name=name, top_provider=top_provider(model.context_length, limit))
