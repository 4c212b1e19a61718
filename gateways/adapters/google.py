"""Google Gemini API model list.  Reference: https://ai.google.dev/api/models#method:-models.list

`GET /v1beta/models?pageSize=1000`, followed through `nextPageToken` (ignoring it silently
truncates the list). The key travels in the `x-goog-api-key` header, never in `?key=`. Ids are the
`name` without its leading `models/`; the display name is `displayName`. No prices in the API.
Modality comes from `supportedGenerationMethods`, then the name (UPSTREAMS.md 2.5): the API does
not list input types, so the inputs of chat models are inferred.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from gateways.adapters.base import (
    Adapter,
    NormalizedModel,
    RejectItem,
    fallback_modalities,
    modality_string,
    pick,
    positive_int,
    required_id,
    text,
    true_keys,
)
from gateways.registry import register

EMBEDDING_METHODS = {"embedContent", "batchEmbedContents", "embedText"}
GEMINI_INPUTS = ("text", "image", "file", "audio", "video")
_GEMMA_VERSION = re.compile(r"gemma-(\d+)")


@register
class Google(Adapter):
    kind = "google"
    label = "Google (Gemini API)"
    default_base_url = "https://generativelanguage.googleapis.com/v1beta"
    list_params = {"pageSize": 1000}
    envelope_keys = ("models", "data")
    price_unit_label = "none in the API: null"
    reference = "https://ai.google.dev/api/models#method:-models.list"
    max_pages = 50

    @classmethod
    def auth_headers(cls, key: str) -> dict[str, str]:
        return {"x-goog-api-key": key}

    def fetch(self, client: httpx.Client) -> list[Any]:
        return self.fetch_pages(client, _next_token)

    def normalize(self, item: dict[str, Any]) -> NormalizedModel | None:
        name = required_id(item, "name")
        model_id = name.removeprefix("models/")
        if not model_id:
            raise RejectItem(f"name {name!r} has no model id after 'models/'")
        methods = set(true_keys(item.get("supportedGenerationMethods")))
        ins, outs, source = _modalities(model_id.lower(), methods)
        context = positive_int(item.get("inputTokenLimit"))
        # Embedding models report an output limit of 1: not a completion limit.
        max_output = None if "embeddings" in outs else positive_int(item.get("outputTokenLimit"))
        return NormalizedModel(
            id=model_id,
            name=text(item.get("displayName")) or model_id,
            description=text(item.get("description")),
            context_length=context,
            input_modalities=ins,
            output_modalities=outs,
            modality=modality_string(ins, outs),
            modality_source=source,
            pricing={"prompt": None, "completion": None},
            top_provider={"context_length": context, "max_completion_tokens": max_output, "is_moderated": None},
            supported_parameters=("reasoning",) if item.get("thinking") is True else (),
            # The Gemini API serves Google's own models only.
            provider_slug="google",
            merge_base=model_id,
            extra=pick(item, "baseModelId", "version"),
            raw=item,
        )


def _next_token(body: Any, params: dict[str, Any]) -> dict[str, Any] | None:
    token = body.get("nextPageToken") if isinstance(body, dict) else None
    return {**params, "pageToken": token} if isinstance(token, str) and token else None


def _modalities(lowered: str, methods: set[str]) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    if methods & EMBEDDING_METHODS:
        return ("text",), ("embeddings",), "upstream"
    if "predictLongRunning" in methods:  # Veo
        return ("text", "image"), ("video",), "upstream"
    if "predict" in methods:  # Imagen
        return ("text",), ("image",), "upstream"
    if "generateContent" in methods or "bidiGenerateContent" in methods:
        if "tts" in lowered:
            return ("text",), ("speech",), "inferred"
        if lowered.startswith("gemma-"):
            version = _GEMMA_VERSION.match(lowered)
            ins: tuple[str, ...] = ("text", "image") if version and int(version.group(1)) >= 3 else ("text",)
        elif lowered.startswith("gemini-"):
            ins = GEMINI_INPUTS
        else:
            ins = ("text",)
        if "native-audio" in lowered or "generateContent" not in methods:  # Live API (bidi) only
            return ins, ("audio",), "inferred"
        return ins, (("text", "image") if "image" in lowered else ("text",)), "inferred"
    if "generateAnswer" in methods:  # AQA
        return ("text",), ("text",), "upstream"
    return fallback_modalities(lowered)
