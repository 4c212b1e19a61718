"""Google Gemini API model list.  Reference: https://ai.google.dev/api/models#method:-models.list

`GET /v1beta/models?pageSize=1000` through `nextPageToken`, the key in `x-goog-api-key` (never in
`?key=`). No prices. Modality from `supportedGenerationMethods`, then the name: the API lists no input
types, so chat models' inputs are inferred (UPSTREAMS.md 2.5; docs/adapters.md, "Google").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gateways.adapters.base import Adapter, Builtin, Modalities, NormalizedModel
from gateways.adapters.modalities import fallback_modalities, google_chat_modalities
from gateways.adapters.pagination import PageTokens
from gateways.adapters.values import positive_int, top_provider, true_keys
from gateways.registry import register

CHAT_METHODS = {"generateContent", "bidiGenerateContent"}
STATED_BY_METHODS = (  # the first entry whose methods the model supports states its modality
    ({"embedContent", "batchEmbedContents", "embedText"}, ("text",), ("embeddings",)),
    ({"predictLongRunning"}, ("text", "image"), ("video",)),  # Veo
    ({"predict"}, ("text",), ("image",)),  # Imagen
)


@register
class Google(Adapter):
    kind = "google"
    label = "Google (Gemini API)"
    default_base_url = "https://generativelanguage.googleapis.com/v1beta"
    builtin = Builtin(priority=60, min_expected_models=5)
    price_unit_label = "none in the API: null"
    key_header, sole_author = ("x-goog-api-key", ""), "google"
    reference = "https://ai.google.dev/api/models#method:-models.list"
    list_params, pages, max_pages = {"pageSize": 1000}, PageTokens(), 50
    envelope_keys = ("models", "data")
    id_field, id_prefix = "name", "models/"
    name_fields, created_fields, context_fields = ("displayName",), (), ("inputTokenLimit",)
    extra_fields = ("baseModelId", "version")
    default_parameter_fields = {"temperature": "temperature", "top_p": "topP", "top_k": "topK"}

    def modalities(self, model_id: str, item: Mapping[str, Any]) -> Modalities:
        methods = set(true_keys(item.get("supportedGenerationMethods")))
        stated = next(((ins, outs) for names, ins, outs in STATED_BY_METHODS if methods & names), None)
        if stated or ("generateAnswer" in methods and not methods & CHAT_METHODS):  # AQA: text->text
            return *(stated or (("text",), ("text",))), "upstream"
        if not methods & CHAT_METHODS:
            return fallback_modalities(model_id)
        return *google_chat_modalities(model_id, live_only="generateContent" not in methods), "inferred"

    def parameters(self, item: Mapping[str, Any]) -> tuple[str, ...]:
        return ("reasoning",) if item.get("thinking") is True else ()

    def refine(self, model: NormalizedModel, item: dict[str, Any]) -> NormalizedModel | None:
        # Embedding models report an output limit of 1: not a completion limit.
        limit = None if "embeddings" in model.output_modalities else positive_int(item.get("outputTokenLimit"))
        name = model.name if item.get("displayName") else model.id  # a tuned model's id has a slash: keep it whole
        return replace(model, name=name, top_provider=top_provider(model.context_length, limit))
